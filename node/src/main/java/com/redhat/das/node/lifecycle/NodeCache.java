package com.redhat.das.node.lifecycle;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the daemon watches: the pods bound to its node and the AllocationClaims naming its node (a selectable field,
 * so the API server filters and no daemon holds the whole cluster's claims).
 */
public final class NodeCache implements AutoCloseable {

    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<AllocationClaim> claims;
    private final List<Consumer<Pod>> podListeners = new CopyOnWriteArrayList<>();
    /**
     * The order in which pods arrived on the node (were bound to it), as this watch saw it. The kubelet watches the
     * same API and admits pods as they arrive, so this is its admission order; pods already here at start-up share
     * 0 and fall back to their creation time, as the kubelet sorts a batch.
     */
    private final Map<String, Long> arrival = new ConcurrentHashMap<>();
    private final AtomicLong arrivals = new AtomicLong();
    private volatile boolean synced;
    private final List<Consumer<AllocationClaim>> claimListeners = new CopyOnWriteArrayList<>();

    private NodeCache(SharedIndexInformer<Pod> pods, SharedIndexInformer<AllocationClaim> claims) {
        this.pods = pods;
        this.claims = claims;
    }

    public static NodeCache start(KubernetesClient client, String nodeName, String namespace, Duration syncTimeout) {
        SharedIndexInformer<Pod> pods = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName)
                .runnableInformer(0);
        SharedIndexInformer<AllocationClaim> claims = client.resources(AllocationClaim.class).inNamespace(namespace)
                .withField("spec.nodename", nodeName).runnableInformer(0);
        NodeCache cache = new NodeCache(pods, claims);
        cache.onPod(p -> cache.arrival.computeIfAbsent(p.getMetadata().getUid(),
                uid -> cache.synced ? cache.arrivals.incrementAndGet() : 0L));
        pods.addEventHandler(handler(cache.podListeners));
        claims.addEventHandler(handler(cache.claimListeners));
        try {
            // start() completes once the informer has listed everything: Allocate must not run on a half-empty cache
            CompletableFuture.allOf(pods.start().toCompletableFuture(), claims.start().toCompletableFuture())
                    .get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
            cache.synced = true;
        } catch (Exception e) {
            cache.close();
            throw new IllegalStateException("pod and claim caches did not sync within " + syncTimeout + ": " + e.getMessage(), e);
        }
        return cache;
    }

    private static <T> ResourceEventHandler<T> handler(List<Consumer<T>> listeners) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                listeners.forEach(l -> l.accept(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                listeners.forEach(l -> l.accept(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                listeners.forEach(l -> l.accept(obj));
            }
        };
    }

    /** Called for every add, update and delete of a pod on this node (on the informer's thread: keep it short). */
    public void onPod(Consumer<Pod> listener) {
        podListeners.add(listener);
    }

    public void onClaim(Consumer<AllocationClaim> listener) {
        claimListeners.add(listener);
    }

    /** The node's pods in the order the kubelet admits them: as they arrived, then oldest first. */
    public List<Pod> podsInAdmissionOrder() {
        List<Pod> all = pods.getStore().list();
        arrival.keySet().retainAll(all.stream().map(p -> p.getMetadata().getUid()).toList()); // forget departed pods
        return all.stream()
                .sorted(Comparator.comparing((Pod p) -> arrival.getOrDefault(p.getMetadata().getUid(), 0L))
                        .thenComparing(p -> p.getMetadata().getCreationTimestamp())
                        .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()))
                .toList();
    }

    public Optional<Pod> pod(String uid) {
        return pods.getStore().list().stream().filter(p -> uid.equals(p.getMetadata().getUid())).findFirst();
    }

    /** The pod of that uid on this node, unless it is being deleted or has ended. */
    public Optional<Pod> livePod(String uid) {
        return pod(uid).filter(p -> p.getMetadata().getDeletionTimestamp() == null && !ContainerRequests.ended(p));
    }

    public List<AllocationClaim> claims() {
        return claims.getStore().list();
    }

    public List<AllocationClaim> claimsOf(String podUid) {
        return claims().stream().filter(c -> c.getSpec() != null && c.getSpec().podRef() != null
                && podUid.equals(c.getSpec().podRef().uid())).toList();
    }

    @Override
    public void close() {
        pods.close();
        claims.close();
    }
}
