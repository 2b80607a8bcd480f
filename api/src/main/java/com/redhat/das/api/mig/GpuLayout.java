package com.redhat.das.api.mig;

import com.redhat.das.api.mig.PlacementViolation.Reason;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The GPU instances on one GPU, always valid under its {@link PlacementRules}. Immutable: {@link #with} and
 * {@link #without} return new layouts.
 *
 * <p>The queries the allocator runs for every candidate ({@link #canPlace}, {@link #possibleStarts}) work on
 * precomputed bitmasks and do not allocate; only the explaining variants ({@link #whyNot},
 * {@link #possiblePlacements}) build objects.
 */
public final class GpuLayout {

    private final PlacementRules rules;
    private final List<PlacedInstance> instances;
    private final long occupied;
    private final int computeUsed;
    private final int mediaUsed;
    private final int[] counts;

    GpuLayout(PlacementRules rules, List<PlacedInstance> instances, long occupied, int computeUsed, int mediaUsed,
            int[] counts) {
        this.rules = rules;
        this.instances = instances;
        this.occupied = occupied;
        this.computeUsed = computeUsed;
        this.mediaUsed = mediaUsed;
        this.counts = counts;
    }

    public PlacementRules rules() {
        return rules;
    }

    public GpuModel model() {
        return rules.model();
    }

    /** The instances, in the order they were added. */
    public List<PlacedInstance> instances() {
        return instances;
    }

    public boolean isEmpty() {
        return instances.isEmpty();
    }

    /** Occupied memory slices, bit {@code i} set when memory slice {@code i} is in use. */
    public long occupiedMemorySlices() {
        return occupied;
    }

    public int freeMemorySlices() {
        return model().totalMemorySlices() - Long.bitCount(occupied);
    }

    public int usedComputeSlices() {
        return computeUsed;
    }

    public int freeComputeSlices() {
        return model().totalComputeSlices() - computeUsed;
    }

    public int gpuInstanceCount() {
        return instances.size();
    }

    /** Instances of {@code profile} in this layout; 0 for a profile of another model. */
    public int instanceCount(MigProfile profile) {
        int index = rules.indexOf(profile);
        return index < 0 ? 0 : counts[index];
    }

    /** Whether a GPU instance of {@code profile} can be added at {@code start}. Allocation-free. */
    public boolean canPlace(MigProfile profile, int start) {
        int index = rules.indexOf(profile);
        return index >= 0 && rules.firstBrokenRule(index, start, occupied, counts, mediaUsed, computeUsed,
                instances.size()) == null;
    }

    /** Why a GPU instance of {@code profile} cannot be added at {@code start}, or empty when it can. */
    public Optional<PlacementViolation> whyNot(MigProfile profile, int start) {
        PlacedInstance candidate = new PlacedInstance(profile, start);
        int index = rules.indexOf(profile);
        Reason reason = index < 0
                ? Reason.UNKNOWN_PROFILE
                : rules.firstBrokenRule(index, start, occupied, counts, mediaUsed, computeUsed, instances.size());
        return reason == null
                ? Optional.empty()
                : Optional.of(rules.violation(reason, candidate, instances, computeUsed, instances.size()));
    }

    /**
     * The starts at which a GPU instance of {@code profile} can still be added, as a bitmask (bit {@code s} set when
     * start {@code s} is possible); 0 when none, or when the profile is not one of the model's. Allocation-free.
     */
    public long possibleStarts(MigProfile profile) {
        int index = rules.indexOf(profile);
        if (index < 0 || rules.firstBrokenBudgetRule(index, counts, mediaUsed, computeUsed, instances.size()) != null) {
            return 0L;
        }
        int size = rules.memorySlices(index);
        long result = 0L;
        for (long remaining = rules.startMask(index); remaining != 0; remaining &= remaining - 1) {
            int start = Long.numberOfTrailingZeros(remaining);
            if ((occupied & Placement.mask(start, size)) == 0) {
                result |= 1L << start;
            }
        }
        return result;
    }

    /** The placements at which a GPU instance of {@code profile} can still be added, by ascending start. */
    public List<Placement> possiblePlacements(MigProfile profile) {
        long starts = possibleStarts(profile);
        List<Placement> result = new ArrayList<>(Long.bitCount(starts));
        for (long remaining = starts; remaining != 0; remaining &= remaining - 1) {
            result.add(new Placement(Long.numberOfTrailingZeros(remaining), profile.memorySlices()));
        }
        return result;
    }

    /**
     * This layout plus a GPU instance of {@code profile} at {@code start}.
     *
     * @throws IllegalArgumentException with the violated rule when it cannot be placed there
     */
    public GpuLayout with(MigProfile profile, int start) {
        Optional<PlacementViolation> violation = whyNot(profile, start);
        if (violation.isPresent()) {
            throw new IllegalArgumentException(violation.get().message());
        }
        int index = rules.indexOf(profile);
        List<PlacedInstance> more = new ArrayList<>(instances.size() + 1);
        more.addAll(instances);
        more.add(new PlacedInstance(profile, start));
        int[] moreCounts = counts.clone();
        moreCounts[index]++;
        return new GpuLayout(rules, List.copyOf(more), occupied | Placement.mask(start, profile.memorySlices()),
                computeUsed + profile.computeSlices(), mediaUsed + (profile.mediaExtensions() ? 1 : 0), moreCounts);
    }

    public GpuLayout with(PlacedInstance instance) {
        return with(instance.profile(), instance.start());
    }

    /**
     * This layout without {@code instance}.
     *
     * @throws IllegalArgumentException when the layout does not contain it
     */
    public GpuLayout without(PlacedInstance instance) {
        int position = instances.indexOf(instance);
        if (position < 0) {
            throw new IllegalArgumentException(instance + " is not in this layout: " + instances);
        }
        MigProfile profile = instance.profile();
        List<PlacedInstance> fewer = new ArrayList<>(instances);
        fewer.remove(position);
        int[] fewerCounts = counts.clone();
        fewerCounts[rules.indexOf(profile)]--;
        return new GpuLayout(rules, List.copyOf(fewer), occupied & ~instance.placement().mask(),
                computeUsed - profile.computeSlices(), mediaUsed - (profile.mediaExtensions() ? 1 : 0), fewerCounts);
    }

    /** Same model and the same instances, whatever the order they were added in. */
    @Override
    public boolean equals(Object o) {
        return o instanceof GpuLayout other
                && occupied == other.occupied
                && model().equals(other.model())
                && instances.size() == other.instances.size()
                && new HashSet<>(instances).equals(new HashSet<>(other.instances));
    }

    @Override
    public int hashCode() {
        return Long.hashCode(occupied) * 31 + model().name().hashCode();
    }

    @Override
    public String toString() {
        return model().name() + instances;
    }
}
