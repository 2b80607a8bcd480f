package com.redhat.das.benchmarks.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A synthetic workload: which slice sizes pods ask for, how often, and for how long.
 *
 * <p>Sizes are GPU fractions, mapped to the cluster model's smallest covering profile (see
 * {@link ClusterSpec#profileCovering}), so one mix runs on any model: on 8-slice GPUs the fractions 1/7 … 7/7 are
 * exactly {@code 1g} … {@code 7g}. Arrivals are a Poisson process, durations exponential with the entry's mean.
 *
 * @param name        short name used in files and tables
 * @param description one line for the documentation
 * @param entries     the sizes, weights need not sum to 1
 */
public record WorkloadMix(String name, String description, List<Entry> entries) {

    /**
     * One size of the mix.
     *
     * @param gpuFraction   share of a GPU's compute asked for
     * @param weight        relative arrival frequency
     * @param meanDurationS mean time the slice is held, seconds
     */
    public record Entry(double gpuFraction, double weight, double meanDurationS) {
        public Entry {
            if (!(weight > 0) || !(meanDurationS > 0)) {
                throw new IllegalArgumentException("weight and mean duration must be positive");
            }
        }
    }

    private static final double MINUTE = 60;

    /** Mostly small inference slices, short-lived; big slices are rare. */
    public static final WorkloadMix INFERENCE = new WorkloadMix("inference",
            "small-heavy inference: 1g 50 %, 2g 30 %, 3g 15 %, 4g 3 %, 7g 2 % of arrivals; means 20-60 min",
            List.of(new Entry(1 / 7.0, 0.50, 20 * MINUTE), new Entry(2 / 7.0, 0.30, 20 * MINUTE),
                    new Entry(3 / 7.0, 0.15, 30 * MINUTE), new Entry(4 / 7.0, 0.03, 60 * MINUTE),
                    new Entry(1.0, 0.02, 60 * MINUTE)));

    /** Every size in good numbers: small services beside fine-tuning jobs. */
    public static final WorkloadMix MIXED = new WorkloadMix("mixed",
            "mixed: 1g 30 %, 2g 20 %, 3g 20 %, 4g 15 %, 7g 15 % of arrivals; means 30-120 min",
            List.of(new Entry(1 / 7.0, 0.30, 30 * MINUTE), new Entry(2 / 7.0, 0.20, 30 * MINUTE),
                    new Entry(3 / 7.0, 0.20, 60 * MINUTE), new Entry(4 / 7.0, 0.15, 60 * MINUTE),
                    new Entry(1.0, 0.15, 120 * MINUTE)));

    /** Mostly large, long training slices, with some small interactive ones between them. */
    public static final WorkloadMix TRAINING = new WorkloadMix("training",
            "large-heavy training: 1g 10 %, 2g 10 %, 3g 20 %, 4g 25 %, 7g 35 % of arrivals; means 30-240 min",
            List.of(new Entry(1 / 7.0, 0.10, 30 * MINUTE), new Entry(2 / 7.0, 0.10, 30 * MINUTE),
                    new Entry(3 / 7.0, 0.20, 120 * MINUTE), new Entry(4 / 7.0, 0.25, 180 * MINUTE),
                    new Entry(1.0, 0.35, 240 * MINUTE)));

    public static final List<WorkloadMix> ALL = List.of(INFERENCE, MIXED, TRAINING);

    public WorkloadMix {
        Objects.requireNonNull(name, "name");
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("mix " + name + " has no entries");
        }
    }

    /** The mix called {@code name}, case-insensitive. */
    public static WorkloadMix byName(String name) {
        String key = name.strip().toLowerCase(Locale.ROOT);
        return ALL.stream().filter(m -> m.name().equals(key)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown mix '" + name + "'; known: " + ALL.stream().map(WorkloadMix::name).toList()));
    }

    /**
     * {@code arrivals} requests of this mix on {@code cluster} at offered load {@code load}. The same seed gives the
     * same sizes and durations at every load: only the gaps between arrivals differ (common random numbers), so a
     * curve over load shows the load, not sampling noise.
     */
    public Trace trace(ClusterSpec cluster, int arrivals, double load, long seed) {
        if (arrivals < 2) {
            throw new IllegalArgumentException("a trace needs at least 2 arrivals, got " + arrivals);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double totalWeight = entries.stream().mapToDouble(Entry::weight).sum();
        List<String> profiles = entries.stream().map(e -> cluster.profileCovering(e.gpuFraction()).name()).toList();
        List<Request> requests = new ArrayList<>(arrivals);
        double time = 0;
        for (int i = 0; i < arrivals; i++) {
            // Unit-rate Poisson arrivals; scaledToLoad sets the real rate.
            time += exponential(random, 1.0);
            double pick = random.nextDouble() * totalWeight;
            int e = 0;
            while (e < entries.size() - 1 && pick >= entries.get(e).weight()) {
                pick -= entries.get(e).weight();
                e++;
            }
            requests.add(new Request(i, time, exponential(random, entries.get(e).meanDurationS()), profiles.get(e)));
        }
        return new Trace(name, requests).scaledToLoad(cluster, load);
    }

    private static double exponential(SplittableRandom random, double mean) {
        // u in (0, 1): the logarithm is finite and negative, so the sample is positive.
        return -mean * Math.log(random.nextDouble(Double.MIN_VALUE, 1.0));
    }
}
