package com.redhat.das.allocator.placement;

import static com.redhat.das.allocator.placement.Nodes.A100;
import static com.redhat.das.allocator.placement.Nodes.A30;
import static com.redhat.das.allocator.placement.Nodes.node;
import static com.redhat.das.allocator.placement.Nodes.pod;
import static com.redhat.das.allocator.placement.Nodes.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ExplainTest {

    private static NodeState full(NodeState node, int gpu) {
        NodeState result = node;
        for (int start = 0; start < 7; start++) {
            result = with(result, gpu, "1g.5gb", start);
        }
        return result;
    }

    /** Both policies explain the same way, and only when they cannot place the pod. */
    private static String explain(String policyName, NodeState node, String... profiles) {
        PlacementPolicy policy = PlacementPolicies.byName(policyName);
        PodDemand pod = pod(profiles);
        assertThat(policy.place(node, pod)).as("%s places %s", policyName, List.of(profiles)).isEmpty();
        String reason = policy.explain(node, pod);
        assertThat(reason).doesNotContain("\n");
        return reason;
    }

    @ParameterizedTest
    @ValueSource(strings = {"packed", "reference"})
    void namesTheSlotsThatBlockAProfile(String policy) {
        NodeState node = with(with(node(A100, 1), 0, "4g.20gb", 0), 0, "1g.5gb", 5);
        assertThat(explain(policy, node, "3g.20gb")).isEqualTo("GPU-0f2a…: no free 3g.20gb placement, slots 0-3, 5 in use");
        NodeState oneAtZero = with(node(A100, 1), 0, "1g.5gb", 0);
        assertThat(explain(policy, oneAtZero, "4g.20gb")).isEqualTo("GPU-0f2a…: no free 4g.20gb placement, slot 0 in use");
    }

    @ParameterizedTest
    @ValueSource(strings = {"packed", "reference"})
    void namesTheSliceHoldingTheMediaEngines(String policy) {
        NodeState node = with(node(A100, 1), 0, "1g.5gb+me", 6);
        assertThat(explain(policy, node, "1g.5gb+me")).isEqualTo("GPU-0f2a…: 1g.5gb+me already holds the media engines");
        NodeState a30 = with(node(A30, 1), 0, "2g.12gb+me", 2);
        assertThat(explain(policy, a30, "1g.6gb+me")).isEqualTo("no room for 1g.6gb+me: GPU-0f2a…: 2g.12gb+me already holds the media engines");
    }

    @ParameterizedTest
    @ValueSource(strings = {"packed", "reference"})
    void reportsAFullComputeBudgetOncePerGroupOfGpus(String policy) {
        NodeState node = full(full(node(A100, 2), 0), 1);
        assertThat(explain(policy, node, "1g.5gb")).isEqualTo("no room for 1g.5gb: GPU-0f2a…, GPU-1f2a…: compute budget full (7 of 7 slices)");
        NodeState mixed = with(with(full(node(A100, 2), 0), 1, "4g.20gb", 0), 1, "1g.5gb", 5);
        assertThat(explain(policy, mixed, "3g.20gb"))
                .isEqualTo("GPU-0f2a…: compute budget full (7 of 7 slices); GPU-1f2a…: no free 3g.20gb placement, slots 0-3, 5 in use");
        NodeState twoThreeG = with(with(node(A100, 1), 0, "3g.20gb", 0), 0, "3g.20gb", 4);
        assertThat(explain(policy, twoThreeG, "1g.5gb")).isEqualTo("GPU-0f2a…: no free 1g.5gb placement, slots 0-6 in use");
        NodeState threeTwoG = with(with(with(node(A100, 1), 0, "2g.10gb", 0), 0, "2g.10gb", 2), 0, "2g.10gb", 4);
        assertThat(explain(policy, threeTwoG, "2g.10gb")).isEqualTo("GPU-0f2a…: already holds 3 2g.10gb, the most one GPU can");
    }

    @ParameterizedTest
    @ValueSource(strings = {"packed", "reference"})
    void listsTheOfferedProfilesWhenNoGpuOffersTheOneAskedFor(String policy) {
        assertThat(explain(policy, node(A30, 2), "3g.20gb"))
                .isEqualTo("no GPU on this node offers 3g.20gb (offered: 1g.6gb, 1g.6gb+me, 2g.12gb, 2g.12gb+me, 4g.24gb)");
        assertThat(explain(policy, node(A100, 1), "1g.5gb", "1g.6gb")).startsWith("no GPU on this node offers 1g.6gb (offered: 1g.5gb, ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"packed", "reference"})
    void saysHowManySlicesOfAProfileFit(String policy) {
        NodeState node = with(node(A100, 1), 0, "1g.5gb", 6);
        assertThat(explain(policy, node, "3g.20gb", "3g.20gb")).isEqualTo("fits 1 of the 2 slices of 3g.20gb (GPU-0f2a…: room for 1)");
        NodeState two = with(with(node(A100, 2), 0, "1g.5gb", 6), 1, "4g.20gb", 0);
        assertThat(explain(policy, two, "3g.20gb", "1g.5gb", "3g.20gb", "3g.20gb"))
                .isEqualTo("fits 2 of the 3 slices of 3g.20gb (GPU-0f2a…, GPU-1f2a…: room for 1)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"packed", "reference"})
    void saysWhenSlicesFitOneProfileAtATimeButNotTogether(String policy) {
        assertThat(explain(policy, node(A100, 1), "4g.20gb", "3g.20gb", "1g.5gb"))
                .isEqualTo("each profile fits on its own, but the 3 slices (4g.20gb + 3g.20gb + 1g.5gb) do not fit together: at most 2 of them do");
    }

    @Test
    void theReferenceSaysWhenFirstFitMissedAnArrangement() {
        assertThat(explain("reference", node(A100, 1), "1g.5gb", "4g.20gb"))
                .isEqualTo("placing the slices one at a time in container order (first fit) left no room for 4g.20gb of container c1;"
                        + " the slices fit together in another arrangement");
    }

    @Test
    void aNodeWithoutGpus() {
        assertThat(new PackedPolicy().explain(new NodeState("bare", List.of(), 1), pod("1g.5gb"))).isEqualTo("the node has no MIG GPU");
    }

    @Test
    void shortensUuidsAndFormatsSlots() {
        assertThat(PlacementExplainer.shortUuid("GPU-3f2a8c1d-7d0e-4b6a-9e3f-12")).isEqualTo("GPU-3f2a…");
        assertThat(PlacementExplainer.shortUuid("GPU-1")).isEqualTo("GPU-1");
        assertThat(PlacementExplainer.slots(0b0101_1111L)).isEqualTo("slots 0-4, 6");
        assertThat(PlacementExplainer.slots(0b1000_0000L)).isEqualTo("slot 7");
    }
}
