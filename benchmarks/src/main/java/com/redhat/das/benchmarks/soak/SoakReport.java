package com.redhat.das.benchmarks.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * What a soak found, written as JSON (everything), CSV (one row per fault) and two plots (convergence after each
 * fault; pods alive and run over time).
 *
 * @param podsRun       workload pods that reached Running
 * @param violations    every distinct violation the checker counted, continuous checks and final one together
 * @param claimsLost    distinct running containers that lost a slice their claims promised
 * @param claimsDuplicated distinct duplicate claims (two live claims on one placement, or more than a pod asks for)
 * @param leftAtEnd     claims, slices and CDI specs still present once every workload was deleted and the cluster settled
 * @param stuckPods     workload pods still waiting to run when the workload stopped and the cluster had settled
 * @param rejectedAtAdmission workload and probe pods the kubelet refused because Allocate found no slice for them:
 *                      never started without one, but a bare pod so refused is lost to its author
 */
public record SoakReport(String name, long seed, long durationMs, int podsSeen, int podsRun, int podsSucceeded, int podsFailed,
                         Map<String, Integer> objectsCreated, long apiErrors, Map<String, Integer> faultsPerKind,
                         List<FaultInjector.Fault> faults, Map<String, Percentiles> convergencePerKind, Percentiles convergence,
                         Percentiles podStart, int checks, int checksSkipped, List<String> violations, int claimsLost,
                         int claimsDuplicated, Map<String, Integer> leftAtEnd, int stuckPods, int rejectedAtAdmission,
                         List<Sample> timeline) {

    /** One point of the timeline, every few seconds. */
    public record Sample(long atMs, int alive, int run, int claims, int slices) {
    }

    /** Nearest-rank percentiles, in milliseconds; -1 when there is nothing to rank. */
    public record Percentiles(int count, long p50, long p99, long max) {
        static Percentiles of(List<Long> values) {
            if (values.isEmpty()) {
                return new Percentiles(0, -1, -1, -1);
            }
            long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Percentiles(sorted.length, rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1]);
        }

        private static long rank(long[] sorted, double q) {
            int index = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }
    }

    /** Whether DAS held every invariant: no violation, nothing lost, duplicated, leaked or stuck, every fault recovered. */
    public boolean clean() {
        return violations.isEmpty() && claimsLost == 0 && claimsDuplicated == 0 && leftAtEnd.values().stream().allMatch(v -> v == 0)
                && stuckPods == 0 && faults.stream().allMatch(f -> f.convergenceMs() >= 0);
    }

    static Map<String, Percentiles> perKind(List<FaultInjector.Fault> faults) {
        Map<FaultInjector.Kind, List<Long>> byKind = new EnumMap<>(FaultInjector.Kind.class);
        for (FaultInjector.Fault f : faults) {
            if (f.convergenceMs() >= 0) {
                byKind.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f.convergenceMs());
            }
        }
        Map<String, Percentiles> out = new LinkedHashMap<>();
        for (FaultInjector.Kind k : FaultInjector.Kind.values()) {
            out.put(k.name(), Percentiles.of(byKind.getOrDefault(k, List.of())));
        }
        return out;
    }

    static Map<String, Integer> countPerKind(List<FaultInjector.Fault> faults) {
        Map<String, Integer> out = new LinkedHashMap<>();
        Arrays.stream(FaultInjector.Kind.values()).forEach(k -> out.put(k.name(), 0));
        faults.forEach(f -> out.merge(f.kind().name(), 1, Integer::sum));
        return out;
    }

    /** Writes {@code <name>.json}, {@code <name>-faults.csv}, {@code <name>-convergence.png} and {@code <name>-pods.png}. */
    public List<Path> write(Path dir) {
        try {
            Files.createDirectories(dir);
            Path json = dir.resolve(name + ".json");
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), this);
            Path csv = dir.resolve(name + "-faults.csv");
            StringBuilder rows = new StringBuilder("n,kind,target,at_ms,downtime_ms,restart_ms,convergence_ms,note\n");
            for (FaultInjector.Fault f : faults) {
                rows.append(f.n()).append(',').append(f.kind()).append(',').append(f.target()).append(',').append(f.at()).append(',')
                        .append(f.downtimeMs()).append(',').append(f.restartMs()).append(',').append(f.convergenceMs()).append(",\"")
                        .append(f.note().replace("\"", "'")).append("\"\n");
            }
            Files.writeString(csv, rows);
            Path convergencePlot = dir.resolve(name + "-convergence.png");
            BitmapEncoder.saveBitmap(convergenceChart(), convergencePlot.toString(), BitmapEncoder.BitmapFormat.PNG);
            Path podsPlot = dir.resolve(name + "-pods.png");
            BitmapEncoder.saveBitmap(podsChart(), podsPlot.toString(), BitmapEncoder.BitmapFormat.PNG);
            return List.of(json, csv, convergencePlot, podsPlot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the soak report to " + dir, e);
        }
    }

    private XYChart convergenceChart() {
        XYChart chart = new XYChartBuilder().width(900).height(450).title(name + ": time from fault to a probe pod running (seed " + seed + ")")
                .xAxisTitle("fault injected at (s since start)").yAxisTitle("convergence (s)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(8);
        Map<FaultInjector.Kind, List<FaultInjector.Fault>> byKind = faults.stream().filter(f -> f.convergenceMs() >= 0)
                .collect(Collectors.groupingBy(FaultInjector.Fault::kind, () -> new EnumMap<>(FaultInjector.Kind.class), Collectors.toList()));
        byKind.forEach((kind, list) -> chart.addSeries(kind.description, list.stream().map(f -> f.at() / 1000.0).toList(),
                list.stream().map(f -> f.convergenceMs() / 1000.0).toList()).setMarker(SeriesMarkers.CIRCLE));
        if (byKind.isEmpty()) {
            chart.addSeries("no fault", List.of(0.0), List.of(0.0));
        }
        return chart;
    }

    private XYChart podsChart() {
        XYChart chart = new XYChartBuilder().width(900).height(450).title(name + ": workload pods over time, faults marked")
                .xAxisTitle("time (s since start)").yAxisTitle("pods / claims").build();
        chart.getStyler().setMarkerSize(7);
        List<Sample> points = timeline.isEmpty() ? List.of(new Sample(0, 0, 0, 0, 0)) : timeline;
        List<Double> x = points.stream().map(s -> s.atMs() / 1000.0).toList();
        chart.addSeries("alive pods", x, points.stream().map(s -> (double) s.alive()).toList()).setMarker(SeriesMarkers.NONE);
        chart.addSeries("claims", x, points.stream().map(s -> (double) s.claims()).toList()).setMarker(SeriesMarkers.NONE);
        chart.addSeries("slices", x, points.stream().map(s -> (double) s.slices()).toList()).setMarker(SeriesMarkers.NONE);
        if (!faults.isEmpty()) {
            XYSeries marks = chart.addSeries("fault", faults.stream().map(f -> f.at() / 1000.0).toList(),
                    faults.stream().map(f -> 0.0).toList());
            marks.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            marks.setMarker(SeriesMarkers.TRIANGLE_UP);
        }
        return chart;
    }
}
