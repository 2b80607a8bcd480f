package com.redhat.das.allocator.model;

import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.mig.PlacementRules;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The allocator's picture of the cluster: which GPUs each node has (from NodeAccelerators) and which slices sit on
 * them (from AllocationClaims, plus reservations only this process knows of yet).
 *
 * <h2>Assumed reservations</h2>
 * Reserve places a pod's slices and records them here as <em>assumed</em>, so the very next PreFilter sees them,
 * long before the claims are written (PreBind) and come back through the informer. An assumed slice carries the name
 * of the claim that will hold it; when the informer delivers that claim it replaces the assumed slice, so a slice is
 * never counted twice. An assumed reservation that is neither bound nor dropped expires after {@code reservationTtl}
 * (the scheduler died between Reserve and PreBind); a bound one waits for its claims for {@code boundTtl}.
 *
 * <p>Readers get immutable {@link NodeState}s without locking; all changes go through one lock, and each rebuilds the
 * affected node from its three sources, so there is no incremental state to drift.
 */
public final class ClusterModel {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterModel.class);

    /** A pod's reserved slices on one node. */
    public record Reservation(String podUid, String podName, String node, List<ReservedSlice> slices, Instant expires,
                              boolean bound) {
    }

    /** A reserved slice and the GPU it is on. */
    public record ReservedSlice(String gpuUuid, Slice slice) {
    }

    /** A slice as a claim records it, before it is matched to a GPU of the node's inventory. */
    private record ClaimedSlice(String claimName, String gpuUuid, String profile, int start, String podUid, String podName,
                                String container) {
    }

    private final Clock clock;
    private final Duration reservationTtl;
    private final Duration boundTtl;
    private final GpuModels models = new GpuModels();
    private final AtomicLong versions = new AtomicLong();

    /** A GPU as published, with its placement rules worked out once per NodeAccelerator change. */
    private record PublishedGpu(GpuInventory inventory, PlacementRules rules) {
    }

    private final Map<String, List<PublishedGpu>> inventories = new HashMap<>();
    private final Map<String, Map<String, ClaimedSlice>> claimsByNode = new HashMap<>();
    private final Map<String, String> nodeOfClaim = new HashMap<>();
    private final Map<String, Reservation> reservations = new HashMap<>();
    private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private volatile Set<String> offered = Set.of();
    private volatile java.util.function.Consumer<String> onFreed = node -> { };

    public ClusterModel(Clock clock, Duration reservationTtl, Duration boundTtl) {
        this.clock = clock;
        this.reservationTtl = reservationTtl;
        this.boundTtl = boundTtl;
    }

    /** Called with a node's name after slices on it were freed (claim deleted, reservation dropped or expired). */
    public void onCapacityFreed(java.util.function.Consumer<String> listener) {
        this.onFreed = listener;
    }

    /** The DAS-managed nodes, each a consistent snapshot. */
    public Collection<NodeState> nodes() {
        return nodes.values();
    }

    public Optional<NodeState> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    /** Profile names offered by at least one GPU in the cluster, sorted. Kept current on inventory changes. */
    public Set<String> offeredProfiles() {
        return offered;
    }

    private void refreshOffered() {
        Set<String> names = new TreeSet<>();
        inventories.values().forEach(gpus -> gpus.forEach(g -> g.rules().model().profiles().forEach(p -> names.add(p.name()))));
        offered = java.util.Collections.unmodifiableSet(names);
    }

    // ---- NodeAccelerators

    public void upsertNodeAccelerator(NodeAccelerator na) {
        String node = na.getMetadata().getName();
        List<GpuInventory> gpus = na.getSpec() == null || na.getSpec().gpus() == null ? List.of() : na.getSpec().gpus();
        List<PublishedGpu> published = new ArrayList<>();
        for (GpuInventory inv : gpus) {
            try {
                published.add(new PublishedGpu(inv, models.rulesOf(inv)));
            } catch (IllegalArgumentException e) {
                LOG.error("node {}: GPU {} has an inventory DAS cannot use ({}); it is left out", node, inv.uuid(), e.getMessage());
            }
        }
        synchronized (lock) {
            inventories.put(node, List.copyOf(published));
            refreshOffered();
            rebuild(node);
        }
    }

    public void removeNodeAccelerator(String node) {
        synchronized (lock) {
            inventories.remove(node);
            refreshOffered();
            rebuild(node);
        }
    }

    // ---- AllocationClaims

    public void upsertClaim(AllocationClaim claim) {
        AllocationClaimSpec spec = claim.getSpec();
        String name = claim.getMetadata().getName();
        if (spec == null || spec.nodename() == null || spec.migPlacement() == null) {
            LOG.warn("AllocationClaim {} has no node or placement; ignored", name);
            return;
        }
        String podName = spec.podRef() == null ? "?" : spec.podRef().namespace() + "/" + spec.podRef().name();
        String podUid = spec.podRef() == null ? "" : spec.podRef().uid();
        ClaimedSlice slice = new ClaimedSlice(name, spec.gpuUUID(), spec.profile(), spec.migPlacement().start(), podUid,
                podName, spec.containerName());
        synchronized (lock) {
            String previousNode = nodeOfClaim.put(name, spec.nodename());
            if (previousNode != null && !previousNode.equals(spec.nodename())) {
                claimsByNode.getOrDefault(previousNode, Map.of()).remove(name);
                rebuild(previousNode);
            }
            claimsByNode.computeIfAbsent(spec.nodename(), n -> new LinkedHashMap<>()).put(name, slice);
            // A bound reservation has done its job once the informer shows every claim it promised.
            Reservation r = reservations.get(podUid);
            if (r != null && r.bound() && r.slices().stream().allMatch(rs -> nodeOfClaim.containsKey(rs.slice().claimName()))) {
                reservations.remove(podUid);
            }
            rebuild(spec.nodename());
        }
    }

    public void removeClaim(String claimName) {
        String node;
        synchronized (lock) {
            node = nodeOfClaim.remove(claimName);
            // A bound reservation must not bring back a slice whose claim is already gone again.
            reservations.values().removeIf(r -> r.bound()
                    && r.slices().stream().anyMatch(rs -> rs.slice().claimName().equals(claimName)));
            if (node != null) {
                Map<String, ClaimedSlice> onNode = claimsByNode.get(node);
                if (onNode != null) {
                    onNode.remove(claimName);
                    if (onNode.isEmpty()) {
                        claimsByNode.remove(node);
                    }
                }
                rebuild(node);
            }
        }
        if (node != null) {
            onFreed.accept(node);
        }
    }

    // ---- reservations

    /**
     * Records {@code slices} as assumed for the pod on {@code node}, replacing any earlier reservation of the pod.
     * The caller computed the placement on {@code expectedVersion} of the node; if the node changed since, nothing is
     * recorded and empty is returned, so the caller recomputes.
     */
    public Optional<Reservation> reserve(String podUid, String podName, String node, long expectedVersion,
                                         List<ReservedSlice> slices) {
        synchronized (lock) {
            NodeState current = nodes.get(node);
            if (current == null || current.version() != expectedVersion) {
                return Optional.empty();
            }
            Reservation previous = reservations.remove(podUid);
            Reservation r = new Reservation(podUid, podName, node, List.copyOf(slices), clock.instant().plus(reservationTtl), false);
            reservations.put(podUid, r);
            if (previous != null && !previous.node().equals(node)) {
                rebuild(previous.node());
            }
            rebuild(node);
            return Optional.of(r);
        }
    }

    public Optional<Reservation> reservation(String podUid) {
        synchronized (lock) {
            return Optional.ofNullable(reservations.get(podUid));
        }
    }

    /** Drops the pod's reservation; its slices are free again unless claims already hold them. */
    public Optional<Reservation> unreserve(String podUid) {
        Reservation r;
        synchronized (lock) {
            r = reservations.remove(podUid);
            if (r != null) {
                rebuild(r.node());
            }
        }
        if (r != null && !r.bound()) {
            onFreed.accept(r.node());
        }
        return Optional.ofNullable(r);
    }

    /** The pod's claims are persisted: keep the reservation until the informer shows them. */
    public void markBound(String podUid) {
        synchronized (lock) {
            Reservation r = reservations.get(podUid);
            if (r != null) {
                reservations.put(podUid, new Reservation(r.podUid(), r.podName(), r.node(), r.slices(),
                        clock.instant().plus(boundTtl), true));
            }
        }
    }

    /** Drops reservations past their deadline; returns them (for logging). */
    public List<Reservation> expireReservations() {
        Instant now = clock.instant();
        List<Reservation> expired = new ArrayList<>();
        synchronized (lock) {
            reservations.values().removeIf(r -> {
                if (r.expires().isBefore(now)) {
                    expired.add(r);
                    return true;
                }
                return false;
            });
            expired.stream().map(Reservation::node).distinct().forEach(this::rebuild);
        }
        expired.stream().map(Reservation::node).distinct().forEach(onFreed);
        return expired;
    }

    // ---- derived state

    /** Recomputes one node from its inventory, its claims and the reservations on it. Caller holds the lock. */
    private void rebuild(String node) {
        List<PublishedGpu> inventory = inventories.get(node);
        if (inventory == null) {
            nodes.remove(node);
            return;
        }
        Map<String, GpuState> gpus = new LinkedHashMap<>();
        for (PublishedGpu g : inventory) {
            gpus.put(g.inventory().uuid(), new GpuState(g.inventory().uuid(), node, g.inventory().index(), g.rules().emptyLayout(), List.of()));
        }
        Set<String> claimed = new java.util.HashSet<>();
        for (ClaimedSlice c : claimsByNode.getOrDefault(node, Map.of()).values()) {
            claimed.add(c.claimName());
            add(gpus, node, c.claimName(), c.gpuUuid(), c.profile(), c.start(), c.podUid(), c.podName(), c.container(), false);
        }
        for (Reservation r : reservations.values()) {
            if (!r.node().equals(node)) {
                continue;
            }
            for (ReservedSlice rs : r.slices()) {
                Slice s = rs.slice();
                if (!claimed.contains(s.claimName())) {
                    add(gpus, node, s.claimName(), rs.gpuUuid(), s.instance().profile().name(), s.instance().start(),
                            s.podUid(), s.podName(), s.container(), true);
                }
            }
        }
        nodes.put(node, new NodeState(node, new ArrayList<>(gpus.values()), versions.incrementAndGet()));
    }

    private static void add(Map<String, GpuState> gpus, String node, String claimName, String gpuUuid, String profileName,
                            int start, String podUid, String podName, String container, boolean assumed) {
        GpuState gpu = gpus.get(gpuUuid);
        if (gpu == null) {
            LOG.warn("node {}: {} names GPU {}, which the node does not publish; its slice is not counted", node, claimName, gpuUuid);
            return;
        }
        Optional<MigProfile> profile = gpu.profile(profileName);
        if (profile.isEmpty()) {
            LOG.warn("node {}: {} names profile {}, which GPU {} does not offer", node, claimName, profileName, gpuUuid);
            return;
        }
        PlacedInstance instance = new PlacedInstance(profile.get(), start);
        var violation = gpu.layout().whyNot(profile.get(), start);
        if (violation.isPresent()) {
            // Never written by DAS; a hand-made or stale claim. Keep the first holder, shout about the second.
            LOG.error("node {}: {} ({}@{} on {}) conflicts with the GPU's other slices: {}", node, claimName, profileName,
                    start, gpuUuid, violation.get().message());
            return;
        }
        gpus.put(gpuUuid, gpu.with(new Slice(claimName, podUid, podName, container, instance, assumed)));
    }
}
