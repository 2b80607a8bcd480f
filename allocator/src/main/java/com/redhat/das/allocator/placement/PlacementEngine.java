package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.api.mig.MigCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Asks the placement policy about every node for a pod, as PreFilter needs it.
 *
 * <p>Between two pods only the node that took the last pod has changed, so verdicts are remembered per node version
 * and demand (profiles and counts; container names do not change where slices fit). A PreFilter over thousands of
 * unchanged nodes is then a map lookup per node.
 */
public final class PlacementEngine {

    /** Above this many rejected nodes the per-GPU detail is dropped, so the scheduler's summary stays readable. */
    static final int DETAILED_REASONS_UP_TO = 20;

    /** What one node says about a demand; the detailed reason is worked out only if someone reads it. */
    private final class Verdict {
        final boolean fits;
        final long score;
        final String shortReason;
        private final NodeState node;
        private final PodDemand demand;
        private volatile String reason;

        Verdict(boolean fits, long score, String shortReason, NodeState node, PodDemand demand) {
            this.fits = fits;
            this.score = score;
            this.shortReason = shortReason;
            this.node = node;
            this.demand = demand;
        }

        String reason() {
            String r = reason;
            if (r == null) {
                r = policy.explain(node, demand);
                reason = r;
            }
            return r;
        }
    }

    /** Receives the verdicts of one evaluation, node by node. */
    public interface Verdicts {
        void feasible(String node, long score);

        void rejected(String node, String reason);
    }

    private final ClusterModel model;
    private final PlacementPolicy policy;
    /** Canonical demand keys, so that a node's cached verdict is found by identity. */
    private final Map<String, String> keys = new ConcurrentHashMap<>();

    public PlacementEngine(ClusterModel model, PlacementPolicy policy) {
        this.model = model;
        this.policy = policy;
    }

    public PlacementPolicy policy() {
        return policy;
    }

    /**
     * Judges every node for the pod and hands each verdict to {@code out} (feasible ones as they come; rejected ones at
     * the end, when it is known how many there are).
     *
     * @return null, or the reason the pod can fit nowhere whatever happens to the cluster's slices (then {@code out}
     *         receives nothing)
     */
    public String evaluate(PodDemand demand, Verdicts out) {
        String problem = unsatisfiable(demand);
        if (problem != null) {
            return problem;
        }
        String key = keys.computeIfAbsent(demand.countsByProfile().toString(), k -> k);
        if (keys.size() > 10_000) {
            keys.clear(); // demand shapes are few in practice; this only bounds memory against odd workloads
        }
        List<String> rejectedNodes = new ArrayList<>();
        List<Verdict> rejected = new ArrayList<>();
        for (NodeState node : model.nodes()) {
            Verdict v = verdict(node, demand, key);
            if (v.fits) {
                out.feasible(node.name(), v.score);
            } else {
                rejectedNodes.add(node.name());
                rejected.add(v);
            }
        }
        boolean detailed = rejected.size() <= DETAILED_REASONS_UP_TO;
        for (int i = 0; i < rejected.size(); i++) {
            out.rejected(rejectedNodes.get(i), detailed ? rejected.get(i).reason() : rejected.get(i).shortReason);
        }
        return null;
    }

    /** Where the pod's slices go on this node now, if they fit. */
    public Optional<List<SlicePlacement>> place(NodeState node, PodDemand demand) {
        return policy.place(node, demand);
    }

    /** Why the pod does not fit on this node now. */
    public String explain(NodeState node, PodDemand demand) {
        return policy.explain(node, demand);
    }

    private Verdict verdict(NodeState node, PodDemand demand, String key) {
        return node.derived(key, k -> judge(node, demand));
    }

    private Verdict judge(NodeState node, PodDemand demand) {
        Optional<List<SlicePlacement>> placement = policy.place(node, demand);
        if (placement.isPresent()) {
            return new Verdict(true, Math.max(0, Math.min(100, policy.score(node, demand, placement.get()))), null, null, null);
        }
        String shortReason = "no room for " + summary(demand) + " on its " + node.gpus().size() + " GPU"
                + (node.gpus().size() == 1 ? "" : "s");
        return new Verdict(false, 0, shortReason, node, demand);
    }

    /** A reason when some profile of the pod is offered by no GPU at all, else null. */
    private String unsatisfiable(PodDemand demand) {
        Set<String> offered = model.offeredProfiles();
        String offeredList = offered.isEmpty() ? "none (no node has published a NodeAccelerator)" : String.join(", ", offered);
        for (String profile : demand.countsByProfile().keySet()) {
            if (offered.contains(profile)) {
                continue;
            }
            boolean known = MigCatalog.bundled().models().stream().anyMatch(m -> m.profile(profile).isPresent());
            return known
                    ? "no GPU in this cluster offers MIG profile '" + profile + "'; profiles offered on this cluster: " + offeredList
                    : "unknown MIG profile '" + profile + "'; profiles offered on this cluster: " + offeredList;
        }
        return null;
    }

    static String summary(PodDemand demand) {
        return demand.countsByProfile().entrySet().stream()
                .map(e -> e.getValue() == 1 ? e.getKey() : e.getValue() + "×" + e.getKey())
                .collect(Collectors.joining(" + "));
    }
}
