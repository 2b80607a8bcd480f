package com.redhat.das.benchmarks.soak;

import com.redhat.das.testbed.Testbed.GpuNodeSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What one soak does: how many pods it runs at most and for how long, on which emulated nodes, how often it injects a
 * fault, and where the report goes. Bounded both ways so that a soak always ends.
 *
 * @param name        the report's file prefix ({@code soak-smoke}, {@code soak})
 * @param seed        seeds the workload's and the fault injector's random choices
 * @param pods        the soak ends once this many workload pods have run
 * @param maxDuration ... or once this much time has passed, whichever comes first
 * @param maxLivePods the workload creates no new pod while this many of its pods are alive
 * @param faultGapMin the least time between the end of one fault and the next
 * @param faultGapMax the most time between the end of one fault and the next
 * @param maxDowntime the longest a killed component stays down before it is restarted
 */
public record SoakPlan(String name, long seed, int pods, Duration maxDuration, List<GpuNodeSpec> nodes, int maxLivePods,
                       Duration faultGapMin, Duration faultGapMax, Duration maxDowntime, Path out) {

    /** Four nodes, four GPU models, eight GPUs: every model's profile table and both A100 and H100 slice sizes. */
    static final List<GpuNodeSpec> MIXED_NODES = List.of(
            new GpuNodeSpec("soak-a100-40", "A100-40GB", 2),
            new GpuNodeSpec("soak-h100-80", "H100-80GB", 2),
            new GpuNodeSpec("soak-a30", "A30-24GB", 2),
            new GpuNodeSpec("soak-a100-80", "A100-80GB", 2));

    public SoakPlan {
        if (pods < 1 || maxLivePods < 1) {
            throw new IllegalArgumentException("a soak needs at least one pod to run and one alive at a time");
        }
        if (faultGapMin.compareTo(faultGapMax) > 0) {
            throw new IllegalArgumentException("fault gap: minimum " + faultGapMin + " is above maximum " + faultGapMax);
        }
        if (nodes.size() < 1) {
            throw new IllegalArgumentException("a soak needs at least one emulated node");
        }
        nodes = List.copyOf(nodes);
    }

    /** CI's short run: at least 300 pods, a fault every 8 to 16 seconds. */
    public static SoakPlan smoke(Path out) {
        return new SoakPlan("soak-smoke", 20261207L, 300, Duration.ofMinutes(12), MIXED_NODES, 16,
                Duration.ofSeconds(8), Duration.ofSeconds(16), Duration.ofSeconds(3), out);
    }

    /** The long run: 10 000 pods, at most four hours. */
    public static SoakPlan longRun(Path out) {
        return new SoakPlan("soak", 20261207L, 10_000, Duration.ofHours(4), MIXED_NODES, 16,
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(5), out);
    }

    /**
     * This plan with the options given: {@code --seed=N}, {@code --pods=N}, {@code --max-duration=PT1H} (ISO-8601),
     * {@code --max-live-pods=N}, {@code --out=DIR}, {@code --name=PREFIX}.
     */
    public SoakPlan with(String... args) {
        SoakPlan p = this;
        for (String arg : args) {
            if (arg.isBlank()) {
                continue;
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --option=value, got \"" + arg + "\"");
            }
            String key = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            p = switch (key) {
                case "seed" -> new SoakPlan(p.name, Long.parseLong(value), p.pods, p.maxDuration, p.nodes, p.maxLivePods, p.faultGapMin,
                        p.faultGapMax, p.maxDowntime, p.out);
                case "pods" -> new SoakPlan(p.name, p.seed, Integer.parseInt(value), p.maxDuration, p.nodes, p.maxLivePods, p.faultGapMin,
                        p.faultGapMax, p.maxDowntime, p.out);
                case "max-duration" -> new SoakPlan(p.name, p.seed, p.pods, Duration.parse(value), p.nodes, p.maxLivePods, p.faultGapMin,
                        p.faultGapMax, p.maxDowntime, p.out);
                case "max-live-pods" -> new SoakPlan(p.name, p.seed, p.pods, p.maxDuration, p.nodes, Integer.parseInt(value), p.faultGapMin,
                        p.faultGapMax, p.maxDowntime, p.out);
                case "out" -> new SoakPlan(p.name, p.seed, p.pods, p.maxDuration, p.nodes, p.maxLivePods, p.faultGapMin, p.faultGapMax,
                        p.maxDowntime, Path.of(value));
                case "name" -> new SoakPlan(value, p.seed, p.pods, p.maxDuration, p.nodes, p.maxLivePods, p.faultGapMin, p.faultGapMax,
                        p.maxDowntime, p.out);
                default -> throw new IllegalArgumentException("unknown soak option --" + key
                        + "; known: --seed, --pods, --max-duration, --max-live-pods, --out, --name");
            };
        }
        return p;
    }
}
