package com.redhat.das.operator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SchedulerConfigurationTest {

    @Test
    void usesItsOwnLeaseAndTheAllocatorSocket() {
        String yaml = new SchedulerConfiguration(null, "das-operator", Path.of("/var/run/das/allocator.sock")).render();
        assertThat(yaml)
                .contains("kind: KubeSchedulerConfiguration")
                .contains("resourceNamespace: das-operator")
                .contains("resourceName: das-scheduler")
                .contains("schedulerName: das-scheduler")
                .contains("- name: DASAllocator")
                .contains("socketPath: /var/run/das/allocator.sock")
                .doesNotContain("clientConnection")
                .doesNotContain("kube-system");
    }

    @Test
    void outsideAPodItNamesTheKubeconfig() {
        String yaml = new SchedulerConfiguration(Path.of("/tmp/x/scheduler.kubeconfig"), "das", Path.of("/tmp/x/a.sock")).render();
        assertThat(yaml).startsWith("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection:\n  kubeconfig: /tmp/x/scheduler.kubeconfig\nleaderElection:");
    }
}
