package com.redhat.das.demo;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.testbed.invariants.InvariantChecker;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorStatus.GpuOccupancy;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the cluster says at one moment: the sample pods, the AllocationClaims and the NodeAccelerators, as read from
 * the API server. Everything the demo prints comes from here, so what it prints is what
 * {@code kubectl get allocationclaims,nodeaccelerators -n das-operator} shows.
 */
public record ClusterState(List<Pod> pods, List<AllocationClaim> claims, List<NodeAccelerator> accelerators) {

    /** One GPU of one node, with what its node daemon reports it holding. */
    public record Gpu(String node, GpuInventory inventory, Optional<GpuOccupancy> reported) {

        public String uuid() {
            return inventory.uuid();
        }

        /** The occupancy the node daemon published, e.g. {@code 4444..1.}, or empty before its first status. */
        public Optional<String> reportedSlots() {
            return reported.map(GpuOccupancy::slots);
        }
    }

    public ClusterState {
        pods = pods.stream().sorted(Comparator.comparing((Pod p) -> p.getMetadata().getNamespace())
                .thenComparing(p -> p.getMetadata().getName())).toList();
        claims = List.copyOf(claims);
        accelerators = accelerators.stream().sorted(Comparator.comparing(na -> na.getMetadata().getName())).toList();
    }

    /** Every GPU of every NodeAccelerator, by node name and then device index. */
    public List<Gpu> gpus() {
        List<Gpu> out = new ArrayList<>();
        for (NodeAccelerator na : accelerators) {
            if (na.getSpec() == null || na.getSpec().gpus() == null) {
                continue;
            }
            List<GpuOccupancy> occupancy = na.getStatus() == null || na.getStatus().gpus() == null ? List.of()
                    : na.getStatus().gpus();
            na.getSpec().gpus().stream().sorted(Comparator.comparingInt(GpuInventory::index)).forEach(g -> out.add(
                    new Gpu(na.getMetadata().getName(), g,
                            occupancy.stream().filter(o -> g.uuid().equals(o.uuid())).findFirst())));
        }
        return out;
    }

    public Optional<Gpu> gpu(String uuid) {
        return gpus().stream().filter(g -> g.uuid().equals(uuid)).findFirst();
    }

    /** The claims of one pod (matched by uid, so a re-created pod of the same name does not inherit them). */
    public List<AllocationClaim> claimsOf(Pod pod) {
        return claims.stream().filter(c -> c.getSpec() != null && c.getSpec().podRef() != null
                && Objects.equals(c.getSpec().podRef().uid(), pod.getMetadata().getUid())).toList();
    }

    public static Optional<ClaimState> state(AllocationClaim claim) {
        return Optional.ofNullable(claim.getStatus()).map(s -> s.state());
    }

    /**
     * The occupancy the claims in use imply for a GPU, in the node daemon's notation: one character per memory
     * slice, {@code .} when free, else the first character of the profile holding it ({@code 4444} for a 4g.20gb
     * at 0).
     */
    public String slotsFromClaims(Gpu gpu) {
        return InvariantChecker.slotsOfClaimsInUse(claims, gpu.uuid(), gpu.inventory().memorySlices());
    }

    /** Whether the node daemons' reported occupancy of this GPU is what its claims in use say. */
    public boolean agrees(Gpu gpu) {
        return gpu.reportedSlots().map(slotsFromClaims(gpu)::equals).orElse(false);
    }

    /**
     * Nothing in flight: every claim is in use (or failed), and every GPU's reported occupancy is what the claims
     * say. Right after a change the node daemon needs a moment to create or destroy slices and republish.
     */
    public boolean settled() {
        return claims.stream().allMatch(c -> state(c).map(s -> s == ClaimState.IN_USE || s == ClaimState.FAILED)
                .orElse(false)) && gpus().stream().allMatch(this::agrees);
    }

    /** Every GPU reports no slice, and no claim is left. */
    public boolean empty() {
        return claims.isEmpty() && gpus().stream().allMatch(g -> g.reportedSlots().map(s -> s.chars().allMatch(ch -> ch == '.'))
                .orElse(false));
    }
}
