package com.redhat.das.node.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.kubelet.podresources.v1.ContainerDevices;
import com.redhat.das.api.kubelet.podresources.v1.ContainerResources;
import com.redhat.das.api.kubelet.podresources.v1.PodResources;
import com.redhat.das.node.lifecycle.SliceProvisioner.Assignment;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssignmentAuditTest {

    private static PodResources pod(String name, String resource, String... ids) {
        return PodResources.newBuilder().setNamespace("ns").setName(name).addContainers(ContainerResources.newBuilder()
                .setName("c").addDevices(ContainerDevices.newBuilder().setResourceName(resource).addAllDeviceIds(List.of(ids)))).build();
    }

    private static Assignment assignment(String pod, String... ids) {
        return new Assignment(pod + "-uid", "ns", pod, "c", "1g.5gb", List.of(ids), "mig.das.com/slice=" + pod);
    }

    @Test
    void agreementIsNoCrossing() {
        var kubelet = List.of(pod("a", "mig.das.com/1g.5gb", "gpu0-0"), pod("b", "mig.das.com/1g.5gb", "gpu0-1"));
        assertThat(AssignmentAudit.crossings(kubelet, List.of(assignment("a", "gpu0-0"), assignment("b", "gpu0-1")))).isEmpty();
    }

    @Test
    void devicesHeldByTheOtherContainerAreACrossing() {
        var kubelet = List.of(pod("a", "mig.das.com/1g.5gb", "gpu0-1"), pod("b", "mig.das.com/1g.5gb", "gpu0-0"));
        Assignment a = assignment("a", "gpu0-0");
        Assignment b = assignment("b", "gpu0-1");
        assertThat(AssignmentAudit.crossings(kubelet, List.of(a, b)))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.assumed()).isEqualTo(a);
                    assertThat(c.actual()).isEqualTo(b);
                });
    }

    @Test
    void otherVendorsDevicesAreIgnored() {
        var kubelet = List.of(pod("b", "nvidia.com/gpu", "gpu0-0"));
        assertThat(AssignmentAudit.crossings(kubelet, List.of(assignment("a", "gpu0-0")))).isEmpty();
    }
}
