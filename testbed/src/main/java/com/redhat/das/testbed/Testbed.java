package com.redhat.das.testbed;

import static org.awaitility.Awaitility.await;

import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.cluster.EmbeddedWebhook;
import com.redhat.das.testbed.cluster.SocketRelay;
import com.redhat.das.testbed.node.EmulatedGpuNode;
import com.redhat.das.testbed.node.FakeGpuNodes;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DAS on a real control plane, on loopback: etcd, kube-apiserver, kube-controller-manager, das-scheduler with the shim,
 * the allocator, the admission webhook, and emulated GPU nodes (a kubelet stand-in and a node daemon each). The one
 * entry point for the features' glue, the soak, the cluster benchmarks and the demo.
 *
 * <pre>{@code
 * try (Testbed bed = Testbed.builder().emulatedNode("gpu-a", "A100-40GB", 2).emulatedNode("gpu-b", "H100-80GB", 1).start()) {
 *     bed.client().pods().inNamespace("default").resource(pod).create();
 *     bed.kill(Component.ControlPlane.DAS_ALLOCATOR);
 *     bed.restart(Component.ControlPlane.DAS_ALLOCATOR);
 *     NodeState state = bed.nodeState("gpu-a");
 * }
 * }</pre>
 */
public final class Testbed implements AutoCloseable {

    private static final Duration NODE_READY_TIMEOUT = Duration.ofMinutes(2);

    /** One emulated node to start: its name, GPU model (a key of the MIG catalog) and GPU count. */
    public record GpuNodeSpec(String name, String model, int gpus) {
        public GpuNodeSpec {
            if (gpus < 1) {
                throw new IllegalArgumentException("node " + name + " needs at least one GPU, not " + gpus);
            }
        }
    }

    public static final class Builder {
        private final List<GpuNodeSpec> nodes = new ArrayList<>();
        private String placementPolicy = "packed";
        private boolean webhook = true;
        private Duration claimWait = Duration.ofSeconds(20);
        private boolean daemonsInProcess;
        private EmbeddedCluster.Options options = EmbeddedCluster.Options.defaults();

        private Builder() {
        }

        public Builder emulatedNode(String name, String model, int gpus) {
            nodes.add(new GpuNodeSpec(name, model, gpus));
            return this;
        }

        /** The allocator's {@code --placement-policy} ({@code packed} by default). */
        public Builder placementPolicy(String policy) {
            this.placementPolicy = policy;
            return this;
        }

        /** Leaves the admission webhook out: pods must name das-scheduler and the DAS resources themselves. */
        public Builder withoutWebhook() {
            this.webhook = false;
            return this;
        }

        /** The node daemons' {@code --claim-wait}. */
        public Builder claimWait(Duration wait) {
            this.claimWait = wait;
            return this;
        }

        /**
         * Runs the node daemons inside this JVM instead of one JVM each: cheaper, and a test can reach into them, but
         * they cannot be killed with SIGKILL.
         */
        public Builder nodeDaemonsInProcess() {
            this.daemonsInProcess = true;
            return this;
        }

        public Builder clusterOptions(EmbeddedCluster.Options options) {
            this.options = options;
            return this;
        }

        /** Puts a {@link SocketRelay} between das-scheduler's shim and the allocator, for {@link #dropShimConnections}. */
        public Builder withSocketRelay() {
            this.options = options.withSocketRelay();
            return this;
        }

        /** Starts everything and returns once every node is schedulable and has published its NodeAccelerator. */
        public Testbed start() {
            EmbeddedCluster cluster = EmbeddedCluster.start(options);
            Testbed bed = new Testbed(cluster, claimWait, daemonsInProcess);
            try {
                cluster.startAllocator(placementPolicy);
                if (webhook) {
                    bed.webhook = EmbeddedWebhook.startAndRegister(cluster);
                }
                for (GpuNodeSpec spec : nodes) {
                    bed.addEmulatedNode(spec.name(), spec.model(), spec.gpus());
                }
                return bed;
            } catch (RuntimeException | Error e) {
                bed.close();
                throw e;
            }
        }
    }

    private final EmbeddedCluster cluster;
    private final Duration claimWait;
    private final boolean daemonsInProcess;
    private final Map<String, EmulatedGpuNode> nodes = new LinkedHashMap<>();
    private final List<FakeGpuNodes> fakeNodes = new ArrayList<>();
    private EmbeddedWebhook webhook;

    private Testbed(EmbeddedCluster cluster, Duration claimWait, boolean daemonsInProcess) {
        this.cluster = cluster;
        this.claimWait = claimWait;
        this.daemonsInProcess = daemonsInProcess;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An admin client of the cluster. */
    public KubernetesClient client() {
        return cluster.client();
    }

    public EmbeddedCluster cluster() {
        return cluster;
    }

    public Optional<EmbeddedWebhook> webhook() {
        return Optional.ofNullable(webhook);
    }

    public synchronized Collection<EmulatedGpuNode> nodes() {
        return List.copyOf(nodes.values());
    }

    public synchronized EmulatedGpuNode node(String name) {
        EmulatedGpuNode node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no emulated node " + name + "; the test bed has " + nodes.keySet());
        }
        return node;
    }

    /** Starts one more emulated node and waits until it is schedulable and has published its NodeAccelerator. */
    public synchronized EmulatedGpuNode addEmulatedNode(String name, String model, int gpus) {
        if (nodes.containsKey(name)) {
            throw new IllegalArgumentException("node " + name + " already exists");
        }
        EmulatedGpuNode node = daemonsInProcess
                ? EmulatedGpuNode.start(client(), name, model, gpus, claimWait)
                : EmulatedGpuNode.startAsProcess(client(), new EmulatedGpuNode.ChildDaemon(cluster.kubeconfig(), cluster.directory().resolve("logs")),
                name, model, gpus, claimWait);
        nodes.put(name, node);
        node.kubelet().awaitNodeSchedulable(NODE_READY_TIMEOUT);
        await("NodeAccelerator " + name).atMost(NODE_READY_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> client()
                .resources(NodeAccelerator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).withName(name).get() != null);
        return node;
    }

    /**
     * Registers {@code count} GPU nodes without kubelets or node daemons, for scale runs (see {@link FakeGpuNodes}):
     * the scheduler and the allocator see them, nothing runs on them.
     */
    public synchronized FakeGpuNodes addFakeNodes(String prefix, int count, String model, int gpusPerNode) {
        FakeGpuNodes fake = FakeGpuNodes.start(client(), prefix, count, model, gpusPerNode);
        fakeNodes.add(fake);
        return fake;
    }

    /** Kills the component with SIGKILL. Nothing happens when it is not running. */
    public void kill(Component component) {
        switch (component) {
            case Component.ControlPlane process -> cluster.kill(process.process());
            case Component.NodeDaemon(String node) -> node(node).killDaemon();
        }
    }

    /**
     * Starts the component again (killing it first if it still runs) and waits until it serves: healthy for a
     * control-plane process, every device plugin registered for a node daemon.
     */
    public void restart(Component component) {
        switch (component) {
            case Component.ControlPlane process -> cluster.restart(process.process());
            case Component.NodeDaemon(String node) -> {
                EmulatedGpuNode n = node(node);
                n.killDaemon();
                n.startDaemon();
            }
        }
    }

    /**
     * Cuts every connection between das-scheduler's shim and the allocator, waiting up to {@code waitForCall} for one
     * with a call in flight. Needs {@link Builder#withSocketRelay()}.
     */
    public SocketRelay.Drop dropShimConnections(Duration waitForCall) {
        return cluster.socketRelay().orElseThrow(() -> new IllegalStateException(
                "the test bed was started without a socket relay between the shim and the allocator; use Builder.withSocketRelay()"))
                .drop(waitForCall);
    }

    public boolean running(Component component) {
        return switch (component) {
            case Component.ControlPlane process -> cluster.running(process.process());
            case Component.NodeDaemon(String node) -> node(node).daemonRunning();
        };
    }

    /** The slices on the node's emulated GPUs and the CDI specs in its spec directory, read from the node. */
    public NodeState nodeState(String name) {
        EmulatedGpuNode node = node(name);
        return new NodeState(name, node.gpus().slices(), new CdiSpecDirectory(node.cdiDir()).list());
    }

    /** {@link #nodeState} of every emulated node, for the {@link com.redhat.das.testbed.invariants.InvariantChecker}. */
    public List<NodeState> nodeStates() {
        return nodes().stream().map(n -> nodeState(n.name())).toList();
    }

    /** Stops the nodes, the webhook and the cluster; idempotent. */
    @Override
    public synchronized void close() {
        RuntimeException first = null;
        for (AutoCloseable c : closeOrder()) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing the test bed failed", e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        nodes.clear();
        fakeNodes.clear();
        webhook = null;
        if (first != null) {
            throw first;
        }
    }

    private List<AutoCloseable> closeOrder() {
        List<AutoCloseable> order = new ArrayList<>(nodes.values());
        order.addAll(fakeNodes);
        if (webhook != null) {
            order.add(webhook);
        }
        order.add(cluster);
        return order;
    }
}
