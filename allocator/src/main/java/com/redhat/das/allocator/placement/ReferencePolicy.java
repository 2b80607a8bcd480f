package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.MigProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the reference DAS (openshift/instaslice-operator) does, kept for comparison (name {@value #NAME}).
 *
 * <p>Placement: each slice on its own, in container and slice order; for each, the GPUs in node order and the first
 * GPU with a free placement wins, at the first free start in the profile's published start order (ascending). A
 * pod's later slices see its earlier ones, and the pod gets all its slices or none. Unlike the reference, a start
 * counts as free only when every placement rule allows it (instance limits, one {@code +me} per GPU, compute budget),
 * not merely when its memory slices are unused, so results are always valid. (The reference also skips a GPU that
 * holds another pod's provisional claim; reservations here are firm, so there is nothing to skip.)
 *
 * <p>Score: {@code floor(free × 100 / total)} over the node's memory slices after the placement, which spreads pods
 * over the least used nodes. The reference counts 8 slots per GPU whatever the model; this uses each GPU's real
 * memory-slice count (4 on A30), which gives the same score on 8-slot models.
 */
public final class ReferencePolicy implements PlacementPolicy {

    public static final String NAME = "reference";

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
        List<GpuState> gpus = node.gpus();
        if (slices.size() == 1) {
            return placeSingle(gpus, slices.getFirst());
        }
        GpuLayout[] layouts = new GpuLayout[gpus.size()];
        for (int g = 0; g < layouts.length; g++) {
            layouts[g] = gpus.get(g).layout();
        }
        List<SlicePlacement> placements = new ArrayList<>(slices.size());
        for (SliceDemand slice : slices) {
            SlicePlacement placed = firstFit(gpus, layouts, slice);
            if (placed == null) {
                return Optional.empty();
            }
            placements.add(placed);
        }
        return Optional.of(List.copyOf(placements));
    }

    /** {@link #firstFit} for a single slice, without copying layouts. */
    private static Optional<List<SlicePlacement>> placeSingle(List<GpuState> gpus, SliceDemand slice) {
        for (int g = 0, n = gpus.size(); g < n; g++) {
            GpuLayout layout = gpus.get(g).layout();
            int q = ModelTable.of(layout).indexOf(slice.profile());
            if (q < 0) {
                continue;
            }
            MigProfile profile = layout.model().profiles().get(q);
            long starts = layout.possibleStarts(profile);
            if (starts != 0) {
                return Optional.of(List.of(new SlicePlacement(slice, gpus.get(g).uuid(), profile,
                        Long.numberOfTrailingZeros(starts))));
            }
        }
        return Optional.empty();
    }

    /** Places {@code slice} on the first GPU with room, updating {@code layouts}; null when none has room. */
    private static SlicePlacement firstFit(List<GpuState> gpus, GpuLayout[] layouts, SliceDemand slice) {
        for (int g = 0; g < layouts.length; g++) {
            Optional<MigProfile> profile = layouts[g].model().profile(slice.profile());
            if (profile.isEmpty()) {
                continue;
            }
            long starts = layouts[g].possibleStarts(profile.get());
            if (starts != 0) {
                int start = Long.numberOfTrailingZeros(starts);
                layouts[g] = layouts[g].with(profile.get(), start);
                return new SlicePlacement(slice, gpus.get(g).uuid(), profile.get(), start);
            }
        }
        return null;
    }

    @Override
    public long score(NodeState node, PodDemand demand, List<SlicePlacement> placement) {
        long total = 0;
        long free = 0;
        for (GpuState gpu : node.gpus()) {
            total += gpu.model().totalMemorySlices();
            free += gpu.layout().freeMemorySlices();
        }
        for (SlicePlacement p : placement) {
            free -= p.profile().memorySlices();
        }
        return total == 0 ? 0 : Math.max(0, free) * 100 / total;
    }

    @Override
    public String explain(NodeState node, PodDemand demand) {
        List<GpuState> gpus = node.gpus();
        GpuLayout[] layouts = new GpuLayout[gpus.size()];
        for (int g = 0; g < layouts.length; g++) {
            layouts[g] = gpus.get(g).layout();
        }
        SliceDemand failed = null;
        for (SliceDemand slice : demand.slices()) {
            if (firstFit(gpus, layouts, slice) == null) {
                failed = slice;
                break;
            }
        }
        return PlacementExplainer.explain(node, demand, failed);
    }

    @Override
    public String toString() {
        return NAME;
    }
}
