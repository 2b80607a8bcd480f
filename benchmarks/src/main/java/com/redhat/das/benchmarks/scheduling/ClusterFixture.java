package com.redhat.das.benchmarks.scheduling;

import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.allocator.placement.PlacementPolicy;
import com.redhat.das.allocator.placement.SlicePlacement;
import com.redhat.das.api.mig.GpuModel;
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
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A cluster of {@code nodes} × {@code gpusPerNode} GPUs whose slices were placed one pod at a time by the policy
 * under test until about {@code targetUse} of the compute slices were taken: the occupancy a long-running cluster
 * has, with the fragmentation that policy leaves. Seeded, so every run measures the same cluster.
 */
public final class ClusterFixture {

    /** Profiles of the background pods and their weights: mostly small inference slices, some training ones. */
    private static final String[] MIX = {"1g.5gb", "1g.5gb", "1g.5gb", "1g.5gb", "2g.10gb", "2g.10gb", "3g.20gb", "3g.20gb",
        "4g.20gb", "7g.40gb"};

    private ClusterFixture() {
    }

    public static ClusterModel build(GpuModel model, int nodes, int gpusPerNode, double targetUse, PlacementPolicy policy, long seed) {
        ClusterModel cluster = new ClusterModel(Clock.systemUTC(), Duration.ofMinutes(10), Duration.ofMinutes(10));
        SplittableRandom random = new SplittableRandom(seed);
        int claimCounter = 0;
        for (int n = 0; n < nodes; n++) {
            String node = "node-" + n;
            NodeAccelerator na = new NodeAccelerator();
            na.setMetadata(new ObjectMetaBuilder().withName(node).withNamespace("das-operator").build());
            na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true, IntStream.range(0, gpusPerNode)
                    .mapToObj(i -> GpuInventory.of(model, "GPU-" + node + "-" + i, i, model.name(), 0)).toList()));
            cluster.upsertNodeAccelerator(na);
            // Nodes are filled to different degrees around the target, as in a real cluster.
            double nodeTarget = Math.min(1.0, Math.max(0.0, targetUse + (random.nextDouble() - 0.5) * 0.6));
            int failures = 0;
            while (failures < 3) {
                NodeState state = cluster.node(node).orElseThrow();
                if (state.usedComputeSlices() >= nodeTarget * state.totalComputeSlices()) {
                    break;
                }
                String profile = MIX[random.nextInt(MIX.length)];
                String uid = "bg-" + (claimCounter++);
                PodDemand demand = new PodDemand("background", uid, uid, List.of(new SliceDemand("main", profile, 0)));
                Optional<List<SlicePlacement>> placed = policy.place(state, demand);
                if (placed.isEmpty()) {
                    failures++;
                    continue;
                }
                for (SlicePlacement p : placed.get()) {
                    cluster.upsertClaim(claim(uid + "-main-" + profile, node, p, uid));
                }
            }
        }
        return cluster;
    }

    private static AllocationClaim claim(String name, String node, SlicePlacement p, String uid) {
        AllocationClaim c = new AllocationClaim();
        c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("das-operator").build());
        c.setSpec(new AllocationClaimSpec(p.profile().name(), PodReference.pod("background", uid, uid), "main", p.gpuUuid(), node,
                new MigPlacement(p.start(), p.profile().memorySlices())));
        return c;
    }

    /** Share of the cluster's compute slices in use. */
    public static double computeUse(ClusterModel cluster) {
        long used = 0;
        long total = 0;
        for (NodeState n : cluster.nodes()) {
            used += n.usedComputeSlices();
            total += n.totalComputeSlices();
        }
        return total == 0 ? 0 : (double) used / total;
    }
}
