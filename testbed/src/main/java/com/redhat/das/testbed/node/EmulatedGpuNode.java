package com.redhat.das.testbed.node;

import static org.awaitility.Awaitility.await;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.testbed.cluster.ManagedProcess;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.kubelet.KubeletStandIn;
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
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;
import java.util.stream.Stream;
import java.time.Duration;

/**
 * One emulated GPU node: a kubelet stand-in and the real node daemon with the emulated backend, sharing the node's
 * directories (device plugins, pod resources, CDI specs) the way a kubelet and the DaemonSet share them on a host.
 * The emulated GPUs keep their MIG instances in a file, so they outlive a daemon restart like real GPUs do.
 *
 * <p>The daemon runs in this JVM by default, so a test can reach into it. Started with {@link #startAsProcess} it
 * runs in a JVM of its own, as in its container, and can be killed with SIGKILL mid-operation.
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
    /** Set when the daemon runs as a child process: its credentials and where its log goes. */
    private final ChildDaemon child;
    private NodeDaemon daemon;
    private ManagedProcess daemonProcess;

    /** How a node daemon in its own JVM reaches the API server, and where its output goes. */
    public record ChildDaemon(Path kubeconfig, Path logDir) {
    }

    private EmulatedGpuNode(KubernetesClient client, String name, List<String> daemonArgs, Path root, Duration claimWait, ChildDaemon child) {
        // root is short on purpose: a Unix socket path may not exceed 107 bytes
        this.client = client;
        this.name = name;
        this.daemonArgs = List.copyOf(daemonArgs);
        this.root = root;
        this.claimWait = claimWait;
        this.child = child;
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
        return start(client, name, daemonArgs, claimWait, null);
    }

    /** Starts the node with its node daemon in a JVM of its own, which {@link #killDaemon()} can kill. */
    public static EmulatedGpuNode startAsProcess(KubernetesClient client, ChildDaemon child, String name, String model, int gpuCount,
                                                 Duration claimWait) {
        return start(client, name, List.of("--backend=emulated", "--emulated-model=" + model, "--emulated-gpus=" + gpuCount), claimWait,
                child);
    }

    private static EmulatedGpuNode start(KubernetesClient client, String name, List<String> daemonArgs, Duration claimWait,
                                         ChildDaemon child) {
        Path root;
        try {
            root = Files.createTempDirectory("dasn-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EmulatedGpuNode node = new EmulatedGpuNode(client, name, daemonArgs, root, claimWait, child);
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
        if (child != null) {
            throw new IllegalStateException("the node daemon of " + name + " runs in a process of its own");
        }
        if (daemon == null) {
            throw new IllegalStateException("the node daemon of " + name + " is stopped");
        }
        return daemon;
    }

    public synchronized boolean daemonRunning() {
        return daemon != null || (daemonProcess != null && daemonProcess.isAlive());
    }

    /** Starts the daemon; a daemon in its own process counts as started once every device plugin registered. */
    public synchronized void startDaemon() {
        if (child == null) {
            if (daemon == null) {
                daemon = NodeDaemon.start(client, settings());
            }
            return;
        }
        if (daemonRunning()) {
            return;
        }
        Map<String, Integer> registeredBefore = new TreeMap<>();
        for (String resource : resourceNames()) {
            registeredBefore.put(resource, kubelet.registrationCount(resource));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xss512k", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(commandLine());
        Path log = child.logDir().resolve("das-node-" + name + ".log");
        try {
            Files.createDirectories(child.logDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        daemonProcess = ManagedProcess.start("das-node-" + name, command, root, log, Map.of("KUBECONFIG", child.kubeconfig().toString()));
        ManagedProcess started = daemonProcess;
        try {
            await("node daemon of " + name + " registered its device plugins").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                    .failFast("the node daemon of " + name + " exited", () -> !started.isAlive())
                    .until(() -> registeredBefore.entrySet().stream().allMatch(e -> kubelet.registrationCount(e.getKey()) > e.getValue()));
        } catch (ConditionTimeoutException | TerminalFailureException e) {
            throw new IllegalStateException(e.getMessage() + "\n--- last lines of " + log + " ---\n" + started.logTail(30), e);
        }
    }

    /** Kills the daemon's process with SIGKILL, as an OOM kill or a crash would; the kubelet and the GPUs stay. */
    public synchronized void killDaemon() {
        if (child == null) {
            throw new IllegalStateException("the node daemon of " + name + " runs in this JVM and cannot be killed; start the node with "
                    + "startAsProcess");
        }
        if (daemonProcess != null) {
            daemonProcess.kill();
            daemonProcess = null;
        }
    }

    /** The extended resources the daemon serves, one per MIG profile of its GPUs. */
    public List<String> resourceNames() {
        return NodeDaemon.profiles(EmulatedBackend.open(name, MigCatalog.bundled().requireModel(gpusConfigured.model()), gpusConfigured.count(),
                null).devices()).stream().map(ResourceNames::resourceName).toList();
    }

    private NodeDaemon.Settings settings() {
        return Main.settings(commandLine());
    }

    private List<String> commandLine() {
        List<String> args = new ArrayList<>(daemonArgs);
        args.addAll(List.of("--node-name=" + name, "--namespace=" + EmbeddedCluster.DAS_NAMESPACE,
                "--emulated-state=" + gpuStateFile(), "--device-plugin-dir=" + root.resolve("device-plugins"),
                "--pod-resources-socket=" + root.resolve("pod-resources").resolve("kubelet.sock"), "--cdi-dir=" + cdiDir(),
                "--claim-wait=" + claimWait, "--reconcile-interval=PT5S", "--metrics-bind=127.0.0.1", "--metrics-port=0"));
        return args;
    }

    /** Stops the daemon gracefully (SIGTERM for a daemon in its own process). */
    public synchronized void stopDaemon() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
        if (daemonProcess != null) {
            daemonProcess.stop(15);
            daemonProcess = null;
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
