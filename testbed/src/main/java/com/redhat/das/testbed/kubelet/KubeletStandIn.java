package com.redhat.das.testbed.kubelet;

import static org.awaitility.Awaitility.await;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Device;
import com.redhat.das.api.transport.UnixSocketServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet of one emulated node, as far as DAS can see it: it registers and heartbeats the Node, serves the
 * device-plugin Registration and pod-resources APIs on Unix sockets, admits the pods bound to the node by allocating
 * devices through the registered plugins, resolves their CDI devices as the container runtime would, and reports pod
 * status until the pods end or are deleted. Nothing actually runs: each started container is a {@link ContainerRecord}.
 *
 * <p>Layout under {@code root}: {@code device-plugins/kubelet.sock} (Registration; plugins put their sockets beside
 * it), {@code pod-resources/kubelet.sock} (PodResourcesLister), and the CDI spec directory from {@link Options}
 * ({@code root/cdi} by default). Unix socket paths are limited to 107 bytes, so keep {@code root} short.
 *
 * <p>Test hooks on pods: {@value #RUN_SECONDS_ANNOTATION} makes a pod's containers exit that many seconds after it
 * runs, with exit code {@value #EXIT_CODE_ANNOTATION} (default 0), as a Job's pod would.
 */
public final class KubeletStandIn implements AutoCloseable {

    /** Seconds after which the pod's containers exit; without it they run until the pod is deleted. */
    public static final String RUN_SECONDS_ANNOTATION = "kubelet.das.test/run-seconds";
    /** Exit code of the containers when {@link #RUN_SECONDS_ANNOTATION} ends them; non-zero makes the pod Failed. */
    public static final String EXIT_CODE_ANNOTATION = "kubelet.das.test/exit-code";
    /** The kubelet's reason for a pod whose device allocation failed. */
    public static final String UNEXPECTED_ADMISSION_ERROR = AdmissionRejection.UNEXPECTED_ADMISSION_ERROR;
    /** The kubelet's namespace for node leases. */
    public static final String NODE_LEASE_NAMESPACE = NodeStatusReporter.LEASE_NAMESPACE;

    private static final Logger LOG = LoggerFactory.getLogger(KubeletStandIn.class);
    private static final String KUBELET_SOCKET = "kubelet.sock";

    /**
     * @param cdiDir                      where the node daemon writes CDI specs; null means {@code root/cdi}
     * @param nodeLabels                  labels added to the Node besides the kubelet's own
     * @param heartbeatInterval           lease renewal and Ready heartbeat period (the kubelet's 10 s)
     * @param containerStartRetryInterval delay before retrying containers that could not start
     * @param endpointStopGracePeriod     how long a resource whose plugin went away stays on the node (the kubelet's 5 min)
     * @param pluginCallTimeout           deadline of Allocate and GetPreferredAllocation calls
     */
    public record Options(Path cdiDir, Map<String, String> nodeLabels, Duration heartbeatInterval,
                          Duration containerStartRetryInterval, Duration endpointStopGracePeriod, Duration pluginCallTimeout) {

        public Options {
            nodeLabels = Map.copyOf(nodeLabels);
        }

        public static Options defaults() {
            return new Options(null, Map.of(), Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(2));
        }

        public Options withCdiDir(Path dir) {
            return new Options(dir, nodeLabels, heartbeatInterval, containerStartRetryInterval, endpointStopGracePeriod, pluginCallTimeout);
        }

        public Options withNodeLabels(Map<String, String> labels) {
            return new Options(cdiDir, labels, heartbeatInterval, containerStartRetryInterval, endpointStopGracePeriod, pluginCallTimeout);
        }

        public Options withHeartbeatInterval(Duration interval) {
            return new Options(cdiDir, nodeLabels, interval, containerStartRetryInterval, endpointStopGracePeriod, pluginCallTimeout);
        }

        public Options withContainerStartRetryInterval(Duration interval) {
            return new Options(cdiDir, nodeLabels, heartbeatInterval, interval, endpointStopGracePeriod, pluginCallTimeout);
        }

        public Options withEndpointStopGracePeriod(Duration grace) {
            return new Options(cdiDir, nodeLabels, heartbeatInterval, containerStartRetryInterval, grace, pluginCallTimeout);
        }

        public Options withPluginCallTimeout(Duration timeout) {
            return new Options(cdiDir, nodeLabels, heartbeatInterval, containerStartRetryInterval, endpointStopGracePeriod, timeout);
        }
    }

    private final KubernetesClient client;
    private final String nodeName;
    private final Path root;
    private final Path cdiDir;
    private final DeviceManager devices;
    private final NodeStatusReporter nodeStatus;
    private final PodSyncLoop pods;
    private UnixSocketServer registrationServer;
    private UnixSocketServer podResourcesServer;
    private boolean closed;

    private KubeletStandIn(KubernetesClient client, String nodeName, Path root, Options options) {
        this.client = client;
        this.nodeName = nodeName;
        this.root = root.toAbsolutePath();
        this.cdiDir = options.cdiDir() == null ? this.root.resolve("cdi") : options.cdiDir();
        Clock clock = Clock.systemUTC();
        // the node status reporter is made after the device manager it reads; the callback only runs once both exist
        NodeStatusReporter[] reporter = new NodeStatusReporter[1];
        this.devices = new DeviceManager(devicePluginDir(), options.endpointStopGracePeriod(), options.pluginCallTimeout(),
                () -> reporter[0].requestDeviceResourceSync(), clock);
        this.nodeStatus = new NodeStatusReporter(client, nodeName, options.nodeLabels(), options.heartbeatInterval(), devices::nodeResources,
                devices::expireStoppedEndpoints, clock);
        reporter[0] = nodeStatus;
        this.pods = new PodSyncLoop(client, nodeName, devices, new CdiResolver(cdiDir), options.containerStartRetryInterval(), clock);
    }

    /**
     * Registers the node and starts serving. Returns once the Node and its Lease exist, both sockets serve and the
     * pods already bound to the node are known.
     */
    public static KubeletStandIn start(KubernetesClient client, String nodeName, Path root, Options options) {
        KubeletStandIn kubelet = new KubeletStandIn(client, nodeName, root, options);
        try {
            kubelet.boot();
            return kubelet;
        } catch (RuntimeException | Error e) {
            kubelet.close();
            throw e;
        }
    }

    private void boot() {
        try {
            Files.createDirectories(devicePluginDir());
            Files.createDirectories(podResourcesSocket().getParent());
            Files.createDirectories(cdiDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the kubelet directories under " + root, e);
        }
        nodeStatus.registerAndStart();
        deleteDevicePluginSockets();
        registrationServer = UnixSocketServer.start(registrationSocket(), new RegistrationServer(devices));
        podResourcesServer = UnixSocketServer.start(podResourcesSocket(), new PodResourcesServer(devices));
        pods.start();
        LOG.info("Kubelet stand-in for node {} serving: registration {}, pod resources {}, CDI specs from {}", nodeName, registrationSocket(),
                podResourcesSocket(), cdiDir);
    }

    public String nodeName() {
        return nodeName;
    }

    public Path root() {
        return root;
    }

    /** {@code root/device-plugins}: the kubelet's socket and the plugins' sockets. */
    public Path devicePluginDir() {
        return root.resolve("device-plugins");
    }

    /** {@code root/device-plugins/kubelet.sock}: the Registration service. */
    public Path registrationSocket() {
        return devicePluginDir().resolve(KUBELET_SOCKET);
    }

    /** {@code root/pod-resources/kubelet.sock}: the PodResourcesLister service. */
    public Path podResourcesSocket() {
        return root.resolve("pod-resources").resolve(KUBELET_SOCKET);
    }

    /** Where CDI specs are read from. */
    public Path cdiDir() {
        return cdiDir;
    }

    /** The latest started container of that name in that pod (pods of one name: the newest). */
    public Optional<ContainerRecord> container(String namespace, String pod, String container) {
        return pods.record(namespace, pod, container);
    }

    /** Every container started so far, in start order, including those of pods that have ended since. */
    public List<ContainerRecord> containers() {
        return pods.records();
    }

    /** Device IDs held per resource by the pod's containers, all containers together; empty when it holds none. */
    public Map<String, List<String>> allocatedDevices(String namespace, String pod) {
        Map<String, List<String>> out = new TreeMap<>();
        devices.podAllocations().stream().filter(p -> p.namespace().equals(namespace) && p.name().equals(pod)).forEach(p ->
                p.containers().values().forEach(c -> c.deviceIds().forEach((r, ids) ->
                        ids.forEach(id -> {
                            List<String> list = out.computeIfAbsent(r, k -> new java.util.ArrayList<>());
                            if (!list.contains(id)) {
                                list.add(id);
                            }
                        }))));
        return out;
    }

    /** Resources whose plugin is registered and connected now. */
    public Set<String> registeredResources() {
        return devices.connectedResources();
    }

    /** Healthy device IDs per resource, from the plugins' latest ListAndWatch lists. */
    public Map<String, List<String>> healthyDevices() {
        Map<String, List<String>> out = new TreeMap<>();
        devices.healthyDevices().forEach((r, list) -> out.put(r, list.stream().map(Device::getID).toList()));
        return out;
    }

    /** How many times a plugin registered the resource successfully with this kubelet (across restarts). */
    public int registrationCount(String resourceName) {
        return devices.registrationCount(resourceName);
    }

    /**
     * A kubelet restart as device plugins see it: the Registration server stops, every socket in the device-plugins
     * directory is deleted (the device manager does that when it starts), plugin connections are forgotten while the
     * allocations of running pods are kept (the checkpoint), and {@code kubelet.sock} is served again. The
     * pod-resources socket is recreated too. Plugins must notice and register again.
     */
    public synchronized void restartKubelet() {
        requireOpen();
        LOG.info("Restarting kubelet of node {}", nodeName);
        registrationServer.close();
        podResourcesServer.close();
        deleteDevicePluginSockets();
        devices.restart();
        registrationServer = UnixSocketServer.start(registrationSocket(), new RegistrationServer(devices));
        podResourcesServer = UnixSocketServer.start(podResourcesSocket(), new PodResourcesServer(devices));
        LOG.info("Kubelet of node {} restarted: waiting for device plugins to register again", nodeName);
    }

    /**
     * Waits until the scheduler may place pods here: the node lifecycle controller has seen it Ready and removed the
     * {@code node.kubernetes.io/not-ready} taint that every new node gets.
     */
    public void awaitNodeSchedulable(Duration timeout) {
        await("node " + nodeName + " schedulable").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            Node node = client.nodes().withName(nodeName).get();
            return node != null && (node.getSpec().getTaints() == null
                    || node.getSpec().getTaints().stream().noneMatch(t -> NodeStatusReporter.NOT_READY_TAINT.equals(t.getKey())));
        });
    }

    /** Stops the heartbeat and deletes the Node and its Lease, as when a node leaves the cluster. */
    public void deleteNode() {
        nodeStatus.stopHeartbeat();
        client.nodes().withName(nodeName).delete();
        client.leases().inNamespace(NODE_LEASE_NAMESPACE).withName(nodeName).delete();
        LOG.info("Deleted node {}", nodeName);
    }

    /** Stops everything this kubelet runs; the Node and the pods stay in the API. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        pods.close();
        if (registrationServer != null) {
            registrationServer.close();
        }
        if (podResourcesServer != null) {
            podResourcesServer.close();
        }
        devices.close();
        nodeStatus.close();
        LOG.info("Kubelet stand-in for node {} stopped", nodeName);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the kubelet stand-in of node " + nodeName + " is closed");
        }
    }

    /** The device manager's start-up cleanup: every socket in the directory goes, the kubelet's own included. */
    private void deleteDevicePluginSockets() {
        try (Stream<Path> files = Files.list(devicePluginDir())) {
            for (Path f : files.toList()) {
                if (Files.readAttributes(f, BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).isOther()) {
                    Files.deleteIfExists(f);
                    LOG.debug("Deleted socket {}", f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + devicePluginDir(), e);
        }
    }
}
