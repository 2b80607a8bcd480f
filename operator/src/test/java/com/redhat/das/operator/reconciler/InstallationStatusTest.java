package com.redhat.das.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.operator.reconciler.InstallationStatus.Outcome;
import com.redhat.das.operator.reconciler.InstallationStatus.Workload;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InstallationStatusTest {

    static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

    static Workload deployment(int replicas, int available, long generation, long observed) {
        return Workload.of("d", Optional.of(new DeploymentBuilder().withNewMetadata().withName("d").withGeneration(generation)
                .endMetadata().withNewSpec().withReplicas(replicas).endSpec()
                .withNewStatus().withAvailableReplicas(available).withUpdatedReplicas(available).withObservedGeneration(observed)
                .endStatus().build()));
    }

    static Condition find(List<Condition> conditions, String type) {
        return conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void availableWhenEveryWorkloadIsAndProgressingWhileOneRolls() {
        var ready = InstallationStatus.conditions(null, new Outcome.Applied(), List.of(deployment(2, 2, 3, 3)), 5, T0);
        assertThat(find(ready, "Available").getStatus()).isEqualTo("True");
        assertThat(find(ready, "Progressing").getStatus()).isEqualTo("False");
        assertThat(find(ready, "Degraded").getStatus()).isEqualTo("False");
        assertThat(ready).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(5));
        var rolling = InstallationStatus.conditions(ready, new Outcome.Applied(), List.of(deployment(2, 1, 4, 3)), 6, T0.plusSeconds(60));
        assertThat(find(rolling, "Progressing").getStatus()).isEqualTo("True");
        assertThat(find(rolling, "Progressing").getReason()).isEqualTo("RollingOut");
        assertThat(find(rolling, "Available").getMessage()).isEqualTo("d 1/2 available");
    }

    @Test
    void transitionTimesMoveOnlyWhenTheStatusChanges() {
        var first = InstallationStatus.conditions(null, new Outcome.Applied(), List.of(deployment(1, 0, 1, 1)), 1, T0);
        var same = InstallationStatus.conditions(first, new Outcome.Applied(), List.of(deployment(1, 0, 1, 1)), 2, T0.plusSeconds(300));
        assertThat(find(same, "Available").getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");
        var up = InstallationStatus.conditions(same, new Outcome.Applied(), List.of(deployment(1, 1, 1, 1)), 2, T0.plusSeconds(400));
        assertThat(find(up, "Available").getLastTransitionTime()).isEqualTo("2026-11-24T10:06:40Z");
        assertThat(find(up, "Degraded").getLastTransitionTime()).isEqualTo("2026-11-24T10:00:00Z");
    }

    @Test
    void aFailureDegradesWithItsReasonAndAMissingWorkloadIsNamed() {
        var failed = InstallationStatus.conditions(null, new Outcome.Failed("InvalidSpec", "bad model"),
                List.of(Workload.of("das-webhook", Optional.empty())), 1, T0);
        assertThat(find(failed, "Degraded").getStatus()).isEqualTo("True");
        assertThat(find(failed, "Degraded").getReason()).isEqualTo("InvalidSpec");
        assertThat(find(failed, "Available").getMessage()).isEqualTo("das-webhook not created");
    }

    @Test
    void aDaemonSetOnNoNodeIsAvailableAndSaysSo() {
        Workload none = Workload.ofDaemonSet("das-node", Optional.of(new DaemonSetBuilder().withNewMetadata().withGeneration(1L)
                .endMetadata().withNewStatus().withDesiredNumberScheduled(0).withNumberAvailable(0).withObservedGeneration(1L)
                .endStatus().build()));
        assertThat(none.available()).isTrue();
        assertThat(none.summary()).contains("no node matches its node selector");
    }
}
