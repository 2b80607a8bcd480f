package com.redhat.das.benchmarks.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SoakPlanTest {

    @Test
    void optionsOverrideThePlan() {
        SoakPlan plan = SoakPlan.longRun(Path.of("out")).with("--seed=7", "--pods=50", "--max-duration=PT10M", "--out=elsewhere", "");
        assertThat(plan.seed()).isEqualTo(7);
        assertThat(plan.pods()).isEqualTo(50);
        assertThat(plan.maxDuration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(plan.out()).isEqualTo(Path.of("elsewhere"));
        assertThat(plan.name()).isEqualTo("soak");
    }

    @Test
    void anUnknownOptionIsNamed() {
        assertThatThrownBy(() -> SoakPlan.smoke(Path.of("out")).with("--pod=3")).hasMessageContaining("unknown soak option --pod")
                .hasMessageContaining("--pods");
        assertThatThrownBy(() -> SoakPlan.smoke(Path.of("out")).with("pods")).hasMessageContaining("expected --option=value");
    }

    @Test
    void theSoaksRunFourModelsOnAtLeastFourNodes() {
        assertThat(SoakPlan.smoke(Path.of("out")).nodes()).hasSizeGreaterThanOrEqualTo(4)
                .extracting(n -> n.model()).doesNotHaveDuplicates();
        assertThat(SoakPlan.smoke(Path.of("out")).pods()).isGreaterThanOrEqualTo(300);
        assertThat(SoakPlan.longRun(Path.of("out")).pods()).isGreaterThanOrEqualTo(10_000);
    }

    @Test
    void percentilesAreNearestRank() {
        SoakReport.Percentiles p = SoakReport.Percentiles.of(List.of(5L, 1L, 3L, 2L, 4L, 100L, 6L, 7L, 8L, 9L));
        assertThat(p.count()).isEqualTo(10);
        assertThat(p.p50()).isEqualTo(5);
        assertThat(p.p99()).isEqualTo(100);
        assertThat(p.max()).isEqualTo(100);
        assertThat(SoakReport.Percentiles.of(List.of()).p50()).isEqualTo(-1);
    }
}
