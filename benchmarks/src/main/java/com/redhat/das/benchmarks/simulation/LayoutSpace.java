package com.redhat.das.benchmarks.simulation;

import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacementRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/**
 * Every way one GPU of a model can be filled, up to the order and position of its instances: the set of instance
 * counts per profile ({@code 2 × 1g + 1 × 3g}, …) for which some placement satisfies all of the model's MIG rules.
 *
 * <p>The repack bound reasons about these <em>count vectors</em> only: it may move slices freely, so where exactly a
 * slice sits does not matter, only whether a GPU's contents can be arranged at all. The set is found once per model by
 * placing instances on a real {@link GpuLayout} (so it applies exactly the rules the allocator applies) and is
 * downward closed: removing an instance from a valid layout leaves a valid layout.
 *
 * <p>A count vector is packed into a {@code long}, {@value #BITS} bits per profile in the model's profile order.
 */
final class LayoutSpace {

    static final int BITS = 4;
    private static final long DIGIT = (1L << BITS) - 1;
    private static final Map<GpuModel, LayoutSpace> BY_MODEL = new ConcurrentHashMap<>();

    final GpuModel model;
    final int profileCount;
    final int[] computeSlices;
    final int[] memorySlices;
    /** Most instances of each profile one GPU can hold in a valid layout. */
    final int[] capacity;
    /** Profile indexes, largest first (memory slices, then compute slices): the order the search places them in. */
    final int[] largestFirst;
    /** The valid count vectors, packed, sorted. */
    private final long[] valid;
    /** The maximal valid count vectors (nothing more fits), as counts. */
    final List<int[]> maximal;

    private LayoutSpace(GpuModel model) {
        this.model = model;
        List<MigProfile> profiles = model.profiles();
        profileCount = profiles.size();
        if (profileCount * BITS > Long.SIZE || model.totalMemorySlices() > DIGIT) {
            throw new IllegalArgumentException("the repack bound handles models with at most " + Long.SIZE / BITS
                    + " profiles and " + DIGIT + " memory slices; " + model.name() + " has " + profileCount + " and "
                    + model.totalMemorySlices());
        }
        computeSlices = profiles.stream().mapToInt(MigProfile::computeSlices).toArray();
        memorySlices = profiles.stream().mapToInt(MigProfile::memorySlices).toArray();
        Set<Long> found = new HashSet<>();
        enumerate(PlacementRules.of(model).emptyLayout(), 0, 0, 0L, found);
        valid = found.stream().mapToLong(Long::longValue).sorted().toArray();
        capacity = new int[profileCount];
        List<int[]> max = new ArrayList<>();
        for (long key : valid) {
            boolean isMaximal = true;
            for (int q = 0; q < profileCount; q++) {
                capacity[q] = Math.max(capacity[q], count(key, q));
                isMaximal &= !canAdd(key, q);
            }
            if (isMaximal) {
                max.add(counts(key));
            }
        }
        maximal = List.copyOf(max);
        largestFirst = IntStream.range(0, profileCount).boxed()
                .sorted(Comparator.<Integer>comparingInt(q -> -memorySlices[q]).thenComparingInt(q -> -computeSlices[q])
                        .thenComparingInt(q -> q))
                .mapToInt(Integer::intValue).toArray();
    }

    static LayoutSpace of(GpuModel model) {
        return BY_MODEL.computeIfAbsent(model, LayoutSpace::new);
    }

    /**
     * Adds instances in a canonical order (profile ascending, then start ascending) so each set of placed instances is
     * visited once, and records the counts of every valid set.
     */
    private void enumerate(GpuLayout layout, int fromProfile, int fromStart, long key, Set<Long> found) {
        found.add(key);
        List<MigProfile> profiles = model.profiles();
        for (int q = fromProfile; q < profileCount; q++) {
            MigProfile profile = profiles.get(q);
            long starts = layout.possibleStarts(profile);
            if (q == fromProfile) {
                starts &= -1L << fromStart;
            }
            for (long m = starts; m != 0; m &= m - 1) {
                int start = Long.numberOfTrailingZeros(m);
                enumerate(layout.with(profile, start), q, start + 1, key + unit(q), found);
            }
        }
    }

    static long unit(int q) {
        return 1L << (q * BITS);
    }

    static int count(long key, int q) {
        return (int) ((key >>> (q * BITS)) & DIGIT);
    }

    boolean isValid(long key) {
        return Arrays.binarySearch(valid, key) >= 0;
    }

    /** Whether one more instance of profile {@code q} fits a GPU holding {@code key}, wherever its slices sit. */
    boolean canAdd(long key, int q) {
        return count(key, q) < DIGIT && isValid(key + unit(q));
    }

    int[] counts(long key) {
        int[] counts = new int[profileCount];
        for (int q = 0; q < profileCount; q++) {
            counts[q] = count(key, q);
        }
        return counts;
    }

    static long pack(int[] counts) {
        long key = 0;
        for (int q = 0; q < counts.length; q++) {
            if (counts[q] < 0 || counts[q] > DIGIT) {
                throw new IllegalArgumentException("count out of range: " + Arrays.toString(counts));
            }
            key += (long) counts[q] << (q * BITS);
        }
        return key;
    }

    int usedCompute(long key) {
        int used = 0;
        for (int q = 0; q < profileCount; q++) {
            used += count(key, q) * computeSlices[q];
        }
        return used;
    }

    int usedMemory(long key) {
        int used = 0;
        for (int q = 0; q < profileCount; q++) {
            used += count(key, q) * memorySlices[q];
        }
        return used;
    }

    /** Index of the profile called {@code name}, or -1. */
    int indexOf(String name) {
        List<MigProfile> profiles = model.profiles();
        for (int q = 0; q < profileCount; q++) {
            if (profiles.get(q).name().equals(name)) {
                return q;
            }
        }
        return -1;
    }
}
