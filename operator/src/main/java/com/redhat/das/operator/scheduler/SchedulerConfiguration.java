package com.redhat.das.operator.scheduler;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The KubeSchedulerConfiguration of das-scheduler: one profile named {@value #SCHEDULER_NAME} with the DAS plugin,
 * and a leader lease of its own. The reference left the lease at kube-scheduler's default
 * ({@code kube-system/kube-scheduler}), the lease of the cluster's default scheduler.
 *
 * @param kubeconfig      kubeconfig file, or {@code null} in a pod (in-cluster credentials)
 * @param leaseNamespace  namespace of the leader lease (the DAS namespace)
 * @param allocatorSocket Unix socket of the allocator, shared with the allocator container
 */
public record SchedulerConfiguration(Path kubeconfig, String leaseNamespace, Path allocatorSocket) {

    public static final String SCHEDULER_NAME = "das-scheduler";
    public static final String LEASE_NAME = "das-scheduler";
    public static final String PLUGIN_NAME = "DASAllocator";

    public SchedulerConfiguration {
        Objects.requireNonNull(leaseNamespace, "leaseNamespace");
        Objects.requireNonNull(allocatorSocket, "allocatorSocket");
    }

    /** The configuration file content ({@code --config}). */
    public String render() {
        String clientConnection = kubeconfig == null ? "" : """
                clientConnection:
                  kubeconfig: %s
                """.formatted(kubeconfig);
        return """
                apiVersion: kubescheduler.config.k8s.io/v1
                kind: KubeSchedulerConfiguration
                %sleaderElection:
                  leaderElect: true
                  resourceLock: leases
                  resourceNamespace: %s
                  resourceName: %s
                profiles:
                - schedulerName: %s
                  plugins:
                    multiPoint:
                      enabled:
                      - name: %s
                  pluginConfig:
                  - name: %s
                    args:
                      socketPath: %s
                """.formatted(clientConnection, leaseNamespace, LEASE_NAME, SCHEDULER_NAME, PLUGIN_NAME, PLUGIN_NAME, allocatorSocket);
    }
}
