package com.redhat.das.node.lifecycle;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.AllocationClaimStatus;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.PodReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's writes to AllocationClaims. Every write carries the resourceVersion it read, so a concurrent change
 * by the allocator (which releases claims of ended pods) makes it fail instead of overwriting: taking up a claim and
 * the allocator's removal of a never-started claim's finalizer cannot both succeed.
 */
public final class ClaimStatusWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimStatusWriter.class);

    private final KubernetesClient client;
    private final String namespace;

    public ClaimStatusWriter(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    public Optional<AllocationClaim> fresh(String name) {
        return Optional.ofNullable(resource(name).get());
    }

    /**
     * Moves a claim from {@code created} to {@code processing}: from now on the slice is this daemon's to make and to
     * destroy. A claim already taken up is returned as it is (a repeated Allocate). Empty when the claim is gone or
     * being deleted.
     */
    public Optional<AllocationClaim> takeUp(String name) {
        AllocationClaim claim = resource(name).get();
        if (claim == null || claim.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        ClaimState state = stateOf(claim);
        if (state != ClaimState.CREATED) {
            return Optional.of(claim);
        }
        return Optional.of(writeStatus(claim, ClaimState.PROCESSING, null, null));
    }

    public AllocationClaim inUse(AllocationClaim claim, String migUuid) {
        return retrying(claim.getMetadata().getName(), c -> writeStatus(c, ClaimState.IN_USE, null, migUuid));
    }

    public AllocationClaim failed(AllocationClaim claim, String reason) {
        return retrying(claim.getMetadata().getName(), c -> writeStatus(c, ClaimState.FAILED, reason,
                c.getStatus() == null ? null : c.getStatus().migUUID()));
    }

    public AllocationClaim releasing(AllocationClaim claim) {
        return retrying(claim.getMetadata().getName(), c -> writeStatus(c, ClaimState.RELEASING, null,
                c.getStatus() == null ? null : c.getStatus().migUUID()));
    }

    /**
     * Re-points a claim at the container that really holds its slice (a crossed assignment found through the
     * kubelet's pod-resources API). Profile, node, GPU and placement stay: the API server enforces it.
     */
    public AllocationClaim repoint(String name, PodReference pod, String container) {
        return retrying(name, c -> {
            var s = c.getSpec();
            c.setSpec(new AllocationClaimSpec(s.profile(), pod, container, s.gpuUUID(), s.nodename(), s.migPlacement()));
            c.getMetadata().getLabels().put(AllocationClaim.POD_UID_LABEL, pod.uid());
            AllocationClaim written = client.resource(c).update();
            LOG.warn("claim {}: re-pointed from {}/{} {} to {}/{} {}", name, s.podRef().namespace(), s.podRef().name(),
                    s.containerName(), pod.namespace(), pod.name(), container);
            return written;
        });
    }

    /** The slice is gone: delete the claim (if nobody has) and remove the finalizer that held it. */
    public void release(String name) {
        try {
            resource(name).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            AllocationClaim fresh = resource(name).get();
            if (fresh == null || !fresh.getMetadata().getFinalizers().contains(AllocationClaim.FINALIZER)) {
                return;
            }
            fresh.getMetadata().getFinalizers().remove(AllocationClaim.FINALIZER);
            try {
                client.resource(fresh).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    return;
                }
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("could not remove the finalizer of claim " + name + " after 5 conflicts");
    }

    public static ClaimState stateOf(AllocationClaim claim) {
        return claim.getStatus() == null || claim.getStatus().state() == null ? ClaimState.CREATED : claim.getStatus().state();
    }

    private AllocationClaim writeStatus(AllocationClaim claim, ClaimState state, String reason, String migUuid) {
        List<io.fabric8.kubernetes.api.model.Condition> conditions = claim.getStatus() == null ? null : claim.getStatus().conditions();
        claim.setStatus(new AllocationClaimStatus(state, reason, migUuid, conditions));
        AllocationClaim written = client.resource(claim).updateStatus();
        LOG.info("claim {}: {}{}", claim.getMetadata().getName(), state.apiValue(),
                reason != null ? " (" + reason + ")" : migUuid != null ? " " + migUuid : "");
        return written;
    }

    private AllocationClaim retrying(String name, java.util.function.UnaryOperator<AllocationClaim> write) {
        KubernetesClientException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            AllocationClaim fresh = resource(name).get();
            if (fresh == null) {
                throw new IllegalStateException("claim " + name + " is gone");
            }
            try {
                return write.apply(fresh);
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private Resource<AllocationClaim> resource(String name) {
        return client.resources(AllocationClaim.class).inNamespace(namespace).withName(name);
    }
}
