package com.redhat.das.node.lifecycle;

import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.node.backend.GpuBackend;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.node.cdi.ContainerSlices;
import com.redhat.das.node.metrics.NodeMetrics;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of Allocate. The kubelet does not say which pod it is admitting, only the resource and device IDs; it
 * admits pods one at a time as they arrive on the node (a batch oldest first), and a pod's containers in order, init
 * containers first. So the container being admitted is the first one, in that order, among the node's live pods
 * whose request for this resource matches
 * the number of devices and which has not had its slices yet. Its claims — written by the allocator before the pod
 * was bound — say on which GPU and at which placement each slice goes. The mapping is checked afterwards against
 * the kubelet's pod-resources API ({@code AssignmentAudit}).
 *
 * <p>The first Allocate for a container makes all of its slices, every profile, and writes one CDI spec holding
 * them; an Allocate for the container's next profile finds them made. If the claims do not arrive within the wait,
 * Allocate fails: a container never starts without its slice.
 */
public final class SliceProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(SliceProvisioner.class);

    /** A container's share of one resource, handed out by one Allocate call. */
    public record Assignment(String podUid, String namespace, String podName, String container, String profile,
                             List<String> deviceIds, String cdiDevice) {
    }

    private record Target(Pod pod, Container container) {
    }

    private final NodeCache cache;
    private final GpuBackend backend;
    private final Map<String, GpuInventory> gpus;
    private final ClaimStatusWriter claims;
    private final CdiSpecDirectory cdi;
    private final PodEvents events;
    private final NodeMetrics metrics;
    private final Duration claimWait;
    private final Lock gpuLock;
    private final Object changed = new Object();
    /** (pod uid, container, profile) handed out, or refused, by this process; claims in processing/inUse say the same across restarts. */
    private final Map<String, Assignment> assignments = new ConcurrentHashMap<>();
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    /**
     * (pod uid, container, profile) whose claims were taken up before this process started: the kubelet admitted
     * those containers already and will not call Allocate for them again.
     */
    private final Set<String> admittedBeforeStart = ConcurrentHashMap.newKeySet();

    public SliceProvisioner(NodeCache cache, GpuBackend backend, List<GpuInventory> gpus, ClaimStatusWriter claims,
                            CdiSpecDirectory cdi, PodEvents events, NodeMetrics metrics, Duration claimWait, Lock gpuLock) {
        this.cache = cache;
        this.backend = backend;
        this.gpus = new LinkedHashMap<>();
        gpus.forEach(g -> this.gpus.put(g.uuid(), g));
        this.claims = claims;
        this.cdi = cdi;
        this.events = events;
        this.metrics = metrics;
        this.claimWait = claimWait;
        this.gpuLock = gpuLock;
        cache.onPod(p -> wake());
        cache.onClaim(c -> wake());
        for (AllocationClaim c : cache.claims()) {
            if (c.getSpec() != null && c.getSpec().podRef() != null && ClaimStatusWriter.stateOf(c) != ClaimState.CREATED) {
                admittedBeforeStart.add(key(c.getSpec().podRef().uid(), c.getSpec().containerName(), c.getSpec().profile()));
            }
        }
    }

    private void wake() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /** Assignments made by this process, for the audit against the kubelet's view. */
    public List<Assignment> assignments() {
        return List.copyOf(assignments.values());
    }

    /**
     * Records what the kubelet really did: the containers {@code a} and {@code b} got each other's devices, for every
     * profile (Allocate made all of a container's slices at once).
     */
    public void crossed(Assignment a, Assignment b) {
        Map<String, Assignment> ofA = new java.util.HashMap<>();
        Map<String, Assignment> ofB = new java.util.HashMap<>();
        assignments.values().forEach(x -> {
            if (x.podUid().equals(a.podUid()) && x.container().equals(a.container())) {
                ofA.put(x.profile(), x);
            } else if (x.podUid().equals(b.podUid()) && x.container().equals(b.container())) {
                ofB.put(x.profile(), x);
            }
        });
        for (String profile : ofA.keySet()) {
            Assignment xa = ofA.get(profile);
            Assignment xb = ofB.get(profile);
            if (xb == null) {
                continue;
            }
            assignments.put(key(xb.podUid(), xb.container(), profile), new Assignment(xb.podUid(), xb.namespace(), xb.podName(),
                    xb.container(), profile, xa.deviceIds(), xa.cdiDevice()));
            assignments.put(key(xa.podUid(), xa.container(), profile), new Assignment(xa.podUid(), xa.namespace(), xa.podName(),
                    xa.container(), profile, xb.deviceIds(), xb.cdiDevice()));
        }
    }

    /** Forget a pod that ended (its slices are gone). */
    public void forget(String podUid) {
        assignments.keySet().removeIf(k -> k.startsWith(podUid + "/"));
        refused.removeIf(k -> k.startsWith(podUid + "/"));
        admittedBeforeStart.removeIf(k -> k.startsWith(podUid + "/"));
    }

    /**
     * Allocate for one container and one resource.
     *
     * @return the fully qualified CDI device name the container gets for this profile
     */
    public synchronized Assignment allocate(String profile, List<String> deviceIds) throws AllocationException {
        long deadline = System.nanoTime() + claimWait.toNanos();
        Target target;
        List<AllocationClaim> containerClaims;
        while (true) {
            target = findTarget(profile, deviceIds.size());
            containerClaims = target == null ? List.of() : claimsReady(target);
            if (containerClaims != null && target != null) {
                break;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw refuse(target, profile, deviceIds.size());
            }
            synchronized (changed) {
                try {
                    changed.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AllocationException("interrupted while waiting for the pod's AllocationClaims");
                }
            }
        }
        Pod pod = target.pod();
        String uid = pod.getMetadata().getUid();
        String container = target.container().getName();
        Map<String, List<String>> uuidsByProfile;
        // Slices and spec under one lock: a reconciliation pass must never see the slices without the spec (it would
        // write a spec of its own, from this container's own claims only).
        gpuLock.lock();
        try {
            uuidsByProfile = provision(pod, container, containerClaims);
            cdi.write(new ContainerSlices(uid, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), container,
                    uuidsByProfile, containerClaims.stream().map(c -> c.getMetadata().getName()).sorted().toList()));
        } finally {
            gpuLock.unlock();
        }
        String device = CdiSpecDirectory.qualifiedDeviceName(uid, pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                container, profile);
        Assignment assignment = new Assignment(uid, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), container,
                profile, List.copyOf(deviceIds), device);
        assignments.put(key(uid, container, profile), assignment);
        LOG.info("Allocate {} x{}: pod {}/{} container {} gets {} ({})", profile, deviceIds.size(),
                pod.getMetadata().getNamespace(), pod.getMetadata().getName(), container, uuidsByProfile.get(profile), device);
        metrics.allocateSucceeded();
        return assignment;
    }

    /** The first container, in the kubelet's admission order, that asks {@code count} × {@code profile} and has not had it. */
    private Target findTarget(String profile, int count) {
        for (Pod pod : cache.podsInAdmissionOrder()) {
            if (pod.getMetadata().getDeletionTimestamp() != null || ContainerRequests.ended(pod)) {
                continue;
            }
            String uid = pod.getMetadata().getUid();
            for (Container c : ContainerRequests.inAdmissionOrder(pod)) {
                Integer asked = ContainerRequests.slicesOf(c).get(profile);
                if (asked == null || asked != count) {
                    continue;
                }
                String key = key(uid, c.getName(), profile);
                // Not "are its claims taken up": the first Allocate of a container makes the slices of all its
                // profiles, and the kubelet then calls Allocate once more per remaining profile, in any order.
                if (assignments.containsKey(key) || refused.contains(key) || admittedBeforeStart.contains(key)) {
                    continue;
                }
                return new Target(pod, c);
            }
        }
        return null;
    }

    /**
     * The claims whose slices the container sees, once there is one per requested slice of every profile; else
     * {@code null}. An app container sees its own claims. An init container sees its own (the slices it needs beyond
     * what the app containers ask) and then borrows the pod's other claims of the profile: init containers run
     * before the app containers, and the kubelet hands their devices on, just as the allocator counted them.
     */
    private List<AllocationClaim> claimsReady(Target target) {
        Map<String, Integer> wanted = ContainerRequests.slicesOf(target.container());
        String container = target.container().getName();
        boolean init = ContainerRequests.isInit(target.pod(), container);
        List<AllocationClaim> podClaims = cache.claimsOf(target.pod().getMetadata().getUid()).stream()
                .filter(c -> c.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparing((AllocationClaim c) -> !container.equals(c.getSpec().containerName()))
                        .thenComparing(c -> c.getMetadata().getName()))
                .toList();
        List<AllocationClaim> chosen = new ArrayList<>();
        for (var e : wanted.entrySet()) {
            List<AllocationClaim> ofProfile = podClaims.stream()
                    .filter(c -> e.getKey().equals(c.getSpec().profile()))
                    .filter(c -> init || container.equals(c.getSpec().containerName()))
                    .toList();
            if (init ? ofProfile.size() < e.getValue() : ofProfile.size() != e.getValue()) {
                return null;
            }
            chosen.addAll(ofProfile.subList(0, e.getValue()));
        }
        return chosen.stream().sorted(Comparator.comparing(c -> c.getMetadata().getName())).toList();
    }

    private AllocationException refuse(Target target, String profile, int count) {
        metrics.allocateFailed();
        String resource = ResourceNames.resourceName(profile);
        if (target == null) {
            String message = "no pod on this node waits for " + count + " x " + resource + "; the container is not started without its MIG slice";
            LOG.warn("Allocate {} x{} refused: {}", profile, count, message);
            return new AllocationException(message);
        }
        Pod pod = target.pod();
        String uid = pod.getMetadata().getUid();
        for (String p : ContainerRequests.slicesOf(target.container()).keySet()) {
            refused.add(key(uid, target.container().getName(), p));
        }
        String message = "no AllocationClaim for pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                + " container " + target.container().getName() + " (" + count + " x " + resource + ") arrived within "
                + claimWait.toSeconds() + "s; the container is not started without its MIG slice. Pods asking for "
                + ResourceNames.DAS_PREFIX + "* must be scheduled by das-scheduler";
        LOG.warn("Allocate refused: {}", message);
        events.warning(pod, "MigSliceUnavailable", message);
        return new AllocationException(message);
    }

    /** Makes (or finds) every slice of the container's claims; returns profile → MIG UUIDs. */
    private Map<String, List<String>> provision(Pod pod, String container, List<AllocationClaim> containerClaims)
            throws AllocationException {
        Map<String, List<String>> uuids = new java.util.TreeMap<>();
        List<String> made = new ArrayList<>();
        gpuLock.lock();
        try {
            for (AllocationClaim listed : containerClaims) {
                String name = listed.getMetadata().getName();
                AllocationClaim claim;
                try {
                    claim = claims.takeUp(name).orElseThrow(() -> new AllocationException("AllocationClaim " + name
                            + " was released before its slice was made (did the pod end?)"));
                } catch (KubernetesClientException e) {
                    throw new AllocationException("cannot take up AllocationClaim " + name + ": " + e.getMessage());
                }
                boolean existed = ClaimStatusWriter.stateOf(claim) == ClaimState.IN_USE;
                String migUuid = ensureSlice(pod, claim);
                uuids.computeIfAbsent(claim.getSpec().profile(), k -> new ArrayList<>()).add(migUuid);
                if (!existed) {
                    made.add(claim.getSpec().profile() + " " + migUuid + " on " + claim.getSpec().gpuUUID() + " at slice "
                            + claim.getSpec().migPlacement().start());
                }
            }
        } finally {
            gpuLock.unlock();
        }
        if (!made.isEmpty()) {
            events.normal(pod, "MigSlicesReady", "container " + container + ": " + String.join("; ", made));
        }
        return uuids;
    }

    /** The claim's slice: adopted when the GPU already holds it at that placement, else created. */
    public String ensureSlice(Pod pod, AllocationClaim claim) throws AllocationException {
        var spec = claim.getSpec();
        int start = spec.migPlacement().start();
        int size = spec.migPlacement().size();
        try {
            Optional<MigSlice> present = backend.slices().stream().filter(s -> s.at(spec.gpuUUID(), start, size)).findFirst();
            if (present.isPresent() && present.get().complete()) {
                return adopt(claim, present.get());
            }
            if (present.isPresent()) {
                // a GPU instance without its compute instance: a crash between the two calls; start over
                backend.destroy(spec.gpuUUID(), present.get().gpuInstanceId());
            }
            GpuProfile profile = profileOf(spec.gpuUUID(), spec.profile());
            long t0 = System.nanoTime();
            MigSlice slice = backend.create(spec.gpuUUID(), profile, start);
            metrics.sliceCreate().record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            claims.inUse(claim, slice.migUuid());
            return slice.migUuid();
        } catch (GpuBackendException | IllegalArgumentException e) {
            String reason = "cannot create " + spec.profile() + " at slice " + start + " on " + spec.gpuUUID() + ": " + e.getMessage();
            try {
                claims.failed(claim, reason);
            } catch (RuntimeException writeFailed) {
                LOG.warn("could not mark claim {} failed: {}", claim.getMetadata().getName(), writeFailed.getMessage());
            }
            if (pod != null) {
                events.warning(pod, "MigSliceFailed", reason);
            }
            throw new AllocationException(reason);
        }
    }

    private String adopt(AllocationClaim claim, MigSlice slice) {
        String recorded = claim.getStatus() == null ? null : claim.getStatus().migUUID();
        if (ClaimStatusWriter.stateOf(claim) != ClaimState.IN_USE || !slice.migUuid().equals(recorded)) {
            claims.inUse(claim, slice.migUuid());
        }
        return slice.migUuid();
    }

    GpuProfile profileOf(String gpuUuid, String profileName) {
        GpuInventory gpu = gpus.get(gpuUuid);
        if (gpu == null) {
            throw new IllegalArgumentException("GPU " + gpuUuid + " is not on this node (it has " + gpus.keySet() + ")");
        }
        return gpu.profiles().stream().filter(p -> p.name().equals(profileName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("GPU " + gpuUuid + " (" + gpu.model() + ") offers no profile " + profileName));
    }

    private static String key(String uid, String container, String profile) {
        return uid + "/" + container + "/" + profile;
    }
}
