package com.redhat.das.allocator.claims;

import com.redhat.das.allocator.model.ClusterModel.Reservation;
import com.redhat.das.allocator.model.ClusterModel.ReservedSlice;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.AllocationClaimStatus;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.api.v1alpha1.PodReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a pod's reserved slices as AllocationClaims (PreBind): one claim per slice, state {@code created}, with the
 * finalizer the node daemon removes once the slice is destroyed. The only API writes on the scheduling path.
 *
 * <p>Claims live in the DAS namespace, so they cannot carry an ownerReference to the pod: Kubernetes forbids owners
 * in another namespace, and its garbage collector would delete such a claim as soon as it saw it. The allocator's
 * {@link ClaimCollector} plays that role instead, keyed by the pod's uid.
 */
public final class ClaimWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimWriter.class);

    private final KubernetesClient client;
    private final String namespace;
    private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();

    public ClaimWriter(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Creates (or finds, after a retry) every claim of the reservation; returns once all are stored. */
    public List<String> persist(Reservation reservation, String podNamespace, String podName) {
        List<Future<String>> writes = new ArrayList<>();
        for (ReservedSlice slice : reservation.slices()) {
            writes.add(writers.submit(() -> persistOne(reservation, slice, podNamespace, podName)));
        }
        List<String> names = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Future<String> w : writes) {
            try {
                names.add(w.get());
            } catch (ExecutionException e) {
                failures.add(e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add("interrupted");
            }
        }
        if (!failures.isEmpty()) {
            throw new ClaimWriteException("could not write the AllocationClaims of " + podNamespace + "/" + podName + ": "
                    + String.join("; ", failures));
        }
        return names;
    }

    private String persistOne(Reservation reservation, ReservedSlice reserved, String podNamespace, String podName) {
        var slice = reserved.slice();
        AllocationClaimSpec spec = new AllocationClaimSpec(slice.instance().profile().name(),
                PodReference.pod(podNamespace, podName, reservation.podUid()), slice.container(), reserved.gpuUuid(),
                reservation.node(), new MigPlacement(slice.instance().start(), slice.instance().profile().memorySlices()));
        AllocationClaim claim = new AllocationClaim();
        claim.setMetadata(new ObjectMetaBuilder().withName(slice.claimName()).withNamespace(namespace)
                .addToLabels(AllocationClaim.POD_UID_LABEL, reservation.podUid())
                .addToFinalizers(AllocationClaim.FINALIZER).build());
        claim.setSpec(spec);
        AllocationClaim stored;
        try {
            stored = claims().resource(claim).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
            stored = claims().withName(slice.claimName()).get();
            if (stored == null) {
                throw new ClaimWriteException(slice.claimName() + " was deleted while being written; retry");
            }
            if (!spec.equals(stored.getSpec())) {
                // Left by an earlier attempt on another GPU or node that was never rolled back: remove it; the
                // scheduler retries and the next attempt writes it afresh.
                claims().withName(slice.claimName()).delete();
                throw new ClaimWriteException(slice.claimName() + " existed with another placement (" + stored.getSpec().nodename()
                        + " " + stored.getSpec().gpuUUID() + "@" + stored.getSpec().migPlacement().start() + "); removed it, retry");
            }
            LOG.info("{} already existed with the same placement (a retried PreBind)", slice.claimName());
        }
        if (stored.getStatus() == null || stored.getStatus().state() == null) {
            stored.setStatus(new AllocationClaimStatus(ClaimState.CREATED, null, null, List.of()));
            claims().resource(stored).updateStatus();
        }
        return slice.claimName();
    }

    /** Deletes claims written for a pod whose binding was abandoned; in the background, missing ones ignored. */
    public void deleteLater(List<String> claimNames) {
        for (String name : claimNames) {
            writers.submit(() -> {
                try {
                    claims().withName(name).delete();
                } catch (KubernetesClientException e) {
                    LOG.warn("could not delete abandoned claim {}: {}", name, e.getMessage());
                }
            });
        }
    }

    private NonNamespaceOperation<AllocationClaim, KubernetesResourceList<AllocationClaim>, Resource<AllocationClaim>> claims() {
        return client.resources(AllocationClaim.class).inNamespace(namespace);
    }

    /** A PreBind that could not store every claim; the message says which and why. */
    public static final class ClaimWriteException extends RuntimeException {
        public ClaimWriteException(String message) {
            super(message);
        }
    }
}
