package com.redhat.das.benchmarks.scheduling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs {@link SchedulingBenchmark} and writes, into the directory given as first argument: the JMH result
 * ({@code scheduling.json}), a CSV of latency percentiles per cluster size and request, and a plot of p50/p99 against
 * cluster size ({@code scheduling-latency.png}). Prints a Markdown table for docs/benchmarks.md.
 */
public final class SchedulingBenchmarkRun {

    private SchedulingBenchmarkRun() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/benchmarks").toAbsolutePath().normalize();
        boolean quick = List.of(args).contains("quick");
        Files.createDirectories(out);
        Options options = new OptionsBuilder()
                .include(SchedulingBenchmark.class.getSimpleName())
                .forks(1)
                .warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(quick ? 1 : 2))
                .measurementIterations(quick ? 2 : 5).measurementTime(TimeValue.seconds(quick ? 1 : 3))
                .jvmArgs("-Xmx2g", "-XX:+UseParallelGC")
                .resultFormat(ResultFormatType.JSON).result(out.resolve("scheduling.json").toString())
                .build();
        Collection<RunResult> results = new Runner(options).run();

        List<String[]> rows = new ArrayList<>();
        Map<String, TreeMap<Integer, double[]>> byRequest = new TreeMap<>();
        for (RunResult r : results.stream().sorted(Comparator.comparing((RunResult r) -> r.getParams().getParam("request"))
                .thenComparingInt(r -> Integer.parseInt(r.getParams().getParam("nodes")))).toList()) {
            Statistics s = r.getPrimaryResult().getStatistics();
            int nodes = Integer.parseInt(r.getParams().getParam("nodes"));
            int gpus = Integer.parseInt(r.getParams().getParam("gpusPerNode"));
            String request = r.getParams().getParam("request");
            double p50 = s.getPercentile(50);
            double p99 = s.getPercentile(99);
            double p999 = s.getPercentile(99.9);
            rows.add(new String[] {Integer.toString(nodes), Integer.toString(gpus), request, r.getParams().getParam("policy"),
                Long.toString(s.getN()), fmt(s.getMean()), fmt(p50), fmt(p99), fmt(p999), fmt(s.getMax())});
            byRequest.computeIfAbsent(request, k -> new TreeMap<>()).put(nodes * gpus, new double[] {p50, p99});
        }
        String header = "nodes,gpus_per_node,request,policy,samples,mean_us,p50_us,p99_us,p99_9_us,max_us";
        StringBuilder csv = new StringBuilder(header).append('\n');
        rows.forEach(r -> csv.append(String.join(",", r)).append('\n'));
        Files.writeString(out.resolve("scheduling.csv"), csv);

        XYChart chart = new XYChartBuilder().width(800).height(480).title("PreFilter + Reserve latency (allocator, in process)")
                .xAxisTitle("GPUs in the cluster (8 per node)").yAxisTitle("microseconds").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        byRequest.forEach((request, points) -> {
            List<Integer> x = new ArrayList<>(points.keySet());
            chart.addSeries(request + " p50", x, points.values().stream().map(v -> v[0]).toList()).setMarker(SeriesMarkers.CIRCLE);
            chart.addSeries(request + " p99", x, points.values().stream().map(v -> v[1]).toList()).setMarker(SeriesMarkers.DIAMOND);
        });
        BitmapEncoder.saveBitmap(chart, out.resolve("scheduling-latency").toString(), BitmapEncoder.BitmapFormat.PNG);

        System.out.println("\n| nodes × GPUs | request | samples | mean µs | p50 µs | p99 µs | p99.9 µs |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(r -> System.out.printf("| %s × %s | %s | %s | %s | %s | %s | %s |%n", r[0], r[1], r[2], r[4], r[5], r[6], r[7], r[8]));
        System.out.println("\nwritten to " + out);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
