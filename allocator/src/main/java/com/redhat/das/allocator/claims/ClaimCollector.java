package com.redhat.das.allocator.claims;

import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.cache.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases claims nobody needs any more, the job an ownerReference cannot do across namespaces:
 * <ul>
 *   <li>the pod is gone, or has ended (Succeeded, Failed), or runs on another node than the claim: the claim is
 *       deleted; its finalizer then waits for the node daemon to destroy the slice;</li>
 *   <li>a claim still in state {@code created} has no slice yet, so the allocator removes its finalizer itself (with
 *       an optimistic lock: if the node daemon has just picked it up, the removal fails and the daemon owns it);</li>
 *   <li>the claim's node no longer exists: nobody else will ever tear it down, so the allocator removes the finalizer.</li>
 * </ul>
 * A young claim whose pod the cache does not show yet is left alone for {@code grace}: the informer may lag.
 */
public final class ClaimCollector {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimCollector.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Store<AllocationClaim> claims;
    private final Store<Pod> pods;
    private final Function<String, Boolean> nodeExists;
    private final ClusterModel model;
    private final Clock clock;
    private final Duration grace;
    /** Pods the informer saw deleted: their claims need no grace period. */
    private final Set<String> deletedPods = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public ClaimCollector(KubernetesClient client, String namespace, Store<AllocationClaim> claims, Store<Pod> pods,
                          Function<String, Boolean> nodeExists, ClusterModel model, Clock clock, Duration grace) {
        this.client = client;
        this.namespace = namespace;
        this.claims = claims;
        this.pods = pods;
        this.nodeExists = nodeExists;
        this.model = model;
        this.clock = clock;
        this.grace = grace;
    }

    /** The informer saw this pod deleted; the next pass releases its claims at once. */
    public void podDeleted(String uid) {
        deletedPods.add(uid);
    }

    /** One pass over every claim; returns the names of the claims it acted on. */
    public synchronized List<String> collect() {
        Map<String, Pod> podsByUid = pods.list().stream()
                .collect(Collectors.toMap(p -> p.getMetadata().getUid(), p -> p, (a, b) -> a));
        List<String> acted = new ArrayList<>();
        Set<String> claimedPods = new java.util.HashSet<>();
        for (AllocationClaim claim : claims.list()) {
            if (claim.getSpec() != null && claim.getSpec().podRef() != null) {
                claimedPods.add(claim.getSpec().podRef().uid());
            }
            try {
                if (act(claim, podsByUid)) {
                    acted.add(claim.getMetadata().getName());
                }
            } catch (KubernetesClientException e) {
                LOG.warn("could not release {}: {}", claim.getMetadata().getName(), e.getMessage());
            }
        }
        deletedPods.retainAll(claimedPods);
        return acted;
    }

    private boolean act(AllocationClaim claim, Map<String, Pod> podsByUid) {
        String name = claim.getMetadata().getName();
        boolean deleting = claim.getMetadata().getDeletionTimestamp() != null;
        boolean hasFinalizer = claim.getMetadata().getFinalizers().contains(AllocationClaim.FINALIZER);
        String node = claim.getSpec() == null ? null : claim.getSpec().nodename();
        if (node != null && !nodeExists.apply(node)) {
            if (!deleting) {
                LOG.info("{}: node {} no longer exists; deleting the claim", name, node);
                claimResource(name).delete();
            }
            if (hasFinalizer) {
                removeFinalizer(claim, true, "its node " + node + " is gone");
            }
            return true;
        }
        if (deleting) {
            if (hasFinalizer && notStarted(claim)) {
                removeFinalizer(claim, false, "no slice was ever created for it");
                return true;
            }
            return false;
        }
        String why = whyUnneeded(claim, podsByUid);
        if (why == null) {
            return false;
        }
        LOG.info("{}: {}; releasing", name, why);
        claimResource(name).delete();
        if (hasFinalizer && notStarted(claim)) {
            removeFinalizer(claim, false, "no slice was ever created for it");
        }
        return true;
    }

    private String whyUnneeded(AllocationClaim claim, Map<String, Pod> podsByUid) {
        String uid = claim.getSpec().podRef() == null ? null : claim.getSpec().podRef().uid();
        Pod pod = uid == null ? null : podsByUid.get(uid);
        if (pod == null && uid != null && deletedPods.contains(uid)) {
            return "its pod " + claim.getSpec().podRef().namespace() + "/" + claim.getSpec().podRef().name() + " was deleted";
        }
        if (pod == null) {
            if (young(claim) || model.reservation(uid == null ? "" : uid).isPresent()) {
                return null;
            }
            // The cache may lag; ask the API before releasing anything.
            Pod live = client.pods().inNamespace(claim.getSpec().podRef().namespace()).withName(claim.getSpec().podRef().name()).get();
            if (live != null && uid.equals(live.getMetadata().getUid())) {
                pod = live;
            } else {
                return "its pod " + claim.getSpec().podRef().namespace() + "/" + claim.getSpec().podRef().name() + " is gone";
            }
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return "its pod ended (" + phase + ")";
        }
        String boundTo = pod.getSpec().getNodeName();
        if (boundTo != null && !boundTo.equals(claim.getSpec().nodename())) {
            return "its pod runs on " + boundTo + ", not on " + claim.getSpec().nodename();
        }
        if (boundTo == null && !young(claim) && model.reservation(uid).isEmpty()) {
            return "its pod was never bound (the binding was abandoned)";
        }
        return null;
    }

    private boolean young(AllocationClaim claim) {
        String created = claim.getMetadata().getCreationTimestamp();
        return created != null && Instant.parse(created).plus(grace).isAfter(clock.instant());
    }

    private static boolean notStarted(AllocationClaim claim) {
        return claim.getStatus() == null || claim.getStatus().state() == null || claim.getStatus().state() == ClaimState.CREATED;
    }

    private void removeFinalizer(AllocationClaim claim, boolean nodeGone, String why) {
        AllocationClaim fresh = claimResource(claim.getMetadata().getName()).get();
        if (fresh == null || !fresh.getMetadata().getFinalizers().contains(AllocationClaim.FINALIZER)) {
            return;
        }
        if (!nodeGone && !notStarted(fresh)) {
            return; // the node daemon has taken it up: tearing down is its job now
        }
        fresh.getMetadata().getFinalizers().remove(AllocationClaim.FINALIZER);
        // The update carries fresh's resourceVersion: if the node daemon changes the claim in between, it fails (409)
        // and the next pass looks again.
        client.resource(fresh).update();
        LOG.info("{}: finalizer removed ({})", claim.getMetadata().getName(), why);
    }

    private io.fabric8.kubernetes.client.dsl.Resource<AllocationClaim> claimResource(String name) {
        return client.resources(AllocationClaim.class).inNamespace(namespace).withName(name);
    }
}
