package com.redhat.das.testbed.kubelet;

import com.redhat.das.testbed.kubelet.DeviceManager.ResourceCount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node with only the kubelet's status side: it registers the Node, keeps it Ready through its Lease and heartbeats,
 * and posts a fixed device capacity. No pod on it ever runs. Scale runs use it to give the scheduler hundreds of
 * nodes without hundreds of kubelets and node daemons.
 */
public final class StatusOnlyNode implements AutoCloseable {

    private final NodeStatusReporter status;

    private StatusOnlyNode(NodeStatusReporter status) {
        this.status = status;
    }

    /**
     * Registers the node and starts its heartbeat; returns once the Node and its Lease exist.
     *
     * @param devices extended resources and their counts, posted as capacity and allocatable
     */
    public static StatusOnlyNode start(KubernetesClient client, String nodeName, Map<String, String> labels, Map<String, Integer> devices,
                                       Duration heartbeatInterval) {
        Map<String, ResourceCount> counts = new LinkedHashMap<>();
        devices.forEach((resource, n) -> counts.put(resource, new ResourceCount(n, n)));
        Map<String, ResourceCount> fixed = Map.copyOf(counts);
        NodeStatusReporter reporter = new NodeStatusReporter(client, nodeName, labels, heartbeatInterval, () -> fixed, () -> {
        }, Clock.systemUTC());
        try {
            reporter.registerAndStart();
        } catch (RuntimeException e) {
            reporter.close();
            throw e;
        }
        return new StatusOnlyNode(reporter);
    }

    /** Stops the heartbeat; the Node stays until deleted. */
    @Override
    public void close() {
        status.close();
    }
}
