package com.redhat.das.benchmarks.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.placement.PlacementPolicies;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The simulator on small clusters and constructed traces whose right answers are known. */
class SimulationTest {

    private static final double LONG = 1_000_000;

    private static Trace trace(String... profilesAndTimes) {
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < profilesAndTimes.length; i += 3) {
            requests.add(new Request(i / 3, Double.parseDouble(profilesAndTimes[i + 1]),
                    Double.parseDouble(profilesAndTimes[i + 2]), profilesAndTimes[i]));
        }
        return new Trace("constructed", requests);
    }

    private static Function<ClusterSpec, SimulatedCluster> policy(String name) {
        return switch (name) {
            case "static" -> spec -> new StaticPartitionCluster(spec, StaticLayout.allBalanced(spec.model()));
            case "repack" -> RepackCluster::new;
            default -> spec -> new EngineCluster(spec, PlacementPolicies.byName(name), 1);
        };
    }

    private static RunResult run(String cluster, String policy, Trace trace, Simulation.Queue queue) {
        ClusterSpec spec = ClusterSpec.parse(cluster);
        return Simulation.run(trace, spec, policy(policy).apply(spec), queue, 0, 10);
    }

    @Test
    void referenceSpreadsTwoSmallSlicesOverTwoNodesAndThenCannotFitA7g() {
        // Two nodes of one GPU: the reference puts the second 1g on the emptier node; packed stacks it.
        Trace trace = trace("1g.5gb", "0", "" + LONG, "1g.5gb", "1", "" + LONG, "7g.40gb", "2", "" + LONG);
        RunResult reference = run("2x1xA100-40GB", "reference", trace, Simulation.Queue.LOSS);
        RunResult packed = run("2x1xA100-40GB", "packed", trace, Simulation.Queue.LOSS);
        RunResult repack = run("2x1xA100-40GB", "repack", trace, Simulation.Queue.LOSS);
        assertThat(reference.placedOnArrival()).isEqualTo(2);
        assertThat(packed.placedOnArrival()).isEqualTo(3);
        assertThat(repack.placedOnArrival()).isEqualTo(3);
        assertThat(reference.largePlacedShare()).isZero();
        assertThat(packed.largePlacedShare()).isEqualTo(1.0);
    }

    @Test
    void referenceTakesSlotZeroForA1gAndLosesThe4g() {
        Trace trace = trace("1g.5gb", "0", "" + LONG, "4g.20gb", "1", "" + LONG, "3g.20gb", "2", "" + LONG);
        RunResult reference = run("1x1xA100-40GB", "reference", trace, Simulation.Queue.LOSS);
        RunResult packed = run("1x1xA100-40GB", "packed", trace, Simulation.Queue.LOSS);
        RunResult repack = run("1x1xA100-40GB", "repack", trace, Simulation.Queue.LOSS);
        // reference: 1g@0, 4g impossible, 3g@4. packed: 1g high up, 4g@0, and the 3g no longer fits.
        assertThat(reference.placedOnArrival()).isEqualTo(2);
        assertThat(packed.placedOnArrival()).isEqualTo(2);
        assertThat(packed.largePlacedShare()).isEqualTo(1.0);
        assertThat(reference.largePlacedShare()).isZero();
        assertThat(repack.placedOnArrival()).isEqualTo(2);
    }

    @Test
    void repackMovesRunningSlicesToMakeRoomAndCountsTheMoves() {
        // Two GPUs on one node: three 3g, the first leaves; a 3g now sits on each GPU and no GPU is empty.
        Trace trace = trace("3g.20gb", "0", "3", "3g.20gb", "1", "" + LONG, "3g.20gb", "2", "" + LONG,
                "7g.40gb", "4", "" + LONG);
        RunResult packed = run("1x2xA100-40GB", "packed", trace, Simulation.Queue.LOSS);
        RunResult repack = run("1x2xA100-40GB", "repack", trace, Simulation.Queue.LOSS);
        assertThat(packed.placedOnArrival()).isEqualTo(3);
        assertThat(repack.placedOnArrival()).isEqualTo(4);
        // Four placements, one 3g moved to the other GPU to free one for the 7g.
        assertThat(repack.placements()).isEqualTo(4);
        assertThat(repack.slicesCreated()).isEqualTo(5);
        assertThat(packed.slicesCreated()).isEqualTo(3);
    }

    @Test
    void aFifoQueueIsStrictHeadOfLine() {
        // One GPU holds one 4g. The second 4g waits for the first; the 1g behind it would fit but waits its turn.
        Trace trace = trace("4g.20gb", "0", "100", "4g.20gb", "1", "50", "1g.5gb", "2", "50");
        RunResult fifo = run("1x1xA100-40GB", "packed", trace, Simulation.Queue.FIFO);
        assertThat(fifo.placedOnArrival()).isEqualTo(1);
        assertThat(fifo.placements()).isEqualTo(1); // the window ends at the last arrival
        assertThat(fifo.meanWaitS()).isCloseTo((0 + 99 + 98) / 3.0, within(1e-9));
        RunResult loss = run("1x1xA100-40GB", "packed", trace, Simulation.Queue.LOSS);
        assertThat(loss.placedOnArrival()).isEqualTo(2);
    }

    @Test
    void staticPartitioningTurnsAwayProfilesItsLayoutLacksWithoutBlockingTheQueue() {
        Trace trace = trace("7g.40gb", "0", "10", "1g.5gb", "1", "10", "1g.5gb", "2", "10", "1g.5gb", "3", "10",
                "3g.20gb", "4", "10");
        RunResult fifo = run("1x1xA100-40GB", "static", trace, Simulation.Queue.FIFO);
        assertThat(fifo.turnedAway()).isEqualTo(1);
        // all-balanced has two 1g instances: the third 1g waits for the first to end at t=11.
        assertThat(fifo.placedOnArrival()).isEqualTo(2);
        assertThat(fifo.meanWaitS()).isCloseTo((0 + 0 + 8 + 7) / 4.0, within(1e-9));
        assertThat(fifo.slicesCreated()).isZero();
    }

    @Test
    void utilizationNeverExceedsCapacityAndTheEngineModelHoldsExactlyTheRunningSlices() {
        ClusterSpec spec = ClusterSpec.parse("2x2xA100-40GB");
        Trace trace = WorkloadMix.MIXED.trace(spec, 400, 1.3, 5);
        for (String name : PlacementBenchmark.POLICIES) {
            for (Simulation.Queue queue : Simulation.Queue.values()) {
                RunResult r = Simulation.run(trace, spec, policy(name).apply(spec), queue, 0.2, 50);
                assertThat(r.computeUtilization()).as(name).isBetween(0.0, 1.0);
                assertThat(r.memoryUtilization()).as(name).isBetween(0.0, 1.0);
                for (double[] series : List.of(r.series().compute(), r.series().memory())) {
                    assertThat(Arrays.stream(series).max().orElseThrow()).as(name).isLessThanOrEqualTo(1.0);
                    assertThat(Arrays.stream(series).min().orElseThrow()).as(name).isGreaterThanOrEqualTo(0.0);
                }
                assertThat(r.fragmentation()).as(name).isBetween(0.0, 1.0);
                assertThat(r.undecided()).isZero();
            }
        }
        // After every request has come and gone, the allocator's model is empty again: no slice, no reservation.
        EngineCluster engine = new EngineCluster(spec, PlacementPolicies.byName("packed"), 1);
        List<Request> placed = new ArrayList<>();
        for (Request r : trace.requests().subList(0, 40)) {
            if (engine.place(r)) {
                placed.add(r);
                assertThat(engine.model().reservation("req-" + r.id())).as("bound and seen as a claim").isEmpty();
            }
        }
        int slices = engine.model().nodes().stream()
                .mapToInt(n -> n.gpus().stream().mapToInt(g -> g.slices().size()).sum()).sum();
        assertThat(slices).isEqualTo(placed.size());
        assertThat(engine.usedComputeSlices()).isEqualTo(placed.stream()
                .mapToInt(r -> spec.profile(r.profile()).computeSlices()).sum());
        placed.forEach(engine::release);
        assertThat(engine.model().nodes()).allSatisfy(n -> assertThat(n.usedComputeSlices()).isZero());
        assertThat(engine.model().nodes()).extracting(NodeState::name).hasSize(2);
    }

    @Test
    void aRunIsDeterministicForASeed() {
        ClusterSpec spec = ClusterSpec.parse("2x2xA100-40GB");
        for (String name : PlacementBenchmark.POLICIES) {
            RunResult first = Simulation.run(WorkloadMix.INFERENCE.trace(spec, 300, 1.1, 9), spec, policy(name).apply(spec),
                    Simulation.Queue.FIFO, 0.2, 20);
            RunResult second = Simulation.run(WorkloadMix.INFERENCE.trace(spec, 300, 1.1, 9), spec, policy(name).apply(spec),
                    Simulation.Queue.FIFO, 0.2, 20);
            assertThat(second).usingRecursiveComparison().as(name).isEqualTo(first);
        }
    }

    @Test
    void onAHeavyMixPackedBeatsReferenceAndStaysCloseToRepack() {
        ClusterSpec spec = ClusterSpec.parse("2x4xA100-40GB");
        Trace trace = WorkloadMix.MIXED.trace(spec, 1500, 1.1, 42);
        RunResult packed = Simulation.run(trace, spec, policy("packed").apply(spec), Simulation.Queue.LOSS, 0.2, 2);
        RunResult reference = Simulation.run(trace, spec, policy("reference").apply(spec), Simulation.Queue.LOSS, 0.2, 2);
        RunResult repack = Simulation.run(trace, spec, policy("repack").apply(spec), Simulation.Queue.LOSS, 0.2, 2);
        assertThat(packed.largePlacedShare()).isGreaterThan(reference.largePlacedShare());
        assertThat(packed.computeUtilization()).isGreaterThan(reference.computeUtilization());
        assertThat(repack.computeUtilization()).isGreaterThanOrEqualTo(packed.computeUtilization());
        assertThat(packed.placedShare()).isGreaterThanOrEqualTo(0.97 * repack.placedShare());
    }
}
