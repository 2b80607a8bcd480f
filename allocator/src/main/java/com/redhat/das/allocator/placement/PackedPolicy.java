package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacementRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * DAS's own policy (name {@value #NAME}, the default): pack slices tightly so that large profiles stay placeable.
 *
 * <p>Why: MIG capacity is not a number of free slices. A {@code 1g} at memory slice 0 leaves six slices free yet
 * makes {@code 4g} and {@code 7g} impossible on that GPU; a {@code 3g} at 0 instead of 4 does the same to {@code 4g}.
 * Small pods are easy to place anywhere later, big ones are not, so every choice is judged by what it costs the big
 * ones.
 *
 * <ul>
 *   <li><b>What a choice costs.</b> A GPU's <em>capacity</em> is, per profile shape, how many instances could still be
 *       added. A placement costs the capacity it removes, compared largest shape first: losing a {@code 7g} spot is
 *       worse than losing any number of {@code 2g} spots. This alone fills used GPUs before empty ones (an empty GPU
 *       loses its {@code 7g} spot), puts a {@code 1g} high up (slots 6, 5, 4 keep {@code 4g} at 0), and a {@code 3g} at
 *       4. Among equally cheap choices the fuller GPU wins (best fit), then the lower GPU index, then the higher start
 *       (filling from the top keeps slots 0-3 together for a later {@code 4g}).</li>
 *   <li><b>Pods with several slices</b> are placed jointly, all or none: the total cost over every slice is minimised
 *       by a bounded search (see {@link JointSearch}), so a pod's slices do not block each other through an unlucky
 *       order, and a pod only fails when no arrangement exists.</li>
 *   <li><b>Node score</b> (0..100): half of it is how used the node's compute is after the placement, so pods
 *       gather on busy nodes and whole nodes stay free; the other half is lost when the placement destroys capacity
 *       for profiles larger than the pod's own, and more when it removes the node's last spot of that size. An
 *       all-empty node therefore scores below a used node that takes the pod without losing its last large spot.</li>
 * </ul>
 *
 * <p>Single-slice pods, the common case, take a direct path: one pass over the GPUs with precomputed capacity tables
 * and no allocation besides the result.
 */
public final class PackedPolicy implements PlacementPolicy {

    public static final String NAME = "packed";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Optional<List<SlicePlacement>> place(NodeState node, PodDemand demand) {
        List<SliceDemand> slices = demand.slices();
        if (slices.isEmpty()) {
            return Optional.of(List.of());
        }
        if (slices.size() == 1) {
            return placeSingle(node, slices.getFirst());
        }
        return placeJointly(node, slices);
    }

    /** Best (GPU, start) for one slice; the same choice {@link #placeJointly} makes for it, without the search. */
    private static Optional<List<SlicePlacement>> placeSingle(NodeState node, SliceDemand slice) {
        List<GpuState> gpus = node.gpus();
        String name = slice.profile();
        PlacementRules lastRules = null;
        ModelTable table = null;
        int q = -1;
        long bestLoss = Long.MAX_VALUE;
        int bestFree = Integer.MAX_VALUE;
        int bestGpu = -1;
        int bestStart = -1;
        for (int g = 0, n = gpus.size(); g < n; g++) {
            GpuLayout layout = gpus.get(g).layout();
            PlacementRules rules = layout.rules();
            if (rules != lastRules) {
                lastRules = rules;
                table = ModelTable.of(rules);
                q = table.indexOf(name);
            }
            if (q < 0) {
                continue;
            }
            long occupied = layout.occupiedMemorySlices();
            int free = table.totalComputeSlices - layout.usedComputeSlices();
            int size = table.memorySlices[q];
            if (table.exact) {
                // Only the occupied slices (and for +me the media engines) matter here: no counts, no map lookups.
                long starts = table.possibleStarts(q, occupied, table.media[q] ? table.mediaUsed(layout) : 0);
                if (starts == 0) {
                    continue;
                }
                long[] values = table.values();
                long before = values[(int) occupied];
                for (long m = starts; m != 0; m &= ~Long.highestOneBit(m)) {
                    int start = 63 - Long.numberOfLeadingZeros(m);
                    long loss = before - values[(int) (occupied | ModelTable.window(start, size))];
                    if (loss < bestLoss || (loss == bestLoss && free < bestFree)) {
                        bestLoss = loss;
                        bestFree = free;
                        bestGpu = g;
                        bestStart = start;
                    }
                }
            } else {
                long starts = layout.possibleStarts(layout.model().profiles().get(q));
                if (starts == 0) {
                    continue;
                }
                int[] counts = table.countsOf(layout);
                int computeUsed = layout.usedComputeSlices();
                int instances = layout.gpuInstanceCount();
                long before = table.value(occupied, computeUsed, instances, counts);
                counts[q]++;
                for (long m = starts; m != 0; m &= ~Long.highestOneBit(m)) {
                    int start = 63 - Long.numberOfLeadingZeros(m);
                    long loss = before - table.value(occupied | ModelTable.window(start, size),
                            computeUsed + table.computeSlices[q], instances + 1, counts);
                    if (loss < bestLoss || (loss == bestLoss && free < bestFree)) {
                        bestLoss = loss;
                        bestFree = free;
                        bestGpu = g;
                        bestStart = start;
                    }
                }
            }
        }
        if (bestGpu < 0) {
            return Optional.empty();
        }
        GpuState gpu = gpus.get(bestGpu);
        MigProfile profile = gpu.model().profiles().get(ModelTable.of(gpu.layout()).indexOf(name));
        return Optional.of(List.of(new SlicePlacement(slice, gpu.uuid(), profile, bestStart)));
    }

    /** All slices together, via the bounded search. Package-private so tests can compare it with the direct path. */
    static Optional<List<SlicePlacement>> placeJointly(NodeState node, List<SliceDemand> slices) {
        List<String> profiles = new ArrayList<>(slices.size());
        for (SliceDemand s : slices) {
            profiles.add(s.profile());
        }
        JointSearch.Found found = JointSearch.search(node.gpus(), profiles, true);
        if (found == null) {
            return Optional.empty();
        }
        List<SlicePlacement> placements = new ArrayList<>(slices.size());
        for (int i = 0; i < slices.size(); i++) {
            GpuState gpu = node.gpus().get(found.gpu()[i]);
            placements.add(new SlicePlacement(slices.get(i), gpu.uuid(), gpu.model().profiles().get(found.profile()[i]),
                    found.start()[i]));
        }
        return Optional.of(List.copyOf(placements));
    }

    @Override
    public long score(NodeState node, PodDemand demand, List<SlicePlacement> placement) {
        List<GpuState> gpus = node.gpus();
        long used = 0;
        long total = 0;
        double damage = 0;
        PlacementRules lastRules = null;
        ModelTable table = null;
        for (int g = 0, n = gpus.size(); g < n; g++) {
            GpuState gpu = gpus.get(g);
            GpuLayout layout = gpu.layout();
            if (layout.rules() != lastRules) {
                lastRules = layout.rules();
                table = ModelTable.of(lastRules);
            }
            total += table.totalComputeSlices;
            used += layout.usedComputeSlices();
            int largestPlaced = -1;
            for (int i = 0, k = placement.size(); i < k; i++) {
                SlicePlacement p = placement.get(i);
                if (p.gpuUuid().equals(gpu.uuid())) {
                    used += p.profile().computeSlices();
                    int q = table.indexOf(p.profile().name());
                    largestPlaced = Math.max(largestPlaced, q < 0 ? 0 : table.classOf[q]);
                }
            }
            if (largestPlaced < 0) {
                continue;
            }
            // Capacity lost in size classes above the pod's own is what the placement destroys for others.
            long lost = valueBefore(table, layout) - valueAfter(table, layout, gpu.uuid(), placement);
            int lostClass = table.topClass(lost);
            int aboveDemand = table.classCount - 1 - largestPlaced;
            if (lostClass > largestPlaced && aboveDemand > 0) {
                double excess = (double) (lostClass - largestPlaced) / aboveDemand;
                if (lastSpotOfClass(node, table, lostClass, placement)) {
                    excess += 0.25;
                }
                damage = Math.max(damage, Math.min(1.0, excess));
            }
        }
        if (total == 0) {
            return 0;
        }
        double fill = Math.min(1.0, (double) used / total);
        return Math.max(0, Math.min(100, Math.round(50 * fill + 50 * (1 - damage))));
    }

    /** Whether, after the placement, no GPU of this model on the node has room for size class {@code sizeClass}. */
    private static boolean lastSpotOfClass(NodeState node, ModelTable table, int sizeClass,
                                           List<SlicePlacement> placement) {
        for (GpuState gpu : node.gpus()) {
            GpuLayout layout = gpu.layout();
            if (ModelTable.of(layout) == table
                    && table.digit(valueAfter(table, layout, gpu.uuid(), placement), sizeClass) > 0) {
                return false;
            }
        }
        return true;
    }

    private static long valueBefore(ModelTable table, GpuLayout layout) {
        return table.value(layout.occupiedMemorySlices(), layout.usedComputeSlices(), layout.gpuInstanceCount(),
                table.exact ? null : table.countsOf(layout));
    }

    /** Capacity value of the GPU with the placement's slices on it added. */
    private static long valueAfter(ModelTable table, GpuLayout layout, String uuid, List<SlicePlacement> placement) {
        long occupied = layout.occupiedMemorySlices();
        int computeUsed = layout.usedComputeSlices();
        int instances = layout.gpuInstanceCount();
        int[] counts = table.exact ? null : table.countsOf(layout);
        for (int i = 0, k = placement.size(); i < k; i++) {
            SlicePlacement p = placement.get(i);
            if (!p.gpuUuid().equals(uuid)) {
                continue;
            }
            MigProfile profile = p.profile();
            occupied |= ModelTable.window(p.start(), profile.memorySlices());
            computeUsed += profile.computeSlices();
            instances++;
            if (counts != null) {
                int q = table.indexOf(profile.name());
                if (q >= 0) {
                    counts[q]++;
                }
            }
        }
        return table.value(occupied, computeUsed, instances, counts);
    }

    @Override
    public String explain(NodeState node, PodDemand demand) {
        return PlacementExplainer.explain(node, demand, null);
    }

    @Override
    public String toString() {
        return NAME;
    }
}
