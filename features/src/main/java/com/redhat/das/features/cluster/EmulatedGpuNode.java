package com.redhat.das.features.cluster;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.features.kubelet.KubeletStandIn;
import com.redhat.das.node.Main;
import com.redhat.das.node.NodeDaemon;
import com.redhat.das.node.backend.GpuBackends;
import com.redhat.das.node.backend.emulated.EmulatedBackend;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.time.Duration;

/**
 * One emulated GPU node: a kubelet stand-in and the real node daemon with the emulated backend, sharing the node's
 * directories (device plugins, pod resources, CDI specs) the way a kubelet and the DaemonSet share them on a host.
 * The emulated GPUs keep their MIG instances in a file, so they outlive a daemon restart like real GPUs do.
 */
public final class EmulatedGpuNode implements AutoCloseable {

    private final KubernetesClient client;
    private final String name;
    /** The daemon's command line as the operator renders it; each start appends this node's own directories. */
    private final List<String> daemonArgs;
    private final GpuBackends.Emulated gpusConfigured;
    private final Path root;
    private final KubeletStandIn kubelet;
    private final Duration claimWait;
    private NodeDaemon daemon;

    private EmulatedGpuNode(KubernetesClient client, String name, List<String> daemonArgs, Path root, Duration claimWait) {
        // root is short on purpose: a Unix socket path may not exceed 107 bytes
        this.client = client;
        this.name = name;
        this.daemonArgs = List.copyOf(daemonArgs);
        this.root = root;
        this.claimWait = claimWait;
        if (!(settings().backend() instanceof GpuBackends.Emulated emulated)) {
            throw new IllegalArgumentException("an emulated node needs --backend=emulated, got " + daemonArgs);
        }
        this.gpusConfigured = emulated;
        MigCatalog.bundled().requireModel(emulated.model()); // fail before anything starts on a typo
        this.kubelet = KubeletStandIn.start(client, name, root,
                KubeletStandIn.Options.defaults().withCdiDir(cdiDir()));
    }

    /** Starts the node in a fresh directory under the system's temporary directory, removed again by {@link #close()}. */
    public static EmulatedGpuNode start(KubernetesClient client, String name, String model, int gpuCount, Duration claimWait) {
        return start(client, name, List.of("--backend=emulated", "--emulated-model=" + model, "--emulated-gpus=" + gpuCount), claimWait);
    }

    /**
     * Starts the node with the node daemon's command line as the operator renders it from the DASOperator resource
     * ({@code NodeDaemonArguments}); the node's own directories are appended.
     */
    public static EmulatedGpuNode start(KubernetesClient client, String name, List<String> daemonArgs, Duration claimWait) {
        Path root;
        try {
            root = Files.createTempDirectory("dasn-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EmulatedGpuNode node = new EmulatedGpuNode(client, name, daemonArgs, root, claimWait);
        try {
            node.startDaemon();
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    public String name() {
        return name;
    }

    public Path cdiDir() {
        return root.resolve("cdi");
    }

    public Path gpuStateFile() {
        return root.resolve("gpus").resolve("emulated-gpus.json");
    }

    public KubeletStandIn kubelet() {
        return kubelet;
    }

    public NodeDaemon daemon() {
        if (daemon == null) {
            throw new IllegalStateException("the node daemon of " + name + " is stopped");
        }
        return daemon;
    }

    public boolean daemonRunning() {
        return daemon != null;
    }

    public synchronized void startDaemon() {
        if (daemon != null) {
            return;
        }
        daemon = NodeDaemon.start(client, settings());
    }

    private NodeDaemon.Settings settings() {
        List<String> args = new ArrayList<>(daemonArgs);
        args.addAll(List.of("--node-name=" + name, "--namespace=" + EmbeddedCluster.DAS_NAMESPACE,
                "--emulated-state=" + gpuStateFile(), "--device-plugin-dir=" + root.resolve("device-plugins"),
                "--pod-resources-socket=" + root.resolve("pod-resources").resolve("kubelet.sock"), "--cdi-dir=" + cdiDir(),
                "--claim-wait=" + claimWait, "--reconcile-interval=PT5S", "--metrics-bind=127.0.0.1", "--metrics-port=0"));
        return Main.settings(args);
    }

    public synchronized void stopDaemon() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    /**
     * The emulated GPUs: the running daemon's backend, or — while it is stopped — the GPUs' state read afresh, as an
     * operator would inspect a node with nvidia-smi while the daemon is down.
     */
    public synchronized EmulatedBackend gpus() {
        if (daemon != null) {
            return (EmulatedBackend) daemon.backend();
        }
        return EmulatedBackend.open(name, MigCatalog.bundled().requireModel(gpusConfigured.model()), gpusConfigured.count(), gpuStateFile());
    }

    public Path root() {
        return root;
    }

    @Override
    public synchronized void close() {
        try {
            stopDaemon();
            kubelet.close();
        } finally {
            deleteTree(root);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
