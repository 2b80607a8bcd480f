package com.redhat.das.allocator.placement;

import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.mig.PlacementRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One GPU model's placement rules as flat arrays, plus the <em>capacity value</em> of a GPU state: how many instances
 * of each profile could still be added (each profile on its own), packed into one {@code long} so that comparing two
 * values compares capacities lexicographically, largest profile first.
 *
 * <p>Profiles of the same shape (compute and memory slices) share a <em>size class</em>; each class is one digit of
 * the value, the largest class the most significant. Adding an instance never raises any digit, so
 * {@code before - after} is the digit-wise loss and never borrows. Media-extension ({@code +me}) profiles are left
 * out of the value: a GPU has one, so counting them would make two half-used GPUs look better than a full and an
 * empty one.
 *
 * <p>On every catalog model only the occupied memory slices and whether the media engines are taken decide the
 * capacity (the other budgets cannot bind before memory runs out), so the value is a table lookup. Models for which
 * that does not hold (possible for NVML-reported models) are computed directly; the result is the same.
 */
final class ModelTable {

    /** Memory-slice counts up to this get a lookup table ({@code 2^n} entries per media state). */
    private static final int MAX_TABLE_MEMORY_SLICES = 12;
    /** Size classes beyond this share the least significant digit (no real model comes close). */
    private static final int MAX_CLASSES = 10;
    private static final int MEDIA_LIMIT = PlacementRules.MAX_MEDIA_EXTENSION_INSTANCES;

    private static final Map<PlacementRules, ModelTable> BY_RULES = new ConcurrentHashMap<>();
    private static final Map<GpuModel, ModelTable> BY_MODEL = new ConcurrentHashMap<>();

    final GpuModel model;
    final int profileCount;
    final String[] names;
    final long[] startMask;
    final int[] memorySlices;
    final int[] computeSlices;
    final int[] maxInstances;
    final boolean[] media;
    final boolean hasMedia;
    /** Size class of each profile: its digit in the capacity value, 0 = smallest. */
    final int[] classOf;
    final int classCount;
    final int digitBits;
    final long digitMax;
    final int totalMemorySlices;
    final int totalComputeSlices;
    final int maxGpuInstances;
    /** True when the lookup tables give possible starts, capacities and the capacity value exactly. */
    final boolean exact;
    /** Capacity value by occupied-memory mask. */
    private final long[] valueByOccupancy;
    /** Starts of each profile whose memory slices are free, by occupied-memory mask: [profile][mask]. */
    private final long[][] freeStartsByOccupancy;
    /** {@link #capacity} of each profile with the media engines free, by occupied-memory mask: [profile][mask]. */
    private final byte[][] capacityByOccupancy;

    private ModelTable(GpuModel model) {
        this.model = model;
        List<MigProfile> profiles = model.profiles();
        profileCount = profiles.size();
        names = new String[profileCount];
        startMask = new long[profileCount];
        memorySlices = new int[profileCount];
        computeSlices = new int[profileCount];
        maxInstances = new int[profileCount];
        media = new boolean[profileCount];
        boolean anyMedia = false;
        for (int q = 0; q < profileCount; q++) {
            MigProfile p = profiles.get(q);
            names[q] = p.name();
            startMask[q] = p.startMask();
            memorySlices[q] = p.memorySlices();
            computeSlices[q] = p.computeSlices();
            maxInstances[q] = p.maxInstances();
            media[q] = p.mediaExtensions();
            anyMedia |= p.mediaExtensions();
        }
        hasMedia = anyMedia;
        totalMemorySlices = model.totalMemorySlices();
        totalComputeSlices = model.totalComputeSlices();
        maxGpuInstances = model.maxGpuInstances();

        // Size classes: distinct (compute, memory) shapes, ascending.
        List<Long> shapes = new ArrayList<>();
        for (int q = 0; q < profileCount; q++) {
            long shape = shapeOf(q);
            if (!shapes.contains(shape)) {
                shapes.add(shape);
            }
        }
        shapes.sort(null);
        int distinct = shapes.size();
        classCount = Math.max(1, Math.min(distinct, MAX_CLASSES));
        classOf = new int[profileCount];
        for (int q = 0; q < profileCount; q++) {
            classOf[q] = Math.max(0, shapes.indexOf(shapeOf(q)) - (distinct - classCount));
        }
        digitBits = Math.min(9, 63 / classCount);
        digitMax = (1L << digitBits) - 1;

        exact = occupancyDecidesCapacity();
        if (exact) {
            int size = 1 << totalMemorySlices;
            valueByOccupancy = new long[size];
            freeStartsByOccupancy = new long[profileCount][size];
            capacityByOccupancy = new byte[profileCount][size];
            for (int occ = 0; occ < size; occ++) {
                valueByOccupancy[occ] = computeValue(occ, 0, 0, null);
                for (int q = 0; q < profileCount; q++) {
                    freeStartsByOccupancy[q][occ] = freeStarts(q, occ);
                    capacityByOccupancy[q][occ] = (byte) computeCapacity(q, occ, 0, 0, 0, 0);
                }
            }
        } else {
            valueByOccupancy = null;
            freeStartsByOccupancy = null;
            capacityByOccupancy = null;
        }
    }

    /** The table of a GPU's rules. Equal models share one table, however many rules objects describe them. */
    static ModelTable of(PlacementRules rules) {
        ModelTable table = BY_RULES.get(rules);
        if (table == null) {
            // Derived data only: dropping it costs a rebuild, so a crude bound keeps odd callers from growing it.
            if (BY_RULES.size() > 4096) {
                BY_RULES.clear();
            }
            if (BY_MODEL.size() > 256) {
                BY_MODEL.clear();
            }
            table = BY_MODEL.computeIfAbsent(rules.model(), ModelTable::new);
            BY_RULES.put(rules, table);
        }
        return table;
    }

    static ModelTable of(GpuLayout layout) {
        return of(layout.rules());
    }

    /** Index of the profile of that name, or -1. */
    int indexOf(String profileName) {
        for (int q = 0; q < profileCount; q++) {
            if (names[q].equals(profileName)) {
                return q;
            }
        }
        return -1;
    }

    static long window(int start, int size) {
        return ((1L << size) - 1) << start;
    }

    /** Media-extension instances in the layout. */
    int mediaUsed(GpuLayout layout) {
        if (!hasMedia) {
            return 0;
        }
        List<PlacedInstance> instances = layout.instances();
        int used = 0;
        for (int i = 0, n = instances.size(); i < n; i++) {
            if (instances.get(i).profile().mediaExtensions()) {
                used++;
            }
        }
        return used;
    }

    /** Instances per profile of the layout, in this table's profile order. */
    int[] countsOf(GpuLayout layout) {
        int[] counts = new int[profileCount];
        for (PlacedInstance instance : layout.instances()) {
            int q = indexOf(instance.profile().name());
            if (q >= 0) {
                counts[q]++;
            }
        }
        return counts;
    }

    /**
     * The starts at which profile {@code q} can be added to the described state: the rules of GpuLayout. When
     * {@link #exact}, the instance, compute and GPU-instance budgets cannot bind before memory does, so the occupied
     * slices and the media state decide alone.
     */
    long possibleStarts(int q, long occupied, int computeUsed, int instances, int mediaUsed, int count) {
        if (media[q] && mediaUsed >= MEDIA_LIMIT) {
            return 0L;
        }
        if (exact) {
            return freeStartsByOccupancy[q][(int) occupied];
        }
        if (count >= maxInstances[q] || computeUsed + computeSlices[q] > totalComputeSlices
                || instances >= maxGpuInstances) {
            return 0L;
        }
        return freeStarts(q, occupied);
    }

    /** Like {@link #possibleStarts} for an {@link #exact} table, which needs no counts. */
    long possibleStarts(int q, long occupied, int mediaUsed) {
        return media[q] && mediaUsed >= MEDIA_LIMIT ? 0L : freeStartsByOccupancy[q][(int) occupied];
    }

    /** Allowed starts of {@code q} whose memory slices are free. */
    private long freeStarts(int q, long occupied) {
        int size = memorySlices[q];
        long result = 0L;
        for (long m = startMask[q]; m != 0; m &= m - 1) {
            int start = Long.numberOfTrailingZeros(m);
            if ((occupied & window(start, size)) == 0) {
                result |= 1L << start;
            }
        }
        return result;
    }

    /**
     * The capacity value of a GPU state. {@code counts} may be null when {@link #exact} (it is not consulted then).
     * The media engines do not count (see the class comment), so their state is not needed.
     */
    long value(long occupied, int computeUsed, int instances, int[] counts) {
        if (exact) {
            return valueByOccupancy[(int) occupied];
        }
        return computeValue(occupied, computeUsed, instances, counts);
    }

    /** The capacity value by occupied-memory mask; only when {@link #exact}. */
    long[] values() {
        return valueByOccupancy;
    }

    /**
     * How many more instances of profile {@code q} alone fit: disjoint free windows, capped by every budget.
     * {@code count} (instances of {@code q}) is not consulted when {@link #exact}.
     */
    int capacity(int q, long occupied, int computeUsed, int instances, int mediaUsed, int count) {
        if (capacityByOccupancy != null) {
            return media[q] && mediaUsed >= MEDIA_LIMIT ? 0 : capacityByOccupancy[q][(int) occupied];
        }
        return computeCapacity(q, occupied, computeUsed, instances, mediaUsed, count);
    }

    private int computeCapacity(int q, long occupied, int computeUsed, int instances, int mediaUsed, int count) {
        int cap = Math.min(maxInstances[q] - count, maxGpuInstances - instances);
        cap = Math.min(cap, (totalComputeSlices - computeUsed) / computeSlices[q]);
        if (media[q]) {
            cap = Math.min(cap, MEDIA_LIMIT - mediaUsed);
        }
        if (cap <= 0) {
            return 0;
        }
        // Windows of one size sorted by start: taking the earliest free one is optimal (interval scheduling).
        int size = memorySlices[q];
        long taken = occupied;
        int free = 0;
        for (long m = startMask[q]; m != 0 && free < cap; m &= m - 1) {
            long w = window(Long.numberOfTrailingZeros(m), size);
            if ((taken & w) == 0) {
                taken |= w;
                free++;
            }
        }
        return free;
    }

    private long computeValue(long occupied, int computeUsed, int instances, int[] counts) {
        long value = 0;
        for (int q = 0; q < profileCount; q++) {
            if (media[q]) {
                continue; // one per GPU: counting it would reward spreading slices over GPUs
            }
            int cap = computeCapacity(q, occupied, computeUsed, instances, 0, counts == null ? 0 : counts[q]);
            if (cap > 0) {
                int shift = classOf[q] * digitBits;
                long digit = (value >>> shift) & digitMax;
                long raised = Math.min(digitMax, digit + cap);
                value += (raised - digit) << shift;
            }
        }
        return value;
    }

    /** Digit {@code sizeClass} of a value (or of a loss). */
    long digit(long value, int sizeClass) {
        return (value >>> (sizeClass * digitBits)) & digitMax;
    }

    /** The largest size class with a non-zero digit, or -1 for 0. */
    int topClass(long value) {
        return value == 0 ? -1 : (63 - Long.numberOfLeadingZeros(value)) / digitBits;
    }

    private long shapeOf(int q) {
        return (long) computeSlices[q] << 32 | memorySlices[q];
    }

    /**
     * Whether the occupied memory slices and the media state alone decide every profile's capacity: true when no
     * set of instances that fits in memory can exceed the compute budget, the GPU-instance limit or a profile's
     * instance limit (media-extension profiles are covered by the media state).
     */
    private boolean occupancyDecidesCapacity() {
        if (totalMemorySlices > MAX_TABLE_MEMORY_SLICES || MEDIA_LIMIT != 1) {
            return false;
        }
        // Most compute and most instances that memory-disjoint instances at allowed starts can reach.
        int[] mostCompute = new int[totalMemorySlices + 2];
        int[] mostInstances = new int[totalMemorySlices + 2];
        for (int pos = totalMemorySlices - 1; pos >= 0; pos--) {
            mostCompute[pos] = mostCompute[pos + 1];
            mostInstances[pos] = mostInstances[pos + 1];
            for (int q = 0; q < profileCount; q++) {
                int end = pos + memorySlices[q];
                if ((startMask[q] & (1L << pos)) != 0 && end <= totalMemorySlices) {
                    mostCompute[pos] = Math.max(mostCompute[pos], computeSlices[q] + mostCompute[end]);
                    mostInstances[pos] = Math.max(mostInstances[pos], 1 + mostInstances[end]);
                }
            }
        }
        if (mostCompute[0] > totalComputeSlices || mostInstances[0] > maxGpuInstances) {
            return false;
        }
        for (int q = 0; q < profileCount; q++) {
            // Instances of q plus the free windows of q never exceed the disjoint windows of an empty GPU.
            int disjoint = 0;
            long taken = 0;
            for (long m = startMask[q]; m != 0; m &= m - 1) {
                long w = window(Long.numberOfTrailingZeros(m), memorySlices[q]);
                if ((taken & w) == 0) {
                    taken |= w;
                    disjoint++;
                }
            }
            if (!media[q] && disjoint > maxInstances[q]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "ModelTable[" + model.name() + ", classes " + classCount + ", exact " + exact + ", "
                + Arrays.toString(names) + "]";
    }
}
