package com.redhat.das.allocator.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A DAS-managed node: its GPUs and their slices. Immutable; {@code version} grows with every change, so results
 * computed for one version can be cached and reused until the node changes.
 *
 * @param name    node name
 * @param gpus    GPUs in device-index order
 * @param version change counter, unique across the model
 */
public record NodeState(String name, List<GpuState> gpus, long version) {

    public NodeState {
        Objects.requireNonNull(name, "name");
        gpus = List.copyOf(gpus);
    }

    public Optional<GpuState> gpu(String uuid) {
        return gpus.stream().filter(g -> g.uuid().equals(uuid)).findFirst();
    }

    /** Compute slices in use over all GPUs. */
    public int usedComputeSlices() {
        int used = 0;
        for (GpuState g : gpus) {
            used += g.layout().usedComputeSlices();
        }
        return used;
    }

    public int totalComputeSlices() {
        int total = 0;
        for (GpuState g : gpus) {
            total += g.model().totalComputeSlices();
        }
        return total;
    }
}
