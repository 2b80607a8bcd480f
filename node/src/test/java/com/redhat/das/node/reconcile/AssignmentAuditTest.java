package com.redhat.das.node.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.kubelet.podresources.v1.ContainerDevices;
import com.redhat.das.api.kubelet.podresources.v1.ContainerResources;
import com.redhat.das.api.kubelet.podresources.v1.PodResources;
import com.redhat.das.node.lifecycle.SliceProvisioner.Assignment;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class AssignmentAuditTest {

    private static final Predicate<String> ALL_ALIVE = uid -> true;

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
        assertThat(AssignmentAudit.crossings(kubelet, List.of(assignment("a", "gpu0-0"), assignment("b", "gpu0-1")), ALL_ALIVE)).isEmpty();
    }

    @Test
    void devicesHeldByTheOtherContainerAreACrossing() {
        var kubelet = List.of(pod("a", "mig.das.com/1g.5gb", "gpu0-1"), pod("b", "mig.das.com/1g.5gb", "gpu0-0"));
        Assignment a = assignment("a", "gpu0-0");
        Assignment b = assignment("b", "gpu0-1");
        assertThat(AssignmentAudit.crossings(kubelet, List.of(a, b), ALL_ALIVE))
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.assumed()).isEqualTo(a);
                    assertThat(c.actual()).isEqualTo(b);
                });
    }

    @Test
    void otherVendorsDevicesAreIgnored() {
        var kubelet = List.of(pod("b", "nvidia.com/gpu", "gpu0-0"));
        assertThat(AssignmentAudit.crossings(kubelet, List.of(assignment("a", "gpu0-0")), ALL_ALIVE)).isEmpty();
    }

    /*
     * The soak's finding: the device plugins' IDs are reused once a pod ends, while the kubelet may still list the
     * ended container and this process still remembers what it handed out for it. Reading that as a crossing
     * re-pointed a live pod's claim at the ended one's pod, and back, pass after pass.
     */
    @Test
    void anEndedPodsReusedDevicesAreNoCrossing() {
        Assignment ended = assignment("done", "gpu0-0");
        Assignment next = assignment("next", "gpu0-0");
        var kubelet = List.of(pod("done", "mig.das.com/1g.5gb", "gpu0-0"), pod("next", "mig.das.com/1g.5gb", "gpu0-0"));
        assertThat(AssignmentAudit.crossings(kubelet, List.of(ended, next), uid -> !uid.equals("done-uid"))).isEmpty();
        assertThat(AssignmentAudit.crossings(List.of(pod("next", "mig.das.com/1g.5gb", "gpu0-0")), List.of(ended, next),
                uid -> !uid.equals("done-uid"))).isEmpty();
    }

    @Test
    void reusedDevicesAreNoCrossingWhileTheCacheStillThinksTheEndedPodRuns() {
        // The race the soak hit: the kubelet freed "done"'s device IDs and gave them to "next" before this process's
        // cache saw "done" end. The old audit swapped their claims; "done"'s release then took "next"'s slice.
        var kubelet = List.of(pod("next", "mig.das.com/1g.5gb", "gpu0-0"));
        assertThat(AssignmentAudit.crossings(kubelet, List.of(assignment("done", "gpu0-0"), assignment("next", "gpu0-0")), ALL_ALIVE))
                .isEmpty();
    }

    @Test
    void devicesTakenOverOneWayAreNoCrossing() {
        // c holds what was made for a, but a does not hold c's: device IDs moved on, nobody swapped.
        var kubelet = List.of(pod("a", "mig.das.com/1g.5gb", "gpu0-2"), pod("c", "mig.das.com/1g.5gb", "gpu0-0"));
        assertThat(AssignmentAudit.crossings(kubelet, List.of(assignment("a", "gpu0-0"), assignment("c", "gpu0-1")), ALL_ALIVE)).isEmpty();
    }

    @Test
    void devicesListedForTwoContainersAreNoEvidence() {
        var kubelet = List.of(pod("a", "mig.das.com/1g.5gb", "gpu0-1"), pod("b", "mig.das.com/1g.5gb", "gpu0-0"),
                pod("c", "mig.das.com/1g.5gb", "gpu0-0"));
        assertThat(AssignmentAudit.crossings(kubelet, List.of(assignment("a", "gpu0-0"), assignment("b", "gpu0-1"), assignment("c", "gpu0-5")),
                ALL_ALIVE)).isEmpty();
    }
}
