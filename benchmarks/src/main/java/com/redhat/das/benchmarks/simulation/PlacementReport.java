package com.redhat.das.benchmarks.simulation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a benchmark's results: {@code placement-results.csv} (one row per run), {@code placement-series.csv}
 * (utilization over time at one load), {@code placement-results.json} (parameters, summary, rows), the plots
 * {@code placement-share.png}, {@code placement-utilization.png}, {@code placement-wait.png},
 * {@code placement-utilization-over-time.png}, and a Markdown summary.
 */
final class PlacementReport {

    static final int SERIES_SAMPLES = 200;
    private static final String REPACK = "repack";
    private static final String PACKED = "packed";
    private static final String REFERENCE = "reference";
    /** Log axes cannot show 0; waits below this many minutes are drawn at it. */
    private static final double WAIT_FLOOR_MIN = 0.01;

    private final ClusterSpec spec;
    private final StaticLayout layout;
    private final List<PlacementBenchmark.Row> rows;
    private final List<String> policies;
    private final double seriesLoad;
    private final List<String> workloads;

    PlacementReport(ClusterSpec spec, StaticLayout layout, List<PlacementBenchmark.Row> rows, List<String> policies,
                    double seriesLoad) {
        this.spec = spec;
        this.layout = layout;
        this.rows = rows;
        this.policies = policies;
        this.seriesLoad = seriesLoad;
        this.workloads = rows.stream().map(r -> r.point().workload()).distinct().toList();
    }

    void writeAll(Path dir, List<String> runDescription, double runtimeS) throws IOException {
        Files.writeString(dir.resolve("placement-results.csv"), resultsCsv());
        Files.writeString(dir.resolve("placement-series.csv"), seriesCsv());
        writeJson(dir.resolve("placement-results.json"), runDescription, runtimeS);
        writeCharts(dir);
    }

    // ---- data

    private List<Double> loadsOf(String workload) {
        return rows.stream().filter(r -> r.point().workload().equals(workload)).map(r -> r.point().load()).distinct().toList();
    }

    private Optional<RunResult> result(String workload, double load, String policy, Simulation.Queue queue) {
        return rows.stream().filter(r -> r.point().workload().equals(workload) && r.point().load() == load
                        && r.result().policy().equals(policy) && r.result().queue() == queue)
                .map(PlacementBenchmark.Row::result).findFirst();
    }

    private double share(String workload, double load, String policy) {
        return result(workload, load, policy, Simulation.Queue.LOSS).map(RunResult::placedShare).orElse(Double.NaN);
    }

    /** packed's share over repack's, per load; empty when either is not run. */
    private Map<Double, Double> packedOverRepack(String workload) {
        Map<Double, Double> ratios = new LinkedHashMap<>();
        if (policies.contains(PACKED) && policies.contains(REPACK)) {
            for (double load : loadsOf(workload)) {
                ratios.put(load, share(workload, load, PACKED) / share(workload, load, REPACK));
            }
        }
        return ratios;
    }

    // ---- CSV

    private String resultsCsv() {
        StringBuilder csv = new StringBuilder("workload,offered_load,policy,queue,requests,placed_on_arrival,"
                + "placed_on_arrival_share,turned_away,large_requests,large_placed_on_arrival,large_placed_share,"
                + "mean_wait_s,p95_wait_s,compute_utilization,memory_utilization,"
                + "fragmentation,placements,slices_created,creations_per_placement,undecided\n");
        for (PlacementBenchmark.Row row : rows) {
            RunResult r = row.result();
            csv.append(String.join(",", row.point().workload(), num(row.point().load(), 3), r.policy(),
                    r.queue().name().toLowerCase(Locale.ROOT), Integer.toString(r.requests()),
                    Integer.toString(r.placedOnArrival()), num(r.placedShare(), 5), Integer.toString(r.turnedAway()),
                    Integer.toString(r.largeRequests()), Integer.toString(r.largePlacedOnArrival()),
                    num(r.largePlacedShare(), 5),
                    num(r.meanWaitS(), 1), num(r.p95WaitS(), 1), num(r.computeUtilization(), 5),
                    num(r.memoryUtilization(), 5), num(r.fragmentation(), 5), Long.toString(r.placements()),
                    Long.toString(r.slicesCreated()), num(r.creationsPerPlacement(), 4), Long.toString(r.undecided())))
                    .append('\n');
        }
        return csv.toString();
    }

    private List<PlacementBenchmark.Row> seriesRows() {
        return rows.stream().filter(r -> Math.abs(r.point().load() - seriesLoad) < 1e-9).toList();
    }

    private String seriesCsv() {
        StringBuilder csv = new StringBuilder("workload,offered_load,policy,queue,time_s,compute_utilization,memory_utilization\n");
        for (PlacementBenchmark.Row row : seriesRows()) {
            RunResult.UtilizationSeries s = row.result().series();
            for (int i = 0; i < s.times().length; i++) {
                csv.append(String.join(",", row.point().workload(), num(row.point().load(), 3), row.result().policy(),
                        row.result().queue().name().toLowerCase(Locale.ROOT), num(s.times()[i], 1), num(s.compute()[i], 4),
                        num(s.memory()[i], 4))).append('\n');
            }
        }
        return csv.toString();
    }

    private static String num(double value, int decimals) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    // ---- JSON

    private void writeJson(Path file, List<String> runDescription, double runtimeS) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("run", runDescription);
        json.put("runtimeSeconds", Math.round(runtimeS * 10) / 10.0);
        json.put("cluster", Map.of("nodes", spec.nodes(), "gpusPerNode", spec.gpusPerNode(), "model", spec.model().name()));
        json.put("staticLayout", Map.of("name", layout.name(), "instances",
                layout.instances().stream().map(Object::toString).toList()));
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String workload : workloads) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("description", rows.stream().filter(r -> r.point().workload().equals(workload)).findFirst()
                    .orElseThrow().point().description());
            Map<String, Object> shares = new LinkedHashMap<>();
            for (double load : loadsOf(workload)) {
                Map<String, Object> byPolicy = new LinkedHashMap<>();
                policies.forEach(p -> byPolicy.put(p, nullIfNaN(share(workload, load, p))));
                shares.put(num(load, 2), byPolicy);
            }
            w.put("placedOnArrivalShare", shares);
            Map<Double, Double> ratios = packedOverRepack(workload);
            ratios.entrySet().stream().min(Map.Entry.comparingByValue()).ifPresent(e -> w.put("minPackedOverRepack",
                    Map.of("load", e.getKey(), "ratio", nullIfNaN(e.getValue()))));
            summary.put(workload, w);
        }
        json.put("summary", summary);
        List<Map<String, Object>> results = new ArrayList<>();
        for (PlacementBenchmark.Row row : rows) {
            RunResult r = row.result();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", row.point().workload());
            m.put("offeredLoad", row.point().load());
            m.put("policy", r.policy());
            m.put("queue", r.queue().name().toLowerCase(Locale.ROOT));
            m.put("requests", r.requests());
            m.put("placedOnArrival", r.placedOnArrival());
            m.put("placedOnArrivalShare", r.placedShare());
            m.put("turnedAway", r.turnedAway());
            m.put("largeRequests", r.largeRequests());
            m.put("largePlacedOnArrival", r.largePlacedOnArrival());
            m.put("largePlacedShare", nullIfNaN(r.largePlacedShare()));
            m.put("meanWaitSeconds", nullIfNaN(r.meanWaitS()));
            m.put("p95WaitSeconds", nullIfNaN(r.p95WaitS()));
            m.put("computeUtilization", r.computeUtilization());
            m.put("memoryUtilization", r.memoryUtilization());
            m.put("fragmentation", r.fragmentation());
            m.put("placements", r.placements());
            m.put("slicesCreated", r.slicesCreated());
            m.put("undecided", r.undecided());
            results.add(m);
        }
        json.put("results", results);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    private static Object nullIfNaN(double value) {
        return Double.isNaN(value) ? null : value;
    }

    // ---- charts

    private void writeCharts(Path dir) throws IOException {
        List<XYChart> share = new ArrayList<>();
        List<XYChart> largeShare = new ArrayList<>();
        List<XYChart> compute = new ArrayList<>();
        List<XYChart> memory = new ArrayList<>();
        List<XYChart> waits = new ArrayList<>();
        List<XYChart> fragmentation = new ArrayList<>();
        List<XYChart> overTime = new ArrayList<>();
        for (String workload : workloads) {
            share.add(againstLoad(workload, "placed on arrival, % (no queue)", Simulation.Queue.LOSS,
                    r -> 100 * r.placedShare(), false));
            largeShare.add(againstLoad(workload, "4g and 7g requests placed on arrival, % (no queue)",
                    Simulation.Queue.LOSS, r -> 100 * r.largePlacedShare(), false));
            compute.add(againstLoad(workload, "compute slices in use, % (no queue)", Simulation.Queue.LOSS,
                    r -> 100 * r.computeUtilization(), false));
            memory.add(againstLoad(workload, "memory slices in use, % (no queue)", Simulation.Queue.LOSS,
                    r -> 100 * r.memoryUtilization(), false));
            waits.add(againstLoad(workload, "mean wait, min (FIFO; log, 0 drawn at 0.01)", Simulation.Queue.FIFO,
                    r -> Math.max(WAIT_FLOOR_MIN, r.meanWaitS() / 60), true));
            // Without a queue the profile that must still fit is the trace's largest (with FIFO above 100 % load a 7g
            // always waits and every policy shows 100 %).
            fragmentation.add(againstLoad(workload, "fragmentation, % of free memory (no queue)",
                    Simulation.Queue.LOSS, r -> 100 * r.fragmentation(), false));
            overTime.add(overTime(workload));
        }
        int columns = workloads.size();
        share.addAll(largeShare);
        save(dir, "placement-share", share, 2, columns);
        List<XYChart> utilization = new ArrayList<>(compute);
        utilization.addAll(memory);
        utilization.addAll(fragmentation);
        save(dir, "placement-utilization", utilization, 3, columns);
        save(dir, "placement-wait", waits, 1, columns);
        if (overTime.stream().anyMatch(c -> !c.getSeriesMap().isEmpty())) {
            save(dir, "placement-utilization-over-time", overTime, 1, columns);
        }
    }

    private XYChart againstLoad(String workload, String yTitle, Simulation.Queue queue, ToDoubleFunction<RunResult> metric,
                                boolean logarithmic) {
        XYChart chart = new XYChartBuilder().width(520).height(400).title(workload + " — " + spec)
                .xAxisTitle("offered load, % of compute slices").yAxisTitle(yTitle).build();
        style(chart);
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.getStyler().setYAxisLogarithmic(logarithmic);
        List<Double> loads = loadsOf(workload);
        for (String policy : policies) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (double load : loads) {
                result(workload, load, policy, queue).ifPresent(r -> {
                    x.add((double) Math.round(100 * load));
                    y.add(metric.applyAsDouble(r));
                });
            }
            if (!x.isEmpty()) {
                chart.addSeries(policy, x, y).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return chart;
    }

    private XYChart overTime(String workload) {
        XYChart chart = new XYChartBuilder().width(520).height(400)
                .title(workload + " at " + Math.round(100 * seriesLoad) + " % load (no queue)")
                .xAxisTitle("hours").yAxisTitle("compute slices in use, %").build();
        style(chart);
        chart.getStyler().setXAxisDecimalPattern("#.#");
        chart.getStyler().setMarkerSize(0);
        for (PlacementBenchmark.Row row : seriesRows()) {
            if (row.point().workload().equals(workload) && row.result().queue() == Simulation.Queue.LOSS) {
                RunResult.UtilizationSeries s = row.result().series();
                List<Double> hours = new ArrayList<>();
                List<Double> used = new ArrayList<>();
                for (int i = 0; i < s.times().length; i++) {
                    hours.add(s.times()[i] / 3600);
                    used.add(100 * s.compute()[i]);
                }
                chart.addSeries(row.result().policy(), hours, used);
            }
        }
        return chart;
    }

    private static void style(XYChart chart) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(13f));
        chart.getStyler().setMarkerSize(6);
    }

    private static void save(Path dir, String name, List<XYChart> charts, int rows, int columns) throws IOException {
        BitmapEncoder.saveBitmap(charts, rows, columns, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    // ---- Markdown

    /**
     * One table per workload: by load, the share placed on arrival per policy (no queue), packed against repack and
     * reference, and for packed / reference / repack the share of 4g and 7g requests placed, the compute in use and the
     * mean wait in a FIFO queue.
     */
    String markdown() {
        boolean trio = policies.containsAll(List.of(PACKED, REFERENCE, REPACK));
        StringBuilder md = new StringBuilder();
        for (String workload : workloads) {
            md.append("\n**").append(workload).append("**: placed on arrival, % of requests (no queue)");
            if (trio) {
                md.append("; then packed / reference / repack");
            }
            md.append("\n\n| load |");
            policies.forEach(p -> md.append(' ').append(p).append(" |"));
            if (trio) {
                md.append(" packed ÷ repack | packed − reference | 4g/7g placed, % | compute in use, % | FIFO mean wait, min |");
            }
            md.append("\n|---|");
            policies.forEach(p -> md.append("---|"));
            md.append(trio ? "---|---|---|---|---|" : "").append('\n');
            for (double load : loadsOf(workload)) {
                md.append("| ").append(Math.round(100 * load)).append(" % |");
                policies.forEach(p -> md.append(' ').append(num(100 * share(workload, load, p), 1)).append(" |"));
                if (trio) {
                    md.append(String.format(Locale.ROOT, " %.1f %% | %+.1f pt | %s | %s | %s |",
                            100 * share(workload, load, PACKED) / share(workload, load, REPACK),
                            100 * (share(workload, load, PACKED) - share(workload, load, REFERENCE)),
                            trioOf(workload, load, Simulation.Queue.LOSS, r -> 100 * r.largePlacedShare(), 0),
                            trioOf(workload, load, Simulation.Queue.LOSS, r -> 100 * r.computeUtilization(), 1),
                            trioOf(workload, load, Simulation.Queue.FIFO, r -> r.meanWaitS() / 60, 1)));
                }
                md.append('\n');
            }
        }
        long undecided = rows.stream().mapToLong(r -> r.result().undecided()).sum();
        md.append("\nrepack searches left undecided: ").append(undecided).append('\n');
        return md.toString();
    }

    private String trioOf(String workload, double load, Simulation.Queue queue, ToDoubleFunction<RunResult> metric,
                          int decimals) {
        List<String> values = new ArrayList<>();
        for (String policy : List.of(PACKED, REFERENCE, REPACK)) {
            values.add(result(workload, load, policy, queue).map(r -> num(metric.applyAsDouble(r), decimals)).orElse(""));
        }
        return String.join(" / ", values);
    }
}
