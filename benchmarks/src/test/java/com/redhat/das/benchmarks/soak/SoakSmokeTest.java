package com.redhat.das.benchmarks.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * CI's short soak: at least 300 pods of churn on four emulated nodes while every kind of fault is injected. DAS must
 * break no invariant, lose or duplicate no claim, leave nothing behind, and serve again after every fault.
 */
class SoakSmokeTest {

    @Test
    void threeHundredPodsUnderFaultsBreakNoInvariant() {
        System.setProperty("java.awt.headless", "true");
        Path out = Path.of("target", "soak-smoke");
        // Every component's log is kept there too, for whoever has to read why a run failed.
        System.setProperty("das.cluster.logs", out.resolve("logs").toString());
        SoakReport report = SoakRun.run(SoakPlan.smoke(out));
        report.write(out);

        assertThat(report.podsRun()).as("pods run").isGreaterThanOrEqualTo(300);
        assertThat(report.violations()).as("invariants broken (details in target/soak-smoke/soak-smoke.json)").isEmpty();
        assertThat(report.claimsLost()).as("claims lost").isZero();
        assertThat(report.claimsDuplicated()).as("claims duplicated").isZero();
        assertThat(report.leftAtEnd()).as("left once everything was deleted").allSatisfy((what, n) -> assertThat(n).as(what).isZero());
        assertThat(report.stuckPods()).as("pods that never ran after the workload stopped").isZero();
        assertThat(report.faultsPerKind()).as("faults per kind")
                .containsOnlyKeys(Arrays.stream(FaultInjector.Kind.values()).map(Enum::name).toArray(String[]::new))
                .allSatisfy((kind, n) -> assertThat(n).as(kind).isPositive());
        assertThat(report.faults()).as("every fault followed by a probe pod that ran")
                .allSatisfy(f -> assertThat(f.convergenceMs()).as(f.toString()).isNotNegative());
        assertThat(report.checks()).as("invariant checks made").isGreaterThan(10);
        assertThat(out.resolve("soak-smoke.json")).exists();
        assertThat(out.resolve("soak-smoke-convergence.png")).exists().satisfies(p -> assertThat(Files.size(p)).isPositive());
    }
}
