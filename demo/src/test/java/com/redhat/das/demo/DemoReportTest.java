package com.redhat.das.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.AllocationClaimStatus;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.api.v1alpha1.NodeAcceleratorStatus;
import com.redhat.das.api.v1alpha1.NodeAcceleratorStatus.GpuOccupancy;
import com.redhat.das.api.v1alpha1.PodReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's printout, rendered from hand-made claims and NodeAccelerators. */
class DemoReportTest {

    private static final String GPU0 = "GPU-00000000-0000-0000-0000-000000000000";
    private static final String GPU1 = "GPU-11111111-1111-1111-1111-111111111111";

    @Test
    void theTableHasOneRowPerSliceAndSaysWhyOtherContainersAndPodsHaveNone() {
        ClusterState state = new ClusterState(
                List.of(pod("trainer", "uid-t", "gpu-node-1", "Running", "main", "metrics"),
                        pod("batch-x", "uid-b", "gpu-node-1", "Succeeded", "batch"),
                        pod("waiting", "uid-w", null, "Pending", "main")),
                List.of(claim("uid-t", "trainer", "main", "3g.20gb", GPU1, 4, 4, ClaimState.IN_USE, "MIG-b"),
                        claim("uid-t", "trainer", "main", "1g.5gb", GPU0, 6, 1, ClaimState.IN_USE, "MIG-a")),
                List.of(accelerator("gpu-node-1", ".......1", "....3333")));

        assertThat(DemoReport.allocationTable(state)).isEqualTo("""
                POD      CONTAINER  NODE        GPU   GPU UUID                                  PROFILE  SLOTS  CLAIM  MIG DEVICE
                batch-x  -          gpu-node-1  -     -                                         -        -      -      pod Succeeded: its slices were destroyed and its claims deleted
                trainer  main       gpu-node-1  GPU0  GPU-00000000-0000-0000-0000-000000000000  1g.5gb   6..6   inUse  MIG-a
                trainer  main       gpu-node-1  GPU1  GPU-11111111-1111-1111-1111-111111111111  3g.20gb  4..7   inUse  MIG-b
                trainer  metrics    gpu-node-1  -     -                                         -        -      -      no MIG slice requested
                waiting  -          -           -     -                                         -        -      -      Pending: not scheduled yet
                """);
    }

    @Test
    void theOccupancyMapShowsWhatTheNodeDaemonReportsAndWhetherTheClaimsSayTheSame() {
        ClusterState state = new ClusterState(List.of(),
                List.of(claim("uid-t", "trainer", "main", "4g.20gb", GPU0, 0, 4, ClaimState.IN_USE, "MIG-a")),
                List.of(accelerator("gpu-node-1", "4444....", "..22....")));

        assertThat(DemoReport.occupancyMap(state)).isEqualTo("""
                NODE        GPU   GPU UUID                                  MEMORY SLOTS  COMPUTE  MEMORY  MATCHES CLAIMS
                gpu-node-1  GPU0  GPU-00000000-0000-0000-0000-000000000000  [4444....]    4/7      4/8     yes
                gpu-node-1  GPU1  GPU-11111111-1111-1111-1111-111111111111  [..22....]    2/7      2/8     NO: the claims in use say [........]
                """);
        assertThat(state.settled()).as("a GPU holds a slice no claim accounts for").isFalse();
        assertThat(DemoReport.claimCount(state, "das-operator")).isEqualTo("1 AllocationClaim in das-operator: 1 inUse");
    }

    @Test
    void aClaimStillBeingCreatedIsNotSettledAndTakesNoSlotYet() {
        ClusterState state = new ClusterState(List.of(),
                List.of(claim("uid-t", "trainer", "main", "1g.5gb", GPU0, 0, 1, ClaimState.CREATED, null),
                        claim("uid-u", "other", "main", "1g.5gb", GPU0, 1, 1, ClaimState.IN_USE, "MIG-u")),
                List.of(accelerator("gpu-node-1", ".1......", "........")));

        assertThat(state.slotsFromClaims(state.gpus().getFirst())).isEqualTo(".1......");
        assertThat(state.gpus()).allMatch(state::agrees);
        assertThat(state.settled()).isFalse();
        assertThat(state.empty()).isFalse();
        assertThat(DemoReport.claimCount(state, "das-operator")).isEqualTo("2 AllocationClaims in das-operator: 1 created, 1 inUse");
    }

    @Test
    void noClaimAndAllDotsIsEmpty() {
        ClusterState state = new ClusterState(List.of(), List.of(), List.of(accelerator("gpu-node-1", "........", "........")));

        assertThat(state.empty()).isTrue();
        assertThat(state.settled()).isTrue();
        assertThat(DemoReport.claimCount(state, "das-operator")).isEqualTo("0 AllocationClaims in das-operator");
    }

    private static Pod pod(String name, String uid, String node, String phase, String... containers) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withNamespace("das-demo").withName(name).withUid(uid).endMetadata()
                .withNewSpec().withNodeName(node).endSpec().withNewStatus().withPhase(phase).endStatus();
        for (String container : containers) {
            pod.editSpec().addNewContainer().withName(container).withImage("registry.example/app:1").endContainer().endSpec();
        }
        return pod.build();
    }

    private static AllocationClaim claim(String podUid, String pod, String container, String profile, String gpu,
            int start, int size, ClaimState state, String migUuid) {
        AllocationClaim claim = new AllocationClaim();
        claim.setMetadata(new ObjectMetaBuilder().withNamespace("das-operator").withName(podUid + "-" + container + "-" + profile).build());
        claim.setSpec(new AllocationClaimSpec(profile, PodReference.pod("das-demo", pod, podUid), container, gpu, "gpu-node-1",
                new MigPlacement(start, size)));
        claim.setStatus(new AllocationClaimStatus(state, null, migUuid, null));
        return claim;
    }

    /** A node with two A100-40GB GPUs whose node daemon reports the given slots. */
    private static NodeAccelerator accelerator(String node, String gpu0Slots, String gpu1Slots) {
        var model = MigCatalog.bundled().requireModel("A100-40GB");
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(new ObjectMetaBuilder().withNamespace("das-operator").withName(node).build());
        na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true, List.of(
                GpuInventory.of(model, GPU0, 0, "NVIDIA A100-SXM4-40GB", 40960),
                GpuInventory.of(model, GPU1, 1, "NVIDIA A100-SXM4-40GB", 40960))));
        na.setStatus(new NodeAcceleratorStatus(2, "GPU0 [" + gpu0Slots + "] GPU1 [" + gpu1Slots + "]",
                List.of(occupancy(GPU0, gpu0Slots), occupancy(GPU1, gpu1Slots)), List.of()));
        return na;
    }

    /** Used slices as the node daemon counts them, for the slot strings these tests use. */
    private static GpuOccupancy occupancy(String uuid, String slots) {
        int memory = (int) slots.chars().filter(c -> c != '.').count();
        int compute = switch (slots.replace(".", "")) {
            case "" -> 0;
            case "1" -> 1;
            case "22" -> 2;
            case "3333" -> 3;
            case "4444" -> 4;
            default -> throw new IllegalArgumentException(slots);
        };
        return new GpuOccupancy(uuid, memory, compute, slots);
    }
}
