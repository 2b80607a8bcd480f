package com.redhat.das.node.lifecycle;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
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
        pods.addEventHandler(handler(cache.podListeners));
        claims.addEventHandler(handler(cache.claimListeners));
        try {
            // start() completes once the informer has listed everything: Allocate must not run on a half-empty cache
            CompletableFuture.allOf(pods.start().toCompletableFuture(), claims.start().toCompletableFuture())
                    .get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
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

    /** The node's pods, oldest first, as the kubelet admits them. */
    public List<Pod> podsOldestFirst() {
        return pods.getStore().list().stream()
                .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp())
                        .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()))
                .toList();
    }

    public Optional<Pod> pod(String uid) {
        return pods.getStore().list().stream().filter(p -> uid.equals(p.getMetadata().getUid())).findFirst();
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
