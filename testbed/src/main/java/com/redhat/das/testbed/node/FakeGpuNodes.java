package com.redhat.das.testbed.node;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.node.NodeDaemon;
import com.redhat.das.node.backend.emulated.EmulatedBackend;
import com.redhat.das.node.deviceplugin.ProfileDevicePlugin;
import com.redhat.das.node.publish.NodeAcceleratorPublisher;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.kubelet.StatusOnlyNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * GPU nodes for scale runs, with neither a kubelet nor a node daemon: each is a Ready Node with the device capacity
 * and the NodeAccelerator a node daemon would publish for its GPUs, so the scheduler and the allocator see a real
 * fleet. Pods bound to them never start, and no slice is ever made: they measure scheduling, not provisioning.
 */
public final class FakeGpuNodes implements AutoCloseable {

    /** Fake nodes heartbeat less often than real kubelets: hundreds of them would otherwise load the API server. */
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final KubernetesClient client;
    private final List<String> names;
    private final List<StatusOnlyNode> nodes;

    private FakeGpuNodes(KubernetesClient client, List<String> names, List<StatusOnlyNode> nodes) {
        this.client = client;
        this.names = List.copyOf(names);
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Registers {@code count} nodes named {@code prefix-0 … prefix-(count-1)}, each with {@code gpusPerNode} GPUs of
     * {@code model}, in parallel; returns once every Node and NodeAccelerator exists.
     */
    public static FakeGpuNodes start(KubernetesClient client, String prefix, int count, String model, int gpusPerNode) {
        var gpuModel = MigCatalog.bundled().requireModel(model);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(prefix + "-" + i);
        }
        List<StatusOnlyNode> started = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, Math.max(1, count)))) {
            List<Future<StatusOnlyNode>> futures = new ArrayList<>();
            for (String name : names) {
                futures.add(pool.submit(() -> register(client, name, EmulatedBackend.open(name, gpuModel, gpusPerNode, null).devices())));
            }
            for (Future<StatusOnlyNode> f : futures) {
                started.add(f.get());
            }
        } catch (ExecutionException | InterruptedException e) {
            started.forEach(StatusOnlyNode::close);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("could not register the fake nodes " + prefix + "-*: " + e.getMessage(), e);
        }
        return new FakeGpuNodes(client, names, started);
    }

    private static StatusOnlyNode register(KubernetesClient client, String name, List<GpuInventory> gpus) {
        Map<String, Integer> devices = new LinkedHashMap<>();
        for (String profile : NodeDaemon.profiles(gpus)) {
            devices.put(ResourceNames.resourceName(profile), ProfileDevicePlugin.deviceIds(profile, gpus).size());
        }
        StatusOnlyNode node = StatusOnlyNode.start(client, name, Map.of(), devices, HEARTBEAT);
        NodeAcceleratorPublisher publisher = new NodeAcceleratorPublisher(client, name, EmbeddedCluster.DAS_NAMESPACE);
        publisher.publishSpec(gpus, true);
        publisher.publishStatus(gpus, List.of(), "emulated", null);
        return node;
    }

    public List<String> names() {
        return names;
    }

    /** Stops the heartbeats and deletes the Nodes (their NodeAccelerators and Leases go with them, by owner). */
    @Override
    public void close() {
        nodes.forEach(StatusOnlyNode::close);
        for (String name : names) {
            client.nodes().withName(name).delete();
        }
    }
}
