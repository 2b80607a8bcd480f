package com.redhat.das.benchmarks.simulation;

import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.mig.PlacementRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The fixed partition every GPU gets in advance under static partitioning (what mig-parted applies from a named
 * config), and where its instances sit.
 *
 * @param name      for reports, e.g. {@code all-balanced}
 * @param instances the instances of one GPU, valid together under the model's rules
 */
public record StaticLayout(String name, List<PlacedInstance> instances) {

    public static final String ALL_BALANCED = "all-balanced";

    public StaticLayout {
        instances = List.copyOf(instances);
    }

    /**
     * NVIDIA mig-parted's {@code all-balanced}: 2 × 1g, 1 × 2g and 1 × 3g on the 7-compute-slice models, 2 × 1g and
     * 1 × 2g on A30 (the smallest-memory profile of each size, without media extensions).
     */
    public static StaticLayout allBalanced(GpuModel model) {
        // {compute slices, instances}
        int[][] shape = switch (model.totalComputeSlices()) {
            case 7 -> new int[][] {{1, 2}, {2, 1}, {3, 1}};
            case 4 -> new int[][] {{1, 2}, {2, 1}};
            default -> throw new IllegalArgumentException("no all-balanced layout is known for " + model.name()
                    + "; give one as profile:count,...");
        };
        Map<MigProfile, Integer> counts = new LinkedHashMap<>();
        for (int[] size : shape) {
            counts.put(model.profiles().stream()
                    .filter(p -> !p.mediaExtensions() && p.computeSlices() == size[0])
                    .min(Comparator.comparingInt(MigProfile::memorySlices))
                    .orElseThrow(() -> new IllegalArgumentException(model.name() + " has no " + size[0] + "g profile")),
                    size[1]);
        }
        return arranged(ALL_BALANCED, model, counts);
    }

    /** {@value #ALL_BALANCED} or a list such as {@code 1g.5gb:3,2g.10gb:2} for {@code model}. */
    public static StaticLayout parse(String text, GpuModel model) {
        if (text.strip().equals(ALL_BALANCED)) {
            return allBalanced(model);
        }
        Map<MigProfile, Integer> counts = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            String[] pair = part.strip().split(":");
            if (pair.length != 2) {
                throw new IllegalArgumentException("static layout part '" + part + "' is not profile:count");
            }
            counts.merge(model.requireProfile(pair[0].strip()), Integer.parseInt(pair[1].strip()), Integer::sum);
        }
        return arranged(text.strip(), model, counts);
    }

    /** Finds starts for the instances (largest first, backtracking), or fails when the set cannot share one GPU. */
    private static StaticLayout arranged(String name, GpuModel model, Map<MigProfile, Integer> counts) {
        List<MigProfile> pending = new ArrayList<>();
        counts.forEach((profile, count) -> {
            for (int i = 0; i < count; i++) {
                pending.add(profile);
            }
        });
        pending.sort(Comparator.comparingInt(MigProfile::memorySlices).thenComparingInt(MigProfile::computeSlices).reversed());
        GpuLayout layout = arrange(PlacementRules.of(model).emptyLayout(), pending, 0).orElseThrow(() ->
                new IllegalArgumentException("static layout " + name + " does not fit one " + model.name() + ": "
                        + counts.entrySet().stream().map(e -> e.getValue() + " × " + e.getKey().name())
                        .collect(Collectors.joining(", "))));
        return new StaticLayout(name, layout.instances());
    }

    private static Optional<GpuLayout> arrange(GpuLayout layout, List<MigProfile> pending, int next) {
        if (next == pending.size()) {
            return Optional.of(layout);
        }
        MigProfile profile = pending.get(next);
        for (long m = layout.possibleStarts(profile); m != 0; m &= m - 1) {
            Optional<GpuLayout> done = arrange(layout.with(profile, Long.numberOfTrailingZeros(m)), pending, next + 1);
            if (done.isPresent()) {
                return done;
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name + " " + instances;
    }
}
