package com.redhat.das.benchmarks.simulation;

import com.redhat.das.allocator.placement.PlacementPolicies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The placement-quality benchmark: replays synthetic or imported traces on a simulated cluster under every policy,
 * in both queue disciplines, and writes the results (CSV, JSON, PNG plots) and a Markdown summary.
 *
 * <p>{@code mvn -B -pl benchmarks -am -Pbench-placement verify -DskipTests} runs it with the defaults and writes into
 * {@code docs/benchmarks/}; {@code -Dbench.placement.args="..."} passes options (see {@code --help}).
 */
@Command(name = "placement-benchmark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Compares MIG placement policies on a simulated cluster: share placed on arrival, FIFO wait, "
                + "utilization, fragmentation and slice creations against offered load.")
public final class PlacementBenchmark implements Callable<Integer> {

    static final List<String> POLICIES = List.of("packed", "reference", "static", "repack");

    @Option(names = "--out", defaultValue = "docs/benchmarks", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--cluster", defaultValue = "16x8xA100-40GB",
            description = "NODESxGPUSxMODEL, model from the bundled MIG catalog (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--mixes", split = ",", defaultValue = "inference,mixed,training",
            description = "Synthetic mixes to run (default: ${DEFAULT-VALUE}); ignored with --trace.")
    List<String> mixes;

    @Option(names = "--trace", description = "CSV trace to replay instead of the synthetic mixes (arrival_s, "
            + "duration_s, profile or gpu_fraction).")
    Path trace;

    @Option(names = "--loads", split = ",", description = "Offered loads to scale each trace to (default 0.5,0.6,...,1.2 "
            + "for the mixes; a --trace is replayed as recorded unless loads are given).")
    List<Double> loads;

    @Option(names = "--arrivals", defaultValue = "20000",
            description = "Requests per synthetic trace (default: ${DEFAULT-VALUE}).")
    int arrivals;

    @Option(names = "--warmup", defaultValue = "0.2",
            description = "Share of each trace's requests left out of the measurements (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--seed", defaultValue = "42",
            description = "Seed of the traces and tie-breaks (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--policies", split = ",", defaultValue = "packed,reference,static,repack",
            description = "Policies to compare (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--static-layout", defaultValue = StaticLayout.ALL_BALANCED,
            description = "Layout of every GPU under static partitioning: all-balanced or profile:count,... "
                    + "(default: ${DEFAULT-VALUE}).")
    String staticLayout;

    @Option(names = "--series-load", defaultValue = "1.0",
            description = "Load whose utilization-over-time series is written and plotted (default: ${DEFAULT-VALUE}; "
                    + "a trace replayed as recorded: its own load).")
    double seriesLoad;

    @Option(names = "--threads", defaultValue = "0", description = "Runs in parallel; 0 = one per processor.")
    int threads;

    /** One trace at one load. */
    record Point(String workload, String description, double load, Trace trace) {
    }

    /** One run's result and where it belongs. */
    record Row(Point point, RunResult result) {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new PlacementBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException, ExecutionException {
        long started = System.nanoTime();
        ClusterSpec spec = ClusterSpec.parse(cluster);
        StaticLayout layout = StaticLayout.parse(staticLayout, spec.model());
        for (String policy : policies) {
            if (!POLICIES.contains(policy)) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "unknown policy '" + policy + "'; known: " + POLICIES);
            }
        }
        List<Point> points = points(spec);
        int parallelism = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        List<Row> rows = run(spec, layout, points, parallelism);
        Path dir = out.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        double runtimeS = (System.nanoTime() - started) / 1e9;
        // A trace replayed as recorded has one load, its own: that is the one to show over time.
        double seriesAt = trace != null && loads == null ? points.getFirst().load() : seriesLoad;
        PlacementReport report = new PlacementReport(spec, layout, rows, policies, seriesAt);
        report.writeAll(dir, describeRun(spec, layout, parallelism), runtimeS);
        System.out.println(report.markdown());
        System.out.printf(Locale.ROOT, "%nwritten to %s in %.1f s%n", dir, runtimeS);
        return 0;
    }

    private List<Point> points(ClusterSpec spec) throws IOException {
        List<Point> points = new ArrayList<>();
        if (trace != null) {
            Trace recorded = TraceCsv.read(trace, spec);
            String description = "replay of " + trace.getFileName() + " (" + recorded.requests().size() + " requests)";
            if (loads == null) {
                points.add(new Point(recorded.name(), description, recorded.offeredLoad(spec), recorded));
            } else {
                loads.forEach(l -> points.add(new Point(recorded.name(), description, l, recorded.scaledToLoad(spec, l))));
            }
            return points;
        }
        List<Double> levels = loads != null ? loads : List.of(0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2);
        for (int m = 0; m < mixes.size(); m++) {
            WorkloadMix mix = WorkloadMix.byName(mixes.get(m));
            long traceSeed = seed + 1000L * m;
            for (double load : levels) {
                points.add(new Point(mix.name(), mix.description(), load, mix.trace(spec, arrivals, load, traceSeed)));
            }
        }
        return points;
    }

    private List<Row> run(ClusterSpec spec, StaticLayout layout, List<Point> points, int parallelism)
            throws InterruptedException, ExecutionException {
        List<Future<Row>> futures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            for (Point point : points) {
                for (String policy : policies) {
                    for (Simulation.Queue queue : Simulation.Queue.values()) {
                        futures.add(pool.submit(() -> {
                            long t0 = System.nanoTime();
                            RunResult result = Simulation.run(point.trace(), spec, clusterFor(policy, spec, layout), queue,
                                    warmup, PlacementReport.SERIES_SAMPLES);
                            System.err.printf(Locale.ROOT, "%-10s load %.2f %-9s %-4s placed %5.1f %% (%.1f s)%n",
                                    point.workload(), point.load(), policy, queue.name().toLowerCase(Locale.ROOT),
                                    100 * result.placedShare(), (System.nanoTime() - t0) / 1e9);
                            return new Row(point, result);
                        }));
                    }
                }
            }
            // In submission order: point, policy, queue.
            List<Row> rows = new ArrayList<>();
            for (Future<Row> f : futures) {
                rows.add(f.get());
            }
            return rows;
        } finally {
            pool.shutdownNow();
        }
    }

    private SimulatedCluster clusterFor(String policy, ClusterSpec spec, StaticLayout layout) {
        return switch (policy) {
            case "static" -> new StaticPartitionCluster(spec, layout);
            case "repack" -> new RepackCluster(spec);
            default -> new EngineCluster(spec, PlacementPolicies.byName(policy), seed);
        };
    }

    private List<String> describeRun(ClusterSpec spec, StaticLayout layout, int parallelism) {
        List<String> lines = new ArrayList<>();
        lines.add("cluster " + spec + " (" + spec.gpus() + " GPUs, " + spec.totalComputeSlices() + " compute slices)");
        lines.add("static layout " + layout);
        lines.add(trace != null ? "trace " + trace : "mixes " + mixes + ", " + arrivals + " arrivals each, seed " + seed);
        lines.add("warm-up " + warmup + ", threads " + parallelism + ", Java " + Runtime.version());
        return lines;
    }
}
