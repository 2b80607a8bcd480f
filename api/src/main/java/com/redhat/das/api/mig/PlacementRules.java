package com.redhat.das.api.mig;

import com.redhat.das.api.mig.PlacementViolation.Reason;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The MIG placement rules of one {@link GpuModel}, precomputed as bitmasks so that the allocator's hot path
 * ({@link GpuLayout#canPlace}, {@link GpuLayout#possibleStarts}) does no allocation.
 *
 * <p>A set of GPU instances is valid on a GPU when:
 * <ol>
 *   <li>every profile is one of the model's profiles ({@link Reason#UNKNOWN_PROFILE});</li>
 *   <li>every instance starts at a start its profile allows ({@link Reason#START_NOT_ALLOWED}), e.g. no 1g at memory
 *       slice 7 and no 4g at 4 on 8-slice GPUs;</li>
 *   <li>no two instances share a memory slice ({@link Reason#MEMORY_OVERLAP});</li>
 *   <li>no profile has more than its {@code maxInstances} instances ({@link Reason#MAX_INSTANCES});</li>
 *   <li>at most {@value #MAX_MEDIA_EXTENSION_INSTANCES} media-extension ({@code +me}) instance exists
 *       ({@link Reason#MEDIA_EXTENSIONS}), see below;</li>
 *   <li>the compute slices add up to at most the model's {@code totalComputeSlices} ({@link Reason#COMPUTE_BUDGET});</li>
 *   <li>there are at most {@code maxGpuInstances} instances ({@link Reason#GPU_INSTANCE_LIMIT}).</li>
 * </ol>
 * On every catalog model, rules 2 and 3 alone already keep compute within budget and the instance count within
 * {@code maxGpuInstances}; rules 6 and 7 are still checked because a model built from NVML data need not have that
 * property.
 *
 * <p><b>One media-extension instance per GPU, on every model.</b> A {@code +me} GPU instance takes the GPU's JPEG
 * and OFA engines, of which a GPU has one. On A30 the two {@code +me} profiles ({@code 1g.6gb+me},
 * {@code 2g.12gb+me}) both need that single engine, so at most one of either kind can exist (inferred from
 * NVIDIA's engine table, not stated by NVIDIA). On 8-slice models there is one {@code +me} profile whose
 * {@code instanceCount} is already 1, so the per-GPU rule changes nothing there. Applying it to every model keeps
 * models built from NVML data on the safe side without a per-model special case.
 *
 * <p>Instances are immutable and thread-safe. Building one costs a few small arrays; keep one per model.
 */
public final class PlacementRules {

    /** Media-extension ({@code +me}) GPU instances one GPU can hold, whatever the model. */
    public static final int MAX_MEDIA_EXTENSION_INSTANCES = 1;

    private final GpuModel model;
    private final MigProfile[] profiles;
    private final Map<String, Integer> indexByName;
    private final long[] startMasks;
    private final int[] memorySlices;
    private final int[] computeSlices;
    private final int[] maxInstances;
    private final boolean[] mediaExtensions;
    private final GpuLayout emptyLayout;

    private PlacementRules(GpuModel model) {
        this.model = model;
        List<MigProfile> list = model.profiles();
        int n = list.size();
        profiles = list.toArray(new MigProfile[0]);
        indexByName = new HashMap<>(n * 2);
        startMasks = new long[n];
        memorySlices = new int[n];
        computeSlices = new int[n];
        maxInstances = new int[n];
        mediaExtensions = new boolean[n];
        for (int i = 0; i < n; i++) {
            MigProfile p = profiles[i];
            indexByName.put(p.name(), i);
            startMasks[i] = p.startMask();
            memorySlices[i] = p.memorySlices();
            computeSlices[i] = p.computeSlices();
            maxInstances[i] = p.maxInstances();
            mediaExtensions[i] = p.mediaExtensions();
        }
        emptyLayout = new GpuLayout(this, List.of(), 0L, 0, 0, new int[n]);
    }

    public static PlacementRules of(GpuModel model) {
        return new PlacementRules(Objects.requireNonNull(model, "model"));
    }

    public GpuModel model() {
        return model;
    }

    /** The layout of a GPU with no GPU instance. */
    public GpuLayout emptyLayout() {
        return emptyLayout;
    }

    /**
     * Checks a whole set of GPU instances (e.g. what a node reports, or what the allocator plans) and reports every
     * violation, in instance order. An instance with an unknown profile or a disallowed start is left out of the
     * memory-overlap bookkeeping, so it does not cause follow-up overlap reports.
     */
    public LayoutCheck check(Collection<PlacedInstance> instances) {
        Tally tally = new Tally(profiles.length);
        List<PlacementViolation> violations = null;
        for (PlacedInstance instance : instances) {
            List<PlacementViolation> found = tally.add(instance);
            if (!found.isEmpty()) {
                if (violations == null) {
                    violations = new ArrayList<>();
                }
                violations.addAll(found);
            }
        }
        return violations == null ? LayoutCheck.valid() : new LayoutCheck(violations);
    }

    /**
     * The layout made of {@code instances}.
     *
     * @throws IllegalArgumentException naming every violation when they do not form a valid layout
     */
    public GpuLayout layoutOf(Collection<PlacedInstance> instances) {
        Tally tally = new Tally(profiles.length);
        for (PlacedInstance instance : instances) {
            List<PlacementViolation> found = tally.add(instance);
            if (!found.isEmpty()) {
                throw new IllegalArgumentException("invalid MIG layout on " + model.name() + ": "
                        + check(instances).describe());
            }
        }
        return new GpuLayout(this, List.copyOf(instances), tally.occupied, tally.computeUsed, tally.mediaUsed,
                tally.counts);
    }

    /** Index of {@code profile} among the model's profiles, or -1 when it is not one of them. */
    int indexOf(MigProfile profile) {
        Integer index = indexByName.get(profile.name());
        if (index == null) {
            return -1;
        }
        MigProfile own = profiles[index];
        return own == profile || own.equals(profile) ? index : -1;
    }

    int profileCount() {
        return profiles.length;
    }

    long startMask(int index) {
        return startMasks[index];
    }

    int memorySlices(int index) {
        return memorySlices[index];
    }

    int computeSlices(int index) {
        return computeSlices[index];
    }

    boolean mediaExtensions(int index) {
        return mediaExtensions[index];
    }

    /**
     * The first rule that adding profile {@code index} at {@code start} to a layout in the given state breaks, or
     * {@code null}. Allocation-free; the order matches {@link Reason}.
     */
    Reason firstBrokenRule(int index, int start, long occupied, int[] counts, int mediaUsed, int computeUsed,
            int gpuInstances) {
        if (start < 0 || start >= Placement.MAX_MEMORY_SLICES || (startMasks[index] & (1L << start)) == 0) {
            return Reason.START_NOT_ALLOWED;
        }
        if ((occupied & Placement.mask(start, memorySlices[index])) != 0) {
            return Reason.MEMORY_OVERLAP;
        }
        return firstBrokenBudgetRule(index, counts, mediaUsed, computeUsed, gpuInstances);
    }

    /** The rules that do not depend on the start: instance count, media extensions, compute, GPU instances. */
    Reason firstBrokenBudgetRule(int index, int[] counts, int mediaUsed, int computeUsed, int gpuInstances) {
        if (counts[index] >= maxInstances[index]) {
            return Reason.MAX_INSTANCES;
        }
        if (mediaExtensions[index] && mediaUsed >= MAX_MEDIA_EXTENSION_INSTANCES) {
            return Reason.MEDIA_EXTENSIONS;
        }
        if (computeUsed + computeSlices[index] > model.totalComputeSlices()) {
            return Reason.COMPUTE_BUDGET;
        }
        if (gpuInstances >= model.maxGpuInstances()) {
            return Reason.GPU_INSTANCE_LIMIT;
        }
        return null;
    }

    /** Builds the message for a broken rule; only called off the hot path. */
    PlacementViolation violation(Reason reason, PlacedInstance instance, List<PlacedInstance> existing,
            int computeUsed, int gpuInstances) {
        MigProfile profile = instance.profile();
        String what = instance + " on " + model.name();
        String message = switch (reason) {
            case UNKNOWN_PROFILE -> model.profile(profile.name())
                    .map(own -> what + ": " + profile + " is not this model's " + own)
                    .orElse(what + ": " + model.name() + " has no profile " + profile.name() + "; it has "
                            + model.profileNames());
            case START_NOT_ALLOWED -> what + ": " + profile.name() + " cannot start at memory slice "
                    + instance.start() + "; allowed starts are " + profile.starts();
            case MEMORY_OVERLAP -> what + ": memory slices " + instance.placement() + " overlap "
                    + describeOverlaps(instance, existing);
            case MAX_INSTANCES -> what + ": at most " + profile.maxInstances() + " instance(s) of "
                    + profile.name() + " per GPU, this would be number " + (countOf(profile, existing) + 1);
            case MEDIA_EXTENSIONS -> what + ": at most " + MAX_MEDIA_EXTENSION_INSTANCES
                    + " media-extension (+me) instance per GPU, already have " + mediaInstances(existing);
            case COMPUTE_BUDGET -> what + ": needs " + profile.computeSlices() + " compute slice(s), "
                    + computeUsed + " of " + model.totalComputeSlices() + " already in use";
            case GPU_INSTANCE_LIMIT -> what + ": at most " + model.maxGpuInstances()
                    + " GPU instances per GPU, already have " + gpuInstances;
        };
        return new PlacementViolation(reason, instance, message);
    }

    private static String describeOverlaps(PlacedInstance instance, List<PlacedInstance> existing) {
        Placement placement = instance.placement();
        List<String> hits = new ArrayList<>();
        for (PlacedInstance other : existing) {
            // Instances at a disallowed start were kept out of the occupancy, so they cannot be what overlaps.
            if (other.profile().allowsStart(other.start()) && other.placement().overlaps(placement)) {
                hits.add(other + " " + other.placement());
            }
        }
        return String.join(", ", hits);
    }

    private static int countOf(MigProfile profile, List<PlacedInstance> existing) {
        int count = 0;
        for (PlacedInstance other : existing) {
            if (other.profile().equals(profile)) {
                count++;
            }
        }
        return count;
    }

    private static List<PlacedInstance> mediaInstances(List<PlacedInstance> existing) {
        return existing.stream().filter(i -> i.profile().mediaExtensions()).toList();
    }

    @Override
    public String toString() {
        return "PlacementRules[" + model.name() + "]";
    }

    /** Mutable running totals while a list of instances is checked. */
    private final class Tally {
        final int[] counts;
        final List<PlacedInstance> accepted = new ArrayList<>();
        long occupied;
        int computeUsed;
        int mediaUsed;
        int gpuInstances;

        Tally(int profileCount) {
            counts = new int[profileCount];
        }

        /** Records {@code instance} and returns the rules it breaks given the instances before it. */
        List<PlacementViolation> add(PlacedInstance instance) {
            int index = indexOf(instance.profile());
            if (index < 0) {
                return List.of(violation(Reason.UNKNOWN_PROFILE, instance, accepted, computeUsed, gpuInstances));
            }
            List<PlacementViolation> found = new ArrayList<>(0);
            int start = instance.start();
            boolean startAllowed = start < Placement.MAX_MEMORY_SLICES && (startMasks[index] & (1L << start)) != 0;
            if (!startAllowed) {
                found.add(violation(Reason.START_NOT_ALLOWED, instance, accepted, computeUsed, gpuInstances));
            } else if ((occupied & Placement.mask(start, memorySlices[index])) != 0) {
                found.add(violation(Reason.MEMORY_OVERLAP, instance, accepted, computeUsed, gpuInstances));
            }
            if (counts[index] >= maxInstances[index]) {
                found.add(violation(Reason.MAX_INSTANCES, instance, accepted, computeUsed, gpuInstances));
            }
            if (mediaExtensions[index] && mediaUsed >= MAX_MEDIA_EXTENSION_INSTANCES) {
                found.add(violation(Reason.MEDIA_EXTENSIONS, instance, accepted, computeUsed, gpuInstances));
            }
            if (computeUsed + computeSlices[index] > model.totalComputeSlices()) {
                found.add(violation(Reason.COMPUTE_BUDGET, instance, accepted, computeUsed, gpuInstances));
            }
            if (gpuInstances >= model.maxGpuInstances()) {
                found.add(violation(Reason.GPU_INSTANCE_LIMIT, instance, accepted, computeUsed, gpuInstances));
            }
            if (startAllowed) {
                occupied |= Placement.mask(start, memorySlices[index]);
            }
            counts[index]++;
            computeUsed += computeSlices[index];
            if (mediaExtensions[index]) {
                mediaUsed++;
            }
            gpuInstances++;
            accepted.add(instance);
            return found;
        }
    }
}
