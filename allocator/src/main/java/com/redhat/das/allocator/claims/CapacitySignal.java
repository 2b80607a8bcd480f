package com.redhat.das.allocator.claims;

import com.redhat.das.api.v1alpha1.NodeAccelerator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells das-scheduler that slices were freed on a node, <em>after</em> the allocator's model knows it.
 *
 * <p>A pod the allocator rejected waits in the scheduler until a cluster event makes it worth another try. The
 * obvious event, the claim's deletion, reaches the scheduler and the allocator at the same moment, and the scheduler's
 * retry often asks the allocator before the allocator's informer has seen it; the pod then waits for minutes. So once
 * the model has dropped a claim or a reservation, the allocator stamps the node's NodeAccelerator with an annotation,
 * and that update is the event the scheduler retries on. Stamps are coalesced per node; this is off the scheduling
 * path.
 */
public final class CapacitySignal {

    public static final String ANNOTATION = "inference.redhat.com/capacity-freed-at";
    private static final Logger LOG = LoggerFactory.getLogger(CapacitySignal.class);

    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();

    public CapacitySignal(KubernetesClient client, String namespace, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
    }

    /** Slices were freed on {@code node}; it is stamped at the next {@link #flush()}. */
    public void freed(String node) {
        pending.add(node);
    }

    /** Stamps every node freed since the last flush. */
    public void flush() {
        for (String node : pending) {
            pending.remove(node);
            String patch = "{\"metadata\":{\"annotations\":{\"" + ANNOTATION + "\":\"" + clock.instant() + "\"}}}";
            try {
                client.resources(NodeAccelerator.class).inNamespace(namespace).withName(node)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    LOG.warn("could not signal freed capacity on {}: {}", node, e.getMessage());
                }
            }
        }
    }
}
