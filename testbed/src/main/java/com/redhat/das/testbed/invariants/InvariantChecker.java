package com.redhat.das.testbed.invariants;

import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorStatus.GpuOccupancy;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.cdi.CdiSpecDirectory.StoredSpec;
import com.redhat.das.testbed.NodeState;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.invariants.Violation.Kind;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Reads the cluster (pods, AllocationClaims, NodeAccelerators) and what each emulated node really holds (the
 * emulator's slices, the CDI specs on disk) and reports every broken invariant of DAS.
 *
 * <p>Some states are legitimate for a moment in a correct system — a slice is made after its claim is taken up, a
 * status is republished after the slice changed, a pod's claims outlive it until the slice is destroyed. Those kinds
 * ({@link Kind#transientWhileConverging()}) count only when {@link #check()} has seen the same violation for the
 * whole grace period; the others count at once. The checker is stateful for that reason: call {@code check()}
 * repeatedly (a soak does, every few seconds) and once more at the end.
 */
public final class InvariantChecker {

    private final KubernetesClient client;
    private final Supplier<List<NodeState>> nodes;
    private final Duration grace;
    private final Clock clock;
    private final boolean onlySuppliedNodes;
    /** When each transient violation was first seen in an unbroken run of checks. */
    private final Map<String, Instant> firstSeen = new HashMap<>();

    /**
     * @param nodes what the emulated nodes hold, read afresh at each check (e.g. {@code Testbed::nodeStates})
     * @param grace how long a transient violation may last before it counts
     */
    public InvariantChecker(KubernetesClient client, Supplier<List<NodeState>> nodes, Duration grace, Clock clock) {
        this(client, nodes, grace, clock, false);
    }

    private InvariantChecker(KubernetesClient client, Supplier<List<NodeState>> nodes, Duration grace, Clock clock,
                             boolean onlySuppliedNodes) {
        this.client = client;
        this.nodes = nodes;
        this.grace = grace;
        this.clock = clock;
        this.onlySuppliedNodes = onlySuppliedNodes;
    }

    /**
     * A checker that looks only at the claims and NodeAccelerators of the nodes supplied, for a scenario that shares
     * the cluster with others whose nodes come and go.
     */
    public static InvariantChecker scopedTo(KubernetesClient client, Supplier<List<NodeState>> nodes, Duration grace, Clock clock) {
        return new InvariantChecker(client, nodes, grace, clock, true);
    }

    /** The outcome of one check: what counts, and what is seen but still within its grace period. */
    public record Report(Instant at, List<Violation> violations, List<Violation> pending, int pods, int claims, int slices) {
        public boolean clean() {
            return violations.isEmpty();
        }
    }

    /** Reads everything once and returns the violations that count now. */
    public synchronized Report check() {
        Instant now = clock.instant();
        Snapshot s = read();
        List<Violation> seen = violations(s);
        List<Violation> counted = new ArrayList<>();
        List<Violation> pending = new ArrayList<>();
        Set<String> keys = seen.stream().map(Violation::key).collect(Collectors.toSet());
        firstSeen.keySet().retainAll(keys);
        for (Violation v : seen) {
            if (!v.kind().transientWhileConverging()) {
                counted.add(v);
                continue;
            }
            Instant since = firstSeen.computeIfAbsent(v.key(), k -> now);
            if (!since.plus(grace).isAfter(now)) {
                counted.add(v);
            } else {
                pending.add(v);
            }
        }
        return new Report(now, List.copyOf(counted), List.copyOf(pending), s.pods.size(), s.claims.size(),
                s.nodes.stream().mapToInt(n -> n.slices().size()).sum());
    }

    /** Every violation in one read, transient or not, without the grace period. */
    public List<Violation> snapshot() {
        return violations(read());
    }

    private record Snapshot(List<Pod> pods, List<AllocationClaim> claims, List<NodeAccelerator> accelerators, List<NodeState> nodes) {
    }

    private Snapshot read() {
        // The nodes first: a slice made between the two reads then has its claim in the API read that follows.
        List<NodeState> states = nodes.get();
        List<AllocationClaim> claims = client.resources(AllocationClaim.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).list().getItems();
        List<Pod> pods = client.pods().inAnyNamespace().list().getItems();
        List<NodeAccelerator> accelerators = client.resources(NodeAccelerator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).list()
                .getItems();
        if (onlySuppliedNodes) {
            Set<String> scope = states.stream().map(NodeState::node).collect(Collectors.toSet());
            claims = claims.stream().filter(c -> c.getSpec() != null && scope.contains(c.getSpec().nodename())).toList();
            accelerators = accelerators.stream().filter(na -> scope.contains(na.getMetadata().getName())).toList();
        }
        return new Snapshot(pods, claims, accelerators, states);
    }

    static List<Violation> violations(Snapshot s) {
        List<Violation> out = new ArrayList<>();
        Map<String, Pod> livePods = new HashMap<>();
        for (Pod p : s.pods) {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            if (!"Succeeded".equals(phase) && !"Failed".equals(phase)) {
                livePods.put(p.getMetadata().getUid(), p);
            }
        }
        Map<String, GpuInventory> gpus = new HashMap<>();
        for (NodeAccelerator na : s.accelerators) {
            if (na.getSpec() != null && na.getSpec().gpus() != null) {
                na.getSpec().gpus().forEach(g -> gpus.put(g.uuid(), g));
            }
        }
        List<AllocationClaim> claims = s.claims.stream().filter(c -> c.getSpec() != null).toList();

        for (AllocationClaim c : claims) {
            if (!livePods.containsKey(c.getSpec().podRef().uid())) {
                out.add(new Violation(Kind.CLAIM_WITHOUT_LIVE_POD, "claim " + name(c), "pod " + c.getSpec().podRef().namespace() + "/"
                        + c.getSpec().podRef().name() + " (uid " + c.getSpec().podRef().uid() + ") is gone or ended; claim is "
                        + state(c).map(ClaimState::apiValue).orElse("without state")));
            }
        }
        mediaExtensionClaims(claims, out);
        duplicateClaims(claims, s.pods, out);
        for (NodeState node : s.nodes) {
            List<AllocationClaim> onNode = claims.stream().filter(c -> node.node().equals(c.getSpec().nodename())).toList();
            overlapsAndMediaExtensions(node, gpus, out);
            slicesAgainstClaims(node, onNode, out);
            cdiSpecsAgainstClaims(node, onNode, out);
            runningContainers(node, livePods.values(), onNode, out);
        }
        occupancy(s.accelerators, claims, out);
        return out;
    }

    private static void overlapsAndMediaExtensions(NodeState node, Map<String, GpuInventory> gpus, List<Violation> out) {
        Map<String, List<MigSlice>> byGpu = node.slices().stream().collect(Collectors.groupingBy(MigSlice::gpuUuid, LinkedHashMap::new,
                Collectors.toList()));
        byGpu.forEach((gpu, slices) -> {
            for (int i = 0; i < slices.size(); i++) {
                for (int j = i + 1; j < slices.size(); j++) {
                    MigSlice a = slices.get(i);
                    MigSlice b = slices.get(j);
                    if (a.start() < b.start() + b.size() && b.start() < a.start() + a.size()) {
                        out.add(new Violation(Kind.OVERLAPPING_SLICES, node.node() + " " + gpu, "GPU instance " + a.gpuInstanceId() + " at "
                                + a.start() + "+" + a.size() + " overlaps GPU instance " + b.gpuInstanceId() + " at " + b.start() + "+" + b.size()));
                    }
                }
            }
            GpuInventory inventory = gpus.get(gpu);
            if (inventory != null) {
                Map<Integer, GpuProfile> byId = inventory.profiles().stream()
                        .collect(Collectors.toMap(GpuProfile::giProfileId, p -> p, (a, b) -> a));
                long me = slices.stream().filter(sl -> Optional.ofNullable(byId.get(sl.giProfileId())).map(GpuProfile::mediaExtensions)
                        .orElse(false)).count();
                if (me > 1) {
                    out.add(new Violation(Kind.SECOND_MEDIA_EXTENSION_SLICE, node.node() + " " + gpu, me + " slices with media extensions"));
                }
            }
        });
    }

    private static void mediaExtensionClaims(List<AllocationClaim> claims, List<Violation> out) {
        claims.stream().filter(c -> c.getSpec().profile().endsWith("+me") && state(c).orElse(null) != ClaimState.FAILED)
                .collect(Collectors.groupingBy(c -> c.getSpec().gpuUUID())).forEach((gpu, list) -> {
                    if (list.size() > 1) {
                        out.add(new Violation(Kind.SECOND_MEDIA_EXTENSION_SLICE, "claims on " + gpu,
                                list.stream().map(InvariantChecker::name).sorted().toList() + " all ask for media extensions"));
                    }
                });
    }

    private static void duplicateClaims(List<AllocationClaim> claims, List<Pod> pods, List<Violation> out) {
        List<AllocationClaim> live = claims.stream().filter(c -> state(c).orElse(null) != ClaimState.FAILED).toList();
        Map<String, List<AllocationClaim>> byGpu = live.stream().collect(Collectors.groupingBy(c -> c.getSpec().gpuUUID()));
        byGpu.forEach((gpu, list) -> {
            for (int i = 0; i < list.size(); i++) {
                for (int j = i + 1; j < list.size(); j++) {
                    var a = list.get(i).getSpec().migPlacement();
                    var b = list.get(j).getSpec().migPlacement();
                    if (a.start() < b.start() + b.size() && b.start() < a.start() + a.size()) {
                        out.add(new Violation(Kind.DUPLICATE_CLAIM, "claims on " + gpu, name(list.get(i)) + " at " + a.start() + "+" + a.size()
                                + " overlaps " + name(list.get(j)) + " at " + b.start() + "+" + b.size()));
                    }
                }
            }
        });
        Map<String, Pod> byUid = pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getUid(), p -> p, (a, b) -> a));
        live.stream().collect(Collectors.groupingBy(c -> c.getSpec().podRef().uid())).forEach((uid, list) -> {
            Pod pod = byUid.get(uid);
            if (pod == null) {
                return;
            }
            int asked = pod.getSpec().getContainers().stream().mapToInt(InvariantChecker::dasSlices).sum()
                    + pod.getSpec().getInitContainers().stream().mapToInt(InvariantChecker::dasSlices).sum();
            if (list.size() > asked) {
                out.add(new Violation(Kind.EXCESS_CLAIMS, "pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(),
                        "holds " + list.size() + " claims " + list.stream().map(InvariantChecker::name).sorted().toList() + ", its containers ask for "
                                + asked + " slice(s)"));
            }
        });
    }

    private static void slicesAgainstClaims(NodeState node, List<AllocationClaim> claims, List<Violation> out) {
        for (MigSlice slice : node.slices()) {
            boolean claimed = claims.stream().anyMatch(c -> c.getSpec().gpuUUID().equals(slice.gpuUuid())
                    && c.getSpec().migPlacement().start() == slice.start() && c.getSpec().migPlacement().size() == slice.size());
            if (!claimed) {
                out.add(new Violation(Kind.SLICE_WITHOUT_CLAIM, node.node() + " " + slice.gpuUuid() + " GI " + slice.gpuInstanceId(),
                        "slice at " + slice.start() + "+" + slice.size() + " (" + slice.migUuid() + ") has no claim"));
            }
        }
        for (AllocationClaim c : claims) {
            if (state(c).orElse(null) != ClaimState.IN_USE) {
                continue;
            }
            String uuid = c.getStatus().migUUID();
            Optional<MigSlice> slice = node.slices().stream().filter(sl -> Objects.equals(sl.migUuid(), uuid)).findFirst();
            if (slice.isEmpty()) {
                out.add(new Violation(Kind.CLAIM_PLACEMENT_DIFFERS_FROM_SLICE, "claim " + name(c), "in use with " + uuid
                        + ", but no such slice exists on " + node.node()));
            } else if (!slice.get().at(c.getSpec().gpuUUID(), c.getSpec().migPlacement().start(), c.getSpec().migPlacement().size())) {
                MigSlice sl = slice.get();
                out.add(new Violation(Kind.CLAIM_PLACEMENT_DIFFERS_FROM_SLICE, "claim " + name(c), "claim says " + c.getSpec().gpuUUID() + " at "
                        + c.getSpec().migPlacement().start() + "+" + c.getSpec().migPlacement().size() + ", the slice is on " + sl.gpuUuid()
                        + " at " + sl.start() + "+" + sl.size()));
            }
        }
    }

    private static void cdiSpecsAgainstClaims(NodeState node, List<AllocationClaim> claims, List<Violation> out) {
        Set<String> podsWithClaims = claims.stream().map(c -> c.getSpec().podRef().uid()).collect(Collectors.toSet());
        for (StoredSpec spec : node.cdiSpecs()) {
            if (!podsWithClaims.contains(spec.slices().podUid())) {
                out.add(new Violation(Kind.CDI_SPEC_WITHOUT_CLAIM, node.node() + " " + spec.file().getFileName(),
                        "spec of pod uid " + spec.slices().podUid() + ", which has no claim"));
            }
        }
    }

    private static void runningContainers(NodeState node, java.util.Collection<Pod> pods, List<AllocationClaim> claims, List<Violation> out) {
        for (Pod pod : pods) {
            if (!node.node().equals(pod.getSpec().getNodeName()) || pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
                continue;
            }
            String uid = pod.getMetadata().getUid();
            for (Container container : pod.getSpec().getContainers()) {
                int wanted = dasSlices(container);
                if (wanted == 0) {
                    continue;
                }
                String subject = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + " container " + container.getName();
                List<AllocationClaim> mine = claims.stream().filter(c -> uid.equals(c.getSpec().podRef().uid())
                        && container.getName().equals(c.getSpec().containerName())).toList();
                List<String> inUse = mine.stream().filter(c -> state(c).orElse(null) == ClaimState.IN_USE).map(c -> c.getStatus().migUUID())
                        .toList();
                if (inUse.size() < wanted) {
                    out.add(new Violation(Kind.RUNNING_CONTAINER_WITHOUT_SLICE, subject, "asks for " + wanted + " slice(s), " + inUse.size()
                            + " claim(s) in use"));
                    continue;
                }
                Optional<StoredSpec> spec = node.cdiSpecs().stream()
                        .filter(sp -> uid.equals(sp.names().podUid()) && container.getName().equals(sp.names().container())).findFirst();
                if (spec.isEmpty()) {
                    out.add(new Violation(Kind.RUNNING_CONTAINER_WITHOUT_SLICE, subject, "no CDI spec names this container"));
                } else if (!spec.get().slices().allMigUuids().containsAll(inUse)) {
                    out.add(new Violation(Kind.RUNNING_CONTAINER_WITHOUT_SLICE, subject, "its CDI devices hold " + spec.get().slices().allMigUuids()
                            + ", its claims " + inUse));
                }
            }
        }
    }

    private static int dasSlices(Container container) {
        if (container.getResources() == null || container.getResources().getLimits() == null) {
            return 0;
        }
        int n = 0;
        for (Map.Entry<String, Quantity> e : container.getResources().getLimits().entrySet()) {
            if (ResourceNames.isDasResource(e.getKey())) {
                n += e.getValue().getNumericalAmount().intValue();
            }
        }
        return n;
    }

    private static void occupancy(List<NodeAccelerator> accelerators, List<AllocationClaim> claims, List<Violation> out) {
        for (NodeAccelerator na : accelerators) {
            if (na.getStatus() == null || na.getStatus().gpus() == null || na.getSpec() == null || na.getSpec().gpus() == null) {
                continue;
            }
            for (GpuOccupancy reported : na.getStatus().gpus()) {
                Optional<GpuInventory> gpu = na.getSpec().gpus().stream().filter(g -> g.uuid().equals(reported.uuid())).findFirst();
                if (gpu.isEmpty()) {
                    continue;
                }
                String expected = slotsOfClaimsInUse(claims, gpu.get().uuid(), gpu.get().memorySlices());
                if (!expected.equals(reported.slots())) {
                    out.add(new Violation(Kind.OCCUPANCY_DISAGREES_WITH_CLAIMS, na.getMetadata().getName() + " GPU" + gpu.get().index(),
                            "reported [" + reported.slots() + "], claims in use say [" + expected + "]"));
                }
            }
        }
    }

    /**
     * The occupancy the claims in use imply for a GPU, in the node daemon's notation: one character per memory slice,
     * {@code .} when free, else the first character of the profile holding it ({@code 4444} for a 4g.20gb at 0).
     */
    public static String slotsOfClaimsInUse(List<AllocationClaim> claims, String gpuUuid, int memorySlices) {
        char[] slots = new char[Math.max(0, memorySlices)];
        Arrays.fill(slots, '.');
        for (AllocationClaim c : claims) {
            if (c.getSpec() == null || !gpuUuid.equals(c.getSpec().gpuUUID()) || state(c).orElse(null) != ClaimState.IN_USE) {
                continue;
            }
            int start = c.getSpec().migPlacement().start();
            for (int i = start; i < start + c.getSpec().migPlacement().size() && i < slots.length; i++) {
                slots[i] = c.getSpec().profile().charAt(0);
            }
        }
        return new String(slots);
    }

    private static Optional<ClaimState> state(AllocationClaim c) {
        return Optional.ofNullable(c.getStatus()).map(s -> s.state());
    }

    private static String name(AllocationClaim c) {
        return c.getMetadata().getName();
    }
}
