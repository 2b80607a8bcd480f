package com.redhat.das.node;

import com.redhat.das.node.backend.GpuBackends;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code das-node}: the DaemonSet on every GPU node. */
@Command(name = "das-node", mixinStandardHelpOptions = true,
        description = "Creates MIG slices for admitted pods, serves them to the kubelet as device plugins, removes them when pods end.")
public final class Main implements Callable<Integer> {

    @Option(names = "--node-name", defaultValue = "${env:NODE_NAME}", required = true, description = "this node (default: $NODE_NAME)")
    String nodeName;

    @Option(names = "--namespace", defaultValue = "${env:POD_NAMESPACE:-das-operator}", description = "namespace of the DAS resources (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--backend", defaultValue = "nvml", description = "nvml or emulated (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--nvml-library", description = "path of libnvidia-ml.so.1 (default: the dynamic linker's search)")
    String nvmlLibrary;

    @Option(names = "--emulated-model", defaultValue = "A100-40GB", description = "GPU model of emulated GPUs (default: ${DEFAULT-VALUE})")
    String emulatedModel;

    @Option(names = "--emulated-gpus", defaultValue = "2", description = "number of emulated GPUs (default: ${DEFAULT-VALUE})")
    int emulatedGpus;

    @Option(names = "--emulated-state", defaultValue = "/var/lib/das/emulated-gpus.json",
            description = "file keeping emulated MIG instances across restarts (default: ${DEFAULT-VALUE})")
    Path emulatedState;

    @Option(names = "--device-plugin-dir", defaultValue = "/var/lib/kubelet/device-plugins", description = "kubelet device-plugin directory (default: ${DEFAULT-VALUE})")
    Path devicePluginDir;

    @Option(names = "--pod-resources-socket", defaultValue = "/var/lib/kubelet/pod-resources/kubelet.sock",
            description = "kubelet pod-resources socket, to audit assignments (default: ${DEFAULT-VALUE})")
    Path podResourcesSocket;

    @Option(names = "--cdi-dir", defaultValue = "/var/run/cdi", description = "where CDI specs are written (default: ${DEFAULT-VALUE})")
    Path cdiDir;

    @Option(names = "--claim-wait", defaultValue = "PT20S", description = "how long Allocate waits for a pod's claims, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration claimWait;

    @Option(names = "--reconcile-interval", defaultValue = "PT30S", description = "period of the full reconciliation (default: ${DEFAULT-VALUE})")
    Duration reconcileInterval;

    @Option(names = "--metrics-bind", defaultValue = "0.0.0.0", description = "metrics address (default: ${DEFAULT-VALUE})")
    String metricsBind;

    @Option(names = "--metrics-port", defaultValue = "8083", description = "metrics port, -1 for none (default: ${DEFAULT-VALUE})")
    int metricsPort;

    /**
     * The settings a command line asks for. A later option overrides an earlier one, so a caller can append to the
     * arguments the operator renders (the embedded cluster appends each node's own directories).
     */
    public static NodeDaemon.Settings settings(List<String> args) {
        Main main = new Main();
        CommandLine line = new CommandLine(main).setOverwrittenOptionsAllowed(true);
        line.parseArgs(args.toArray(String[]::new));
        return main.settings(line);
    }

    private NodeDaemon.Settings settings(CommandLine line) {
        GpuBackends.Choice choice = switch (backend) {
            case "nvml" -> new GpuBackends.Nvml(nvmlLibrary);
            case "emulated" -> new GpuBackends.Emulated(emulatedModel, emulatedGpus, emulatedState);
            default -> throw new CommandLine.ParameterException(line, "--backend must be nvml or emulated, not " + backend);
        };
        return new NodeDaemon.Settings(nodeName, namespace, choice, devicePluginDir, podResourcesSocket, cdiDir, claimWait,
                reconcileInterval, metricsBind, metricsPort);
    }

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        KubernetesClient client = new KubernetesClientBuilder().build();
        NodeDaemon daemon = NodeDaemon.start(client, settings(spec.commandLine()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            client.close();
            stopped.countDown();
        }, "das-node-shutdown"));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
