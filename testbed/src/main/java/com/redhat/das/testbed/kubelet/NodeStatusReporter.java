package com.redhat.das.testbed.kubelet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.redhat.das.testbed.kubelet.DeviceManager.ResourceCount;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's node status side: registers the Node, keeps it alive for kube-controller-manager's node lifecycle
 * controller, and posts device-plugin resources into its capacity and allocatable.
 *
 * <p>The lifecycle controller marks a node NotReady (and taints it) when, for the node monitor grace period (40 s,
 * 50 s since Kubernetes 1.32), neither its Lease in {@value #LEASE_NAMESPACE} was renewed nor its Ready condition's
 * lastHeartbeatTime changed. Both are refreshed every renew interval (the kubelet renews its lease every 10 s).
 * New nodes get the {@code node.kubernetes.io/not-ready:NoSchedule} taint from the TaintNodesByCondition admission
 * plugin; the controller removes it once it has seen the node Ready, which takes a moment after registration.
 *
 * <p>All API writes after registration happen on one thread, so status patches never race each other.
 */
final class NodeStatusReporter implements AutoCloseable {

    static final String LEASE_NAMESPACE = "kube-node-lease";
    static final int LEASE_DURATION_SECONDS = 40;
    /** Taint added to new nodes at creation and removed by the node lifecycle controller once the node is Ready. */
    static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";
    static final Map<String, String> BASE_CAPACITY = Map.of("cpu", "64", "memory", "512Gi", "pods", "250");
    private static final Logger LOG = LoggerFactory.getLogger(NodeStatusReporter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter MICRO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final KubernetesClient client;
    private final String nodeName;
    private final Map<String, String> extraLabels;
    private final Duration renewInterval;
    private final Supplier<Map<String, ResourceCount>> deviceResources;
    private final Runnable onHeartbeat;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private Instant readySince;
    private String nodeUid;
    /** Device resources as last posted; only a change is posted again. Touched on the executor thread only. */
    private Map<String, ResourceCount> posted = Map.of();
    private ScheduledFuture<?> heartbeat;
    /** Set when the node is deleted or the kubelet closed: nothing more is written. */
    private volatile boolean stopped;

    /**
     * @param deviceResources the device manager's counts, read at posting time
     * @param onHeartbeat     runs at every heartbeat before the writes (device plugin grace period expiry)
     */
    NodeStatusReporter(KubernetesClient client, String nodeName, Map<String, String> extraLabels, Duration renewInterval,
                       Supplier<Map<String, ResourceCount>> deviceResources, Runnable onHeartbeat, Clock clock) {
        this.client = client;
        this.nodeName = nodeName;
        this.extraLabels = Map.copyOf(extraLabels);
        this.renewInterval = renewInterval;
        this.deviceResources = deviceResources;
        this.onHeartbeat = onHeartbeat;
        this.clock = clock;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kubelet-node-status-" + nodeName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Creates the Node (or adopts an existing one), posts its full status and its Lease; then starts the heartbeat. */
    void registerAndStart() {
        readySince = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Node existing = client.nodes().withName(nodeName).get();
        Node node;
        if (existing == null) {
            node = client.nodes().resource(new NodeBuilder().withNewMetadata().withName(nodeName).withLabels(labels())
                    // the kubelet leaves attach/detach to the controller manager by default and says so
                    .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true").endMetadata()
                    .build()).create();
            LOG.info("Registered node {}", nodeName);
        } else {
            ObjectNode patch = JSON.createObjectNode();
            ObjectNode labels = patch.putObject("metadata").putObject("labels");
            labels().forEach(labels::put);
            node = client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch.toString());
            LOG.info("Node {} already exists: taking it over", nodeName);
        }
        nodeUid = node.getMetadata().getUid();
        patchStatus(fullStatus());
        renewLease();
        heartbeat = executor.scheduleWithFixedDelay(this::heartbeat, renewInterval.toMillis(), renewInterval.toMillis(), TimeUnit.MILLISECONDS);
        requestDeviceResourceSync();
    }

    /** Posts the device manager's counts soon, if they changed since last posted. */
    void requestDeviceResourceSync() {
        try {
            executor.execute(this::syncDeviceResources);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing to post any more
        }
    }

    private void heartbeat() {
        if (stopped) {
            return;
        }
        try {
            onHeartbeat.run();
            renewLease();
            patchStatus(conditionsOnly());
        } catch (RuntimeException e) {
            LOG.warn("Heartbeat of node {} failed: {}", nodeName, e.toString());
        }
    }

    private void syncDeviceResources() {
        if (stopped) {
            return;
        }
        Map<String, ResourceCount> now = deviceResources.get();
        if (now.equals(posted)) {
            return;
        }
        ObjectNode status = JSON.createObjectNode();
        ObjectNode capacity = status.putObject("capacity");
        ObjectNode allocatable = status.putObject("allocatable");
        now.forEach((resource, count) -> {
            capacity.put(resource, Integer.toString(count.capacity()));
            allocatable.put(resource, Integer.toString(count.allocatable()));
        });
        try {
            patchStatus(status);
            LOG.info("Node {} device resources: {}", nodeName, now);
            posted = now;
        } catch (RuntimeException e) {
            if (stopped) {
                return;
            }
            LOG.warn("Posting device resources of node {} failed ({}); retrying", nodeName, e.toString());
            try {
                executor.schedule(this::syncDeviceResources, 1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // closed meanwhile
            }
        }
    }

    private Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("kubernetes.io/hostname", nodeName);
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", "amd64");
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("beta.kubernetes.io/arch", "amd64");
        labels.putAll(extraLabels);
        return labels;
    }

    private ObjectNode fullStatus() {
        ObjectNode status = conditionsOnly();
        ObjectNode capacity = status.putObject("capacity");
        BASE_CAPACITY.forEach(capacity::put);
        ObjectNode allocatable = status.putObject("allocatable");
        BASE_CAPACITY.forEach(allocatable::put);
        ArrayNode addresses = status.putArray("addresses");
        addresses.addObject().put("type", "InternalIP").put("address", "127.0.0.1");
        addresses.addObject().put("type", "Hostname").put("address", nodeName);
        status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", 10250);
        ObjectNode info = status.putObject("nodeInfo");
        String id = java.util.UUID.nameUUIDFromBytes(nodeName.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        info.put("machineID", id.replace("-", ""));
        info.put("systemUUID", id);
        info.put("bootID", java.util.UUID.randomUUID().toString());
        info.put("kernelVersion", "6.12.0-stand-in");
        info.put("osImage", "DAS kubelet stand-in");
        info.put("containerRuntimeVersion", "containerd://2.1.0");
        info.put("kubeletVersion", kubeletVersion());
        info.put("kubeProxyVersion", "");
        info.put("operatingSystem", "linux");
        info.put("architecture", "amd64");
        return status;
    }

    /** The control plane's version: a kubelet of the same version is the only skew-free choice. */
    private String kubeletVersion() {
        try {
            return client.getKubernetesVersion().getGitVersion();
        } catch (RuntimeException e) {
            return "v0.0.0-stand-in";
        }
    }

    private ObjectNode conditionsOnly() {
        ObjectNode status = JSON.createObjectNode();
        ArrayNode conditions = status.putArray("conditions");
        String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
        String since = readySince.toString();
        conditions.addObject().put("type", "MemoryPressure").put("status", "False").put("reason", "KubeletHasSufficientMemory")
                .put("message", "kubelet has sufficient memory available").put("lastHeartbeatTime", now).put("lastTransitionTime", since);
        conditions.addObject().put("type", "DiskPressure").put("status", "False").put("reason", "KubeletHasNoDiskPressure")
                .put("message", "kubelet has no disk pressure").put("lastHeartbeatTime", now).put("lastTransitionTime", since);
        conditions.addObject().put("type", "PIDPressure").put("status", "False").put("reason", "KubeletHasSufficientPID")
                .put("message", "kubelet has sufficient PID available").put("lastHeartbeatTime", now).put("lastTransitionTime", since);
        conditions.addObject().put("type", "Ready").put("status", "True").put("reason", "KubeletReady")
                .put("message", "kubelet is posting ready status").put("lastHeartbeatTime", now).put("lastTransitionTime", since);
        return status;
    }

    /** Strategic merge on nodes/status: conditions merge by type, capacity and allocatable by resource name. */
    private void patchStatus(ObjectNode status) {
        ObjectNode patch = JSON.createObjectNode();
        patch.set("status", status);
        client.nodes().withName(nodeName).subresource("status").patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch.toString());
    }

    /** Renews the node's Lease, creating it (owned by the Node, so it goes with it) when missing. */
    private void renewLease() {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("spec").put("holderIdentity", nodeName).put("leaseDurationSeconds", LEASE_DURATION_SECONDS)
                .put("renewTime", MICRO_TIME.format(now));
        try {
            client.leases().inNamespace(LEASE_NAMESPACE).withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                throw e;
            }
            Lease lease = new LeaseBuilder().withNewMetadata().withName(nodeName).withNamespace(LEASE_NAMESPACE)
                    .addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(nodeName).withUid(nodeUid).endOwnerReference()
                    .endMetadata()
                    .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(LEASE_DURATION_SECONDS).withRenewTime(now).endSpec()
                    .build();
            client.leases().inNamespace(LEASE_NAMESPACE).resource(lease).create();
            LOG.info("Created lease {}/{}", LEASE_NAMESPACE, nodeName);
        }
    }

    /** Stops renewing the lease and posting status (the node would go NotReady, as when a kubelet dies). */
    void stopHeartbeat() {
        stopped = true;
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
    }

    @Override
    public void close() {
        stopped = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
