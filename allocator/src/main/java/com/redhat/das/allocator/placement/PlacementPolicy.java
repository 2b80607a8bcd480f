package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import java.util.List;
import java.util.Optional;

/**
 * Decides where a pod's slices go on one node, how good that node is, and why a node cannot take the pod.
 *
 * <p>Implementations are stateless and deterministic: the same node state and demand always give the same answer
 * (the allocator caches answers per node version). They must be cheap: PreFilter asks them about every node.
 */
public interface PlacementPolicy {

    /** The name used in configuration ({@code placementPolicy}). */
    String name();

    /**
     * A placement of every slice of {@code demand} on {@code node}: all of them or none. The placements must be valid
     * together: each at an allowed start, no memory overlap with each other or with the node's slices, and within
     * each GPU's instance and compute budgets.
     */
    Optional<List<SlicePlacement>> place(NodeState node, PodDemand demand);

    /**
     * How good {@code node} is for the pod, from 0 (worst) to 100 (best), given the placement {@link #place} chose.
     */
    long score(NodeState node, PodDemand demand, List<SlicePlacement> placement);

    /**
     * Why the pod does not fit on {@code node}, in words a cluster administrator can act on, e.g.
     * {@code "GPU-3f2a…: no free 3g.20gb placement, slots 0-3 in use"}. Called only when {@link #place} found nothing.
     */
    String explain(NodeState node, PodDemand demand);
}
