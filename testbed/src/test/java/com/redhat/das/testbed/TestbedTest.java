package com.redhat.das.testbed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.node.FakeGpuNodes;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** The test bed's public API against its real parts: one cluster, two emulated nodes, daemons in their own JVMs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestbedTest {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private Testbed bed;

    @BeforeAll
    void start() {
        bed = Testbed.builder().emulatedNode("tb-a100", "A100-40GB", 1).emulatedNode("tb-h100", "H100-80GB", 1).start();
    }

    @AfterAll
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    @Order(1)
    void aPodRunsWithItsSliceAndItsCdiSpecOnTheNode() {
        Pod pod = runningPod("first", "nvidia.com/mig-3g.20gb");
        String node = pod.getSpec().getNodeName();
        assertThat(node).isEqualTo("tb-a100"); // only the A100 offers 3g.20gb

        NodeState state = bed.nodeState(node);
        assertThat(state.slices()).singleElement().satisfies(s -> {
            assertThat(s.complete()).isTrue();
            assertThat(s.size()).as("3g.20gb spans 4 memory slices of an A100").isEqualTo(4);
        });
        assertThat(state.cdiSpecs()).singleElement().satisfies(spec -> {
            assertThat(spec.names().podUid()).isEqualTo(pod.getMetadata().getUid());
            assertThat(spec.names().container()).isEqualTo("main");
        });
        assertThat(bed.nodeState("tb-h100").slices()).isEmpty();
    }

    @Test
    @Order(2)
    void aNodeDaemonKilledWithSigkillLeavesTheSliceAndServesAgainAfterRestart() {
        Component daemon = Component.nodeDaemon("tb-a100");
        List<MigSlice> before = bed.nodeState("tb-a100").slices();
        assertThat(bed.running(daemon)).isTrue();

        bed.kill(daemon);

        assertThat(bed.running(daemon)).isFalse();
        assertThat(bed.nodeState("tb-a100").slices()).as("the GPUs keep their slices while the daemon is down").isEqualTo(before);

        bed.restart(daemon);

        assertThat(bed.running(daemon)).isTrue();
        assertThat(bed.node("tb-a100").kubelet().registeredResources()).containsAll(bed.node("tb-a100").resourceNames());
        assertThat(bed.nodeState("tb-a100").slices()).isEqualTo(before);
        assertThat(bed.client().pods().inNamespace("default").withName("first").get().getStatus().getPhase()).isEqualTo("Running");
    }

    @Test
    @Order(3)
    void everyControlPlaneProcessCanBeKilledAndRestartedAndDasSchedulesAfterwards() {
        for (Component.ControlPlane process : Component.ControlPlane.values()) {
            long pid = bed.cluster().process(process.process()).orElseThrow().pid();

            bed.kill(process);
            assertThat(bed.running(process)).as(process + " after kill").isFalse();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

            bed.restart(process);
            assertThat(bed.running(process)).as(process + " after restart").isTrue();
            assertThat(bed.cluster().process(process.process()).orElseThrow().pid()).isNotEqualTo(pid);
        }

        Pod pod = runningPod("after-restarts", "nvidia.com/mig-1g.10gb");
        assertThat(bed.nodeState(pod.getSpec().getNodeName()).cdiSpecs())
                .anySatisfy(spec -> assertThat(spec.names().podUid()).isEqualTo(pod.getMetadata().getUid()));
    }

    @Test
    @Order(4)
    void fakeNodesAreReadyWithTheDeviceCapacityAndNodeAcceleratorOfTheirGpus() {
        FakeGpuNodes fake = bed.addFakeNodes("tb-fake", 3, "A100-40GB", 2);
        assertThat(fake.names()).containsExactly("tb-fake-0", "tb-fake-1", "tb-fake-2");

        for (String name : fake.names()) {
            await("fake node " + name + " schedulable").atMost(WAIT).untilAsserted(() -> {
                Node node = bed.client().nodes().withName(name).get();
                assertThat(node.getStatus().getConditions()).anySatisfy(c -> {
                    assertThat(c.getType()).isEqualTo("Ready");
                    assertThat(c.getStatus()).isEqualTo("True");
                });
                assertThat(node.getSpec().getTaints()).isNullOrEmpty();
                // 7 instances of 1g.5gb per A100-40GB, one of 7g.40gb
                assertThat(node.getStatus().getAllocatable()).containsEntry("mig.das.com/1g.5gb", new Quantity("14"))
                        .containsEntry("mig.das.com/7g.40gb", new Quantity("2"));
            });
            NodeAccelerator na = bed.client().resources(NodeAccelerator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).withName(name).get();
            assertThat(na.getSpec().gpus()).hasSize(2);
            assertThat(na.getStatus().conditions()).anySatisfy(c -> assertThat(c.getStatus()).isEqualTo("True"));
        }

        fake.close();
        await("fake nodes deleted").atMost(WAIT).until(() -> fake.names().stream().allMatch(n -> bed.client().nodes().withName(n).get() == null));
    }

    @Test
    @Order(5)
    void unknownNamesGetAClearAnswer() {
        assertThatThrownBy(() -> bed.node("nope")).hasMessageContaining("no emulated node nope").hasMessageContaining("tb-a100");
        assertThatThrownBy(() -> bed.cluster().kill("kubelet")).hasMessageContaining("unknown component kubelet");
        assertThatThrownBy(() -> bed.addEmulatedNode("tb-a100", "A100-40GB", 1)).hasMessageContaining("already exists");
    }

    private Pod runningPod(String name, String resource) {
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("registry.example/cuda:12")
                .withNewResources().withLimits(Map.of(resource, new Quantity("1"))).endResources().endContainer().endSpec().build();
        bed.client().pods().inNamespace("default").resource(pod).create();
        await("pod " + name + " running").atMost(WAIT).until(() -> {
            Pod p = bed.client().pods().inNamespace("default").withName(name).get();
            return p != null && "Running".equals(p.getStatus().getPhase());
        });
        return bed.client().pods().inNamespace("default").withName(name).get();
    }
}
