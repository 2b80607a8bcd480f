package com.redhat.das.node.reconcile;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.node.backend.GpuBackend;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.node.cdi.ContainerSlices;
import com.redhat.das.node.lifecycle.AllocationException;
import com.redhat.das.node.lifecycle.ClaimStatusWriter;
import com.redhat.das.node.lifecycle.NodeCache;
import com.redhat.das.node.lifecycle.PodEvents;
import com.redhat.das.node.lifecycle.SliceProvisioner;
import com.redhat.das.node.lifecycle.SliceReleaser;
import com.redhat.das.node.metrics.NodeMetrics;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings three truths into agreement: the GPU instances the backend reports, the AllocationClaims naming this node,
 * and the CDI specs on disk. Level-triggered: it runs at start-up, after every pod or claim change, and
 * periodically, and each pass decides from the current state alone.
 * <ul>
 *   <li>A claim whose pod has ended or left the node is released: slice destroyed, spec removed, claim let go.</li>
 *   <li>A taken-up claim of a live pod whose slice is missing (the GPU was reset, the node rebooted) gets it back at
 *       the same placement, and the container's spec is rewritten with the new MIG UUID.</li>
 *   <li>An instance no claim accounts for is destroyed; so is a spec no live pod owns.</li>
 * </ul>
 * It never deletes a pod: the reference's "reboot detection" deleted healthy pods whose containers held more than
 * one slice. Claims still in {@code created} belong to the allocator and the next Allocate; they are left alone,
 * and so is an instance at their placement (Allocate adopts it).
 */
public final class NodeReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(NodeReconciler.class);

    /** What one pass did. */
    public record Pass(int released, int recreated, int destroyedOrphans, int specsWritten, int specsRemoved, int failures) {
        public int repairs() {
            return released + recreated + destroyedOrphans + specsWritten + specsRemoved;
        }
    }

    private final NodeCache cache;
    private final GpuBackend backend;
    private final SliceProvisioner provisioner;
    private final SliceReleaser releaser;
    private final CdiSpecDirectory cdi;
    private final PodEvents events;
    private final NodeMetrics metrics;
    private final Lock gpuLock;

    public NodeReconciler(NodeCache cache, GpuBackend backend, SliceProvisioner provisioner, SliceReleaser releaser,
                          CdiSpecDirectory cdi, PodEvents events, NodeMetrics metrics, Lock gpuLock) {
        this.cache = cache;
        this.backend = backend;
        this.provisioner = provisioner;
        this.releaser = releaser;
        this.cdi = cdi;
        this.events = events;
        this.metrics = metrics;
        this.gpuLock = gpuLock;
    }

    public synchronized Pass reconcile() {
        int released = 0;
        int recreated = 0;
        int orphans = 0;
        int written = 0;
        int removed = 0;
        int failures = 0;
        gpuLock.lock();
        try {
            List<AllocationClaim> kept = new ArrayList<>();
            Map<String, List<AllocationClaim>> toRelease = new LinkedHashMap<>();
            for (AllocationClaim claim : cache.claims()) {
                if (claim.getSpec() == null || claim.getSpec().podRef() == null) {
                    continue;
                }
                ClaimState state = ClaimStatusWriter.stateOf(claim);
                Optional<Pod> pod = livePod(claim);
                boolean deleting = claim.getMetadata().getDeletionTimestamp() != null;
                if (state == ClaimState.CREATED && !deleting) {
                    kept.add(claim); // the allocator's until Allocate takes it up
                } else if (pod.isEmpty()) {
                    toRelease.computeIfAbsent(claim.getSpec().podRef().uid(), k -> new ArrayList<>()).add(claim);
                } else {
                    if (deleting) {
                        LOG.warn("claim {} is being deleted while pod {}/{} still runs on this node; its slice stays until the pod ends",
                                claim.getMetadata().getName(), claim.getSpec().podRef().namespace(), claim.getSpec().podRef().name());
                    }
                    kept.add(claim);
                }
            }
            for (var e : toRelease.entrySet()) {
                String uid = e.getKey();
                if (releaser.releasePod(uid, e.getValue(), "its pod ended or left the node")) {
                    released += e.getValue().size();
                    provisioner.forget(uid);
                } else {
                    failures++;
                }
            }
            // Instances nobody claims go first: one of them may sit where a claim's slice must be made again.
            List<MigSlice> slices = backend.slices();
            for (MigSlice slice : slices) {
                boolean claimed = kept.stream().anyMatch(c -> slice.complete() && slice.at(c.getSpec().gpuUUID(),
                        c.getSpec().migPlacement().start(), c.getSpec().migPlacement().size()));
                if (!claimed) {
                    try {
                        backend.destroy(slice.gpuUuid(), slice.gpuInstanceId());
                        orphans++;
                        LOG.info("destroyed {} instance {} at slice {} on {}: no live claim accounts for it",
                                slice.complete() ? "unclaimed" : "half-made", slice.gpuInstanceId(), slice.start(), slice.gpuUuid());
                    } catch (GpuBackendException ex) {
                        failures++;
                        LOG.warn("could not destroy unclaimed instance {} on {}: {}", slice.gpuInstanceId(), slice.gpuUuid(), ex.getMessage());
                    }
                }
            }
            slices = backend.slices();
            // Slices the kept claims lack: made again where the claim says.
            for (AllocationClaim claim : kept) {
                ClaimState state = ClaimStatusWriter.stateOf(claim);
                if (state != ClaimState.PROCESSING && state != ClaimState.IN_USE) {
                    continue;
                }
                var spec = claim.getSpec();
                boolean present = slices.stream().anyMatch(s -> s.complete()
                        && s.at(spec.gpuUUID(), spec.migPlacement().start(), spec.migPlacement().size()));
                if (!present) {
                    Pod pod = livePod(claim).orElse(null);
                    try {
                        String uuid = provisioner.ensureSlice(pod, claim);
                        recreated++;
                        LOG.info("claim {}: its slice was missing; made again as {}", claim.getMetadata().getName(), uuid);
                        if (pod != null) {
                            events.warning(pod, "MigSliceRecreated", "the slice of claim " + claim.getMetadata().getName()
                                    + " was missing on " + spec.gpuUUID() + " and was made again as " + uuid
                                    + "; a running container may need a restart to see it");
                        }
                    } catch (AllocationException ex) {
                        failures++;
                    }
                }
            }
            // Specs. One on disk is rewritten when a claim it names now has another MIG UUID (its slice was made
            // again); it is matched to its container by the pod and container it holds, not by its file name (they
            // differ after a repaired crossing), and it keeps the claims it names (an init container's spec names
            // claims it borrowed). A container whose claims are all in use but which has no spec gets one.
            List<MigSlice> now = backend.slices();
            Map<String, AllocationClaim> keptByName = new LinkedHashMap<>();
            kept.forEach(c -> keptByName.put(c.getMetadata().getName(), c));
            Set<String> holders = new HashSet<>();
            for (CdiSpecDirectory.StoredSpec spec : cdi.list()) {
                ContainerSlices have = spec.slices();
                if (livePodByUid(have.podUid()).isEmpty()) {
                    cdi.remove(spec.file());
                    removed++;
                    LOG.info("removed CDI spec {}: its pod is gone", spec.file().getFileName());
                    continue;
                }
                holders.add(have.podUid() + "/" + have.container());
                List<AllocationClaim> named = have.claims().stream().map(keptByName::get).toList();
                if (named.contains(null)) {
                    continue; // a claim it names is gone or not ours to judge yet; the pod's end removes the spec
                }
                Optional<ContainerSlices> want = contentOf(have, named, now);
                if (want.isPresent() && !want.get().slices().equals(have.slices())) {
                    cdi.write(want.get(), spec.names());
                    written++;
                }
            }
            for (var e : ownClaimsByContainer(kept).entrySet()) {
                if (holders.contains(e.getKey())) {
                    continue;
                }
                List<AllocationClaim> own = e.getValue();
                var ref = own.getFirst().getSpec().podRef();
                ContainerSlices empty = new ContainerSlices(ref.uid(), ref.namespace(), ref.name(),
                        own.getFirst().getSpec().containerName(), Map.of(), List.of());
                Optional<ContainerSlices> want = contentOf(empty, own, now);
                if (want.isPresent()) {
                    cdi.write(want.get());
                    written++;
                }
            }
        } catch (GpuBackendException | RuntimeException e) {
            failures++;
            LOG.warn("reconciliation pass failed; the next pass retries: {}", e.getMessage());
        } finally {
            gpuLock.unlock();
        }
        Pass pass = new Pass(released, recreated, orphans, written, removed, failures);
        if (pass.repairs() > 0 || failures > 0) {
            metrics.repaired(pass.repairs());
            LOG.info("reconciliation: {}", pass);
        }
        return pass;
    }

    private static Map<String, List<AllocationClaim>> ownClaimsByContainer(List<AllocationClaim> kept) {
        Map<String, List<AllocationClaim>> out = new TreeMap<>();
        for (AllocationClaim c : kept) {
            out.computeIfAbsent(c.getSpec().podRef().uid() + "/" + c.getSpec().containerName(), k -> new ArrayList<>()).add(c);
        }
        return out;
    }

    /** What a spec holding these claims should say; empty unless every claim is in use with its slice present. */
    private static Optional<ContainerSlices> contentOf(ContainerSlices holder, List<AllocationClaim> claims, List<MigSlice> slices) {
        Map<String, List<String>> uuids = new TreeMap<>();
        for (AllocationClaim c : claims.stream().sorted(Comparator.comparing(x -> x.getMetadata().getName())).toList()) {
            if (ClaimStatusWriter.stateOf(c) != ClaimState.IN_USE) {
                return Optional.empty();
            }
            var s = c.getSpec();
            Optional<MigSlice> slice = slices.stream().filter(x -> x.complete()
                    && x.at(s.gpuUUID(), s.migPlacement().start(), s.migPlacement().size())).findFirst();
            if (slice.isEmpty()) {
                return Optional.empty();
            }
            uuids.computeIfAbsent(s.profile(), k -> new ArrayList<>()).add(slice.get().migUuid());
        }
        return Optional.of(new ContainerSlices(holder.podUid(), holder.namespace(), holder.podName(), holder.container(),
                uuids, claims.stream().map(c -> c.getMetadata().getName()).sorted().toList()));
    }

    private Optional<Pod> livePod(AllocationClaim claim) {
        return livePodByUid(claim.getSpec().podRef().uid());
    }

    /** On this node and not ended. A pod being deleted still counts until its containers have stopped and it is gone. */
    private Optional<Pod> livePodByUid(String uid) {
        return cache.pod(uid).filter(p -> {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            return !"Succeeded".equals(phase) && !"Failed".equals(phase);
        });
    }
}
