package com.redhat.das.testbed.invariants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.backend.emulated.EmulatedBackend;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.node.cdi.ContainerSlices;
import com.redhat.das.testbed.Testbed;
import com.redhat.das.testbed.invariants.Violation.Kind;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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

/** The checker against a real cluster: clean while DAS works, and each injected fault is named. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InvariantCheckerTest {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String NODE = "inv-a100";
    private Testbed bed;
    private Pod pod;

    @BeforeAll
    void start() {
        // in-process daemons: the test reaches the emulated GPUs the daemon drives, to make a slice behind its back
        bed = Testbed.builder().emulatedNode(NODE, "A100-40GB", 1).nodeDaemonsInProcess().start();
        bed.client().pods().inNamespace("default").resource(new PodBuilder().withNewMetadata().withName("worker").endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("registry.example/cuda:12").withNewResources()
                .withLimits(Map.of("nvidia.com/mig-3g.20gb", new Quantity("1"))).endResources().endContainer().endSpec().build()).create();
        await("pod running").atMost(WAIT).until(() -> {
            Pod p = bed.client().pods().inNamespace("default").withName("worker").get();
            return p != null && "Running".equals(p.getStatus().getPhase());
        });
        pod = bed.client().pods().inNamespace("default").withName("worker").get();
    }

    @AfterAll
    void stop() {
        if (bed != null) {
            bed.close();
        }
    }

    private InvariantChecker checker(Duration grace) {
        return new InvariantChecker(bed.client(), bed::nodeStates, grace, Clock.systemUTC());
    }

    @Test
    @Order(1)
    void aRunningPodWithItsSliceBreaksNoInvariant() {
        InvariantChecker checker = checker(Duration.ZERO);
        // the NodeAccelerator status follows the slice by one reconciliation pass
        await("no violation").atMost(WAIT).untilAsserted(() -> assertThat(checker.check().violations()).isEmpty());
        InvariantChecker.Report report = checker.check();
        assertThat(report.pods()).isGreaterThanOrEqualTo(1);
        assertThat(report.claims()).isEqualTo(1);
        assertThat(report.slices()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void aCdiSpecOfAPodWithoutClaimsIsALeakAndCountsOnlyAfterTheGracePeriod() throws Exception {
        CdiSpecDirectory dir = new CdiSpecDirectory(bed.node(NODE).cdiDir());
        Path leaked = dir.write(new ContainerSlices("0000-no-such-pod", "default", "ghost", "main", Map.of("1g.5gb", List.of("MIG-leaked")),
                List.of("ghost-claim")));
        try {
            assertThat(checker(Duration.ZERO).check().violations())
                    .anySatisfy(v -> {
                        assertThat(v.kind()).isEqualTo(Kind.CDI_SPEC_WITHOUT_CLAIM);
                        assertThat(v.detail()).contains("0000-no-such-pod");
                    });
            InvariantChecker patient = checker(Duration.ofHours(1));
            InvariantChecker.Report report = patient.check();
            assertThat(report.violations()).noneMatch(v -> v.kind() == Kind.CDI_SPEC_WITHOUT_CLAIM);
            assertThat(report.pending()).anyMatch(v -> v.kind() == Kind.CDI_SPEC_WITHOUT_CLAIM);
        } finally {
            Files.deleteIfExists(leaked);
        }
    }

    @Test
    @Order(3)
    void aSliceMadeBehindDasBackIsALeak() throws Exception {
        EmulatedBackend gpus = bed.node(NODE).gpus();
        GpuInventory gpu = gpus.devices().getFirst();
        GpuProfile oneG = gpu.profiles().stream().filter(p -> p.name().equals("1g.5gb")).findFirst().orElseThrow();
        MigSlice existing = gpus.slices().getFirst();
        int free = oneG.placements().stream().mapToInt(p -> p.start())
                .filter(s -> s + 1 <= existing.start() || s >= existing.start() + existing.size()).findFirst().orElseThrow();
        MigSlice stray = gpus.create(gpu.uuid(), oneG, free);
        try {
            assertThat(checker(Duration.ZERO).snapshot()).anySatisfy(v -> {
                assertThat(v.kind()).isEqualTo(Kind.SLICE_WITHOUT_CLAIM);
                assertThat(v.detail()).contains(stray.migUuid());
            });
        } finally {
            gpus.destroy(gpu.uuid(), stray.gpuInstanceId());
        }
    }

    @Test
    @Order(4)
    void aDeletedPodLeavesNothingBehind() {
        bed.client().pods().inNamespace("default").withName("worker").delete();
        InvariantChecker checker = checker(Duration.ZERO);
        await("pod's slice, spec and claim gone").atMost(WAIT).untilAsserted(() -> {
            InvariantChecker.Report report = checker.check();
            assertThat(report.violations()).isEmpty();
            assertThat(report.claims()).isZero();
            assertThat(report.slices()).isZero();
        });
        assertThat(bed.nodeState(NODE).cdiSpecs()).noneMatch(s -> s.slices().podUid().equals(pod.getMetadata().getUid()));
    }
}
