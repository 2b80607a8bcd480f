package com.redhat.das.allocator;

import com.redhat.das.allocator.claims.CapacitySignal;
import com.redhat.das.allocator.claims.ClaimCollector;
import com.redhat.das.allocator.claims.ClaimWriter;
import com.redhat.das.allocator.grpc.AllocatorService;
import com.redhat.das.api.transport.UnixSocketServer;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.placement.PlacementEngine;
import com.redhat.das.allocator.placement.PlacementPolicy;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The allocator process: informers feed the cluster model, and only once they have synced does the socket accept
 * das-scheduler's calls, so a restarted allocator never answers from an empty picture of the cluster.
 */
public final class Allocator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Allocator.class);

    /**
     * @param socket         Unix socket to serve on
     * @param namespace      namespace of the DAS resources
     * @param policy         placement policy
     * @param reservationTtl how long an assumed reservation waits for PreBind
     * @param gcInterval     how often every claim is checked by the collector
     * @param gcGrace        how long a new claim may wait for its pod to show up in the cache
     */
    public record Settings(Path socket, String namespace, PlacementPolicy policy, Duration reservationTtl, Duration gcInterval,
                           Duration gcGrace) {
    }

    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "allocator-timers");
        t.setDaemon(true);
        return t;
    });
    private final ClusterModel model;
    private UnixSocketServer server;

    private Allocator(ClusterModel model) {
        this.model = model;
    }

    public static Allocator start(KubernetesClient client, Settings settings) {
        Clock clock = Clock.systemUTC();
        ClusterModel model = new ClusterModel(clock, settings.reservationTtl(), settings.reservationTtl().multipliedBy(5));
        Allocator a = new Allocator(model);
        try {
            a.run(client, settings, clock);
            return a;
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    private void run(KubernetesClient client, Settings s, Clock clock) {
        long t0 = System.nanoTime();
        SharedIndexInformer<NodeAccelerator> accelerators = client.resources(NodeAccelerator.class).inNamespace(s.namespace())
                .inform(handler(model::upsertNodeAccelerator, na -> model.removeNodeAccelerator(na.getMetadata().getName())));
        SharedIndexInformer<AllocationClaim> claims = client.resources(AllocationClaim.class).inNamespace(s.namespace())
                .inform(handler(model::upsertClaim, c -> model.removeClaim(c.getMetadata().getName())));
        // Only pods das-scheduler schedules can hold slices.
        SharedIndexInformer<Pod> pods = client.pods().inAnyNamespace().withField("spec.schedulerName", "das-scheduler").inform();
        SharedIndexInformer<Node> nodes = client.nodes().inform();
        informers.addAll(List.of(accelerators, claims, pods, nodes));
        LOG.info("Informers synced in {} ms: {} nodes with DAS GPUs, {} claims", (System.nanoTime() - t0) / 1_000_000,
                model.nodes().size(), claims.getStore().list().size());

        ClaimWriter writer = new ClaimWriter(client, s.namespace());
        CapacitySignal signal = new CapacitySignal(client, s.namespace(), clock);
        model.onCapacityFreed(signal::freed);
        timers.scheduleWithFixedDelay(() -> {
            try {
                signal.flush();
            } catch (RuntimeException e) {
                LOG.warn("capacity signal failed: {}", e.toString());
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        ClaimCollector collector = new ClaimCollector(client, s.namespace(), claims.getStore(), pods.getStore(),
                node -> nodes.getStore().getByKey(node) != null, model, clock, s.gcGrace());
        pods.addEventHandler(handler(p -> {
            String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                timers.execute(collector::collect);
            }
        }, p -> {
            collector.podDeleted(p.getMetadata().getUid());
            timers.execute(collector::collect);
        }));
        timers.scheduleWithFixedDelay(() -> model.expireReservations()
                        .forEach(r -> LOG.info("reservation of {} on {} expired", r.podName(), r.node())),
                1, 1, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(() -> {
            try {
                collector.collect();
            } catch (RuntimeException e) {
                LOG.warn("claim collection failed: {}", e.toString());
            }
        }, 0, s.gcInterval().toMillis(), TimeUnit.MILLISECONDS);

        server = UnixSocketServer.start(s.socket(), new AllocatorService(model, new PlacementEngine(model, s.policy()), writer));
        LOG.info("DAS allocator serving on {} (policy {})", s.socket(), s.policy().name());
    }

    public ClusterModel model() {
        return model;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        timers.shutdownNow();
        informers.forEach(SharedIndexInformer::close);
    }

    private static <T> ResourceEventHandler<T> handler(java.util.function.Consumer<T> upsert, java.util.function.Consumer<T> delete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                upsert.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                upsert.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                delete.accept(obj);
            }
        };
    }
}
