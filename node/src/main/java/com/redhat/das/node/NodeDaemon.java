package com.redhat.das.node;

import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.node.backend.GpuBackend;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.GpuBackends;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.node.deviceplugin.DevicePluginServers;
import com.redhat.das.node.deviceplugin.ProfileDevicePlugin;
import com.redhat.das.node.lifecycle.ClaimStatusWriter;
import com.redhat.das.node.lifecycle.NodeCache;
import com.redhat.das.node.lifecycle.PodEvents;
import com.redhat.das.node.lifecycle.SliceProvisioner;
import com.redhat.das.node.lifecycle.SliceReleaser;
import com.redhat.das.node.metrics.NodeMetrics;
import com.redhat.das.node.publish.NodeAcceleratorPublisher;
import com.redhat.das.node.reconcile.AssignmentAudit;
import com.redhat.das.node.reconcile.NodeReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node daemon: finds the GPUs, publishes the NodeAccelerator, reconciles what the GPUs hold with the claims and
 * CDI specs, then serves one device plugin per profile. After that, every pod or claim change (and a timer) runs a
 * reconciliation pass on one thread — the passes tear down slices of ended pods, retry what failed and republish
 * the occupancy.
 */
public final class NodeDaemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeDaemon.class);

    /**
     * @param podResourcesSocket the kubelet's pod-resources socket, for the assignment audit (null: no audit)
     * @param metricsPort        -1: no metrics server; 0: any free port
     */
    public record Settings(String nodeName, String namespace, GpuBackends.Choice backend, Path devicePluginDir,
                           Path podResourcesSocket, Path cdiDir, Duration claimWait, Duration reconcileInterval,
                           String metricsBind, int metricsPort) {
        public Settings {
            Objects.requireNonNull(nodeName, "nodeName");
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(backend, "backend");
            Objects.requireNonNull(devicePluginDir, "devicePluginDir");
            Objects.requireNonNull(cdiDir, "cdiDir");
        }
    }

    private final Settings settings;
    private final GpuBackend backend;
    private final NodeMetrics metrics;
    private final NodeCache cache;
    private final NodeAcceleratorPublisher publisher;
    private final List<GpuInventory> gpus;
    private final SliceProvisioner provisioner;
    private final NodeReconciler reconciler;
    private final AssignmentAudit audit;
    private final DevicePluginServers servers;
    private final ScheduledExecutorService passes;
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private final int metricsPort;
    private volatile String problem;

    private NodeDaemon(Settings settings, KubernetesClient client, GpuBackend backend) throws GpuBackendException {
        this.settings = settings;
        this.backend = backend;
        this.gpus = backend.devices();
        this.metrics = new NodeMetrics(backend.kind());
        this.publisher = new NodeAcceleratorPublisher(client, settings.nodeName(), settings.namespace());
        publisher.publishSpec(gpus, backend.kind().equals("emulated"));
        if (gpus.isEmpty()) {
            problem = "no MIG-enabled GPU found through the " + backend.kind() + " backend";
            LOG.warn("{}: {}", settings.nodeName(), problem);
        }
        this.cache = NodeCache.start(client, settings.nodeName(), settings.namespace(), Duration.ofSeconds(60));
        ReentrantLock gpuLock = new ReentrantLock();
        ClaimStatusWriter claims = new ClaimStatusWriter(client, settings.namespace());
        CdiSpecDirectory cdi = new CdiSpecDirectory(settings.cdiDir());
        PodEvents events = new PodEvents(client, settings.nodeName());
        this.provisioner = new SliceProvisioner(cache, backend, gpus, claims, cdi, events, metrics, settings.claimWait(), gpuLock);
        SliceReleaser releaser = new SliceReleaser(backend, claims, cdi, metrics, gpuLock);
        this.reconciler = new NodeReconciler(cache, backend, provisioner, releaser, cdi, events, metrics, gpuLock);
        this.audit = new AssignmentAudit(settings.podResourcesSocket(), provisioner::assignments, cdi, cache, claims, events,
                provisioner::crossed);
        NodeReconciler.Pass first = reconciler.reconcile();
        LOG.info("start-up reconciliation: {}", first);
        publishStatus();
        this.passes = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("das-node-reconcile").factory());
        cache.onPod(p -> requestPass());
        cache.onClaim(c -> requestPass());
        passes.scheduleWithFixedDelay(this::requestPass, settings.reconcileInterval().toMillis(),
                settings.reconcileInterval().toMillis(), TimeUnit.MILLISECONDS);
        List<ProfileDevicePlugin> plugins = new ArrayList<>();
        for (String profile : profiles(gpus)) {
            plugins.add(new ProfileDevicePlugin(profile, gpus, provisioner));
        }
        this.servers = DevicePluginServers.start(settings.devicePluginDir(), plugins);
        this.metricsPort = settings.metricsPort() < 0 ? -1
                : metrics.serve(settings.metricsBind(), settings.metricsPort(), servers::healthy);
        LOG.info("node daemon for {} ready: {} GPU(s) through {}, {} device plugin(s) in {}, metrics on {}", settings.nodeName(),
                gpus.size(), backend.kind(), plugins.size(), settings.devicePluginDir(), metricsPort < 0 ? "none" : metricsPort);
    }

    public static NodeDaemon start(KubernetesClient client, Settings settings) {
        GpuBackend backend = GpuBackends.open(settings.backend(), settings.nodeName());
        try {
            return new NodeDaemon(settings, client, backend);
        } catch (GpuBackendException | RuntimeException e) {
            backend.close();
            throw new IllegalStateException("node daemon for " + settings.nodeName() + " could not start: " + e.getMessage(), e);
        }
    }

    /** The profiles served as device plugins: every profile some GPU offers, in name order. */
    public static TreeSet<String> profiles(List<GpuInventory> gpus) {
        TreeSet<String> out = new TreeSet<>();
        gpus.forEach(g -> g.profiles().stream().map(GpuProfile::name).forEach(out::add));
        return out;
    }

    /** Queues one reconciliation pass unless one is already waiting (bursts of events cost one pass). */
    public void requestPass() {
        if (passQueued.compareAndSet(false, true)) {
            try {
                passes.execute(this::pass);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                passQueued.set(false); // closing
            }
        }
    }

    private void pass() {
        passQueued.set(false);
        try {
            reconciler.reconcile();
            if (!provisioner.assignments().isEmpty()) {
                audit.audit();
            }
            publishStatus();
        } catch (RuntimeException e) {
            LOG.warn("reconciliation pass failed: {}", e.getMessage(), e);
        }
    }

    private void publishStatus() {
        try {
            publisher.publishStatus(gpus, backend.slices(), backend.kind(), problem);
        } catch (GpuBackendException e) {
            publisher.publishStatus(gpus, List.of(), backend.kind(), "cannot list MIG instances: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("could not publish NodeAccelerator status: {}", e.getMessage());
        }
    }

    public GpuBackend backend() {
        return backend;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public int metricsPort() {
        return metricsPort;
    }

    public DevicePluginServers devicePlugins() {
        return servers;
    }

    public Settings settings() {
        return settings;
    }

    /** One pass now, on the caller's thread (tests, and the start-up path). */
    public NodeReconciler.Pass reconcileNow() {
        return reconciler.reconcile();
    }

    @Override
    public void close() {
        passes.shutdownNow();
        try {
            passes.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        servers.close();
        cache.close();
        LOG.info("node daemon for {}: slice latency {}", settings.nodeName(), metrics.summary());
        metrics.close();
        backend.close();
        LOG.info("node daemon for {} stopped", settings.nodeName());
    }
}
