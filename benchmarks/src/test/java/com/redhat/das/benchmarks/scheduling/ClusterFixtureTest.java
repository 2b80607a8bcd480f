package com.redhat.das.benchmarks.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.placement.PlacementPolicies;
import com.redhat.das.api.mig.MigCatalog;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

class ClusterFixtureTest {

    private static ClusterModel build(long seed) {
        return ClusterFixture.build(MigCatalog.bundled().requireModel("A100-40GB"), 50, 8, 0.6,
                PlacementPolicies.byName("packed"), seed);
    }

    @Test
    void fillsTheClusterToAboutTheTargetOccupancy() {
        assertThat(ClusterFixture.computeUse(build(42))).isBetween(0.45, 0.75);
    }

    @Test
    void theSameSeedBuildsTheSameCluster() {
        assertThat(layouts(build(7))).isEqualTo(layouts(build(7)));
    }

    @Test
    void aSingleSlicePodIsReservedOnTheFixture() {
        SchedulingBenchmark b = new SchedulingBenchmark();
        b.nodes = 20;
        b.gpusPerNode = 8;
        b.request = "1x3g.20gb+2x1g.5gb";
        b.policy = "packed";
        b.setUp();
        assertThat(b.preFilterAndReserve().getSlicesCount()).isEqualTo(3);
    }

    private static String layouts(ClusterModel model) {
        StringBuilder sb = new StringBuilder();
        model.nodes().stream().sorted(Comparator.comparing(NodeState::name))
                .forEach(n -> n.gpus().forEach(g -> sb.append(g.uuid()).append(g.layout().instances()).append('\n')));
        return sb.toString();
    }
}
