package com.redhat.das.benchmarks.simulation;

import com.redhat.das.allocator.claims.ClaimNames;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.Slice;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.allocator.placement.PlacementEngine;
import com.redhat.das.allocator.placement.PlacementPolicy;
import com.redhat.das.allocator.placement.SlicePlacement;
import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.api.v1alpha1.PodReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The allocator's own code under a policy ({@code packed}, {@code reference}): a {@link ClusterModel} fed with
 * NodeAccelerators built from the catalog, and for every request the scheduling cycle the allocator serves:
 * PreFilter ({@link PlacementEngine#evaluate}) over every node, the best-scored node, Reserve
 * ({@link PlacementEngine#place} and {@link ClusterModel#reserve}), PreBind ({@link ClusterModel#markBound}), the claim
 * informer's echo ({@link ClusterModel#upsertClaim}) and, when the pod ends, the claim's deletion
 * ({@link ClusterModel#removeClaim}). Nothing is re-implemented, so the simulator measures what the allocator does.
 *
 * <p>Node choice follows kube-scheduler: the highest score wins and ties are broken at random (seeded here). Only
 * DAS's score counts; the scheduler's other plugins would see identical nodes. The model's clock is fixed:
 * reservations are bound in the same instant they are made, so they never reach their expiry.
 */
final class EngineCluster implements SimulatedCluster {

    private static final String NAMESPACE = "simulation";
    private static final String CONTAINER = "main";
    private static final Duration NEVER = Duration.ofDays(365_000);

    private final ClusterModel model;
    private final PlacementEngine engine;
    private final SplittableRandom tieBreak;
    private final Map<Integer, List<String>> claimsOfRequest = new HashMap<>();
    private long created;

    EngineCluster(ClusterSpec spec, PlacementPolicy policy, long seed) {
        model = new ClusterModel(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), NEVER, NEVER);
        for (int n = 0; n < spec.nodes(); n++) {
            String node = nodeName(n);
            List<GpuInventory> gpus = new ArrayList<>();
            for (int g = 0; g < spec.gpusPerNode(); g++) {
                gpus.add(GpuInventory.of(spec.model(), "GPU-" + node + "-" + g, g, spec.model().name(), 0));
            }
            NodeAccelerator accelerator = new NodeAccelerator();
            accelerator.setMetadata(new ObjectMetaBuilder().withName(node).build());
            accelerator.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true, gpus));
            model.upsertNodeAccelerator(accelerator);
        }
        engine = new PlacementEngine(model, policy);
        tieBreak = new SplittableRandom(seed);
    }

    /** Zero-padded, so that sorting by name is sorting by index. */
    private static String nodeName(int n) {
        return String.format("node-%04d", n);
    }

    @Override
    public String policy() {
        return engine.policy().name();
    }

    @Override
    public boolean admits(String profile) {
        return model.offeredProfiles().contains(profile);
    }

    @Override
    public boolean place(Request request) {
        String uid = uidOf(request);
        PodDemand demand = new PodDemand(NAMESPACE, uid, uid, List.of(new SliceDemand(CONTAINER, request.profile(), 0)));
        List<String> best = new ArrayList<>();
        long[] bestScore = {Long.MIN_VALUE};
        String rejection = engine.evaluate(demand, new PlacementEngine.Verdicts() {
            @Override
            public void feasible(String node, long score) {
                if (score > bestScore[0]) {
                    bestScore[0] = score;
                    best.clear();
                }
                if (score == bestScore[0]) {
                    best.add(node);
                }
            }

            @Override
            public void rejected(String node, String reason) {
                // The scheduler would report these; a placement decision does not need them.
            }
        });
        if (rejection != null || best.isEmpty()) {
            return false;
        }
        // The model's node order is a hash order; sort so that the seeded tie-break is reproducible.
        best.sort(Comparator.naturalOrder());
        String nodeName = best.get(tieBreak.nextInt(best.size()));
        NodeState node = model.node(nodeName).orElseThrow();
        List<SlicePlacement> placement = engine.place(node, demand).orElseThrow(() -> new IllegalStateException(
                "PreFilter found room for " + request + " on " + nodeName + " but Reserve did not"));
        List<ClusterModel.ReservedSlice> reserved = placement.stream().map(p -> new ClusterModel.ReservedSlice(p.gpuUuid(),
                new Slice(ClaimNames.of(uid, p.demand()), uid, demand.displayName(), CONTAINER,
                        new PlacedInstance(p.profile(), p.start()), true))).toList();
        model.reserve(uid, demand.displayName(), nodeName, node.version(), reserved).orElseThrow(() ->
                new IllegalStateException("node " + nodeName + " changed between PreFilter and Reserve in a simulation"));
        model.markBound(uid);
        List<String> claims = new ArrayList<>(placement.size());
        for (SlicePlacement p : placement) {
            String claimName = ClaimNames.of(uid, p.demand());
            model.upsertClaim(claim(claimName, uid, nodeName, p));
            claims.add(claimName);
        }
        claimsOfRequest.put(request.id(), claims);
        created += placement.size();
        return true;
    }

    private static String uidOf(Request request) {
        return "req-" + request.id();
    }

    private static AllocationClaim claim(String name, String uid, String node, SlicePlacement p) {
        AllocationClaim claim = new AllocationClaim();
        claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("das-operator").build());
        claim.setSpec(new AllocationClaimSpec(p.profile().name(), PodReference.pod(NAMESPACE, uid, uid), CONTAINER,
                p.gpuUuid(), node, new MigPlacement(p.start(), p.profile().memorySlices())));
        return claim;
    }

    @Override
    public void release(Request request) {
        List<String> claims = claimsOfRequest.remove(request.id());
        if (claims == null) {
            throw new IllegalStateException(request + " holds no slice");
        }
        claims.forEach(model::removeClaim);
    }

    @Override
    public long slicesCreated() {
        return created;
    }

    @Override
    public int usedComputeSlices() {
        int used = 0;
        for (NodeState node : model.nodes()) {
            used += node.usedComputeSlices();
        }
        return used;
    }

    @Override
    public int usedMemorySlices() {
        int used = 0;
        for (NodeState node : model.nodes()) {
            for (GpuState gpu : node.gpus()) {
                used += gpu.model().totalMemorySlices() - gpu.layout().freeMemorySlices();
            }
        }
        return used;
    }

    @Override
    public int freeMemorySlicesUnableToHost(String profile) {
        int free = 0;
        for (NodeState node : model.nodes()) {
            for (GpuState gpu : node.gpus()) {
                GpuLayout layout = gpu.layout();
                boolean hosts = layout.model().profile(profile).map(p -> layout.possibleStarts(p) != 0).orElse(false);
                if (!hosts) {
                    free += layout.freeMemorySlices();
                }
            }
        }
        return free;
    }

    /** The allocator's model, for tests that compare it with what the simulator reports. */
    ClusterModel model() {
        return model;
    }
}
