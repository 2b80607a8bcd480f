package com.redhat.das.allocator.placement;

import static com.redhat.das.allocator.placement.Nodes.A100;
import static com.redhat.das.allocator.placement.Nodes.A30;
import static com.redhat.das.allocator.placement.Nodes.H100;
import static com.redhat.das.allocator.placement.Nodes.apply;
import static com.redhat.das.allocator.placement.Nodes.describe;
import static com.redhat.das.allocator.placement.Nodes.node;
import static com.redhat.das.allocator.placement.Nodes.pod;
import static com.redhat.das.allocator.placement.Nodes.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PackedPolicyTest {

    private final PackedPolicy packed = new PackedPolicy();
    private final ReferencePolicy reference = new ReferencePolicy();

    /** Places the pod with the policy (it must fit) and returns the node with its slices. */
    private static NodeState placed(PlacementPolicy policy, NodeState node, String... profiles) {
        PodDemand pod = pod(profiles);
        Optional<List<SlicePlacement>> placement = policy.place(node, pod);
        assertThat(placement).as("%s places %s on %s", policy.name(), List.of(profiles), node.gpus()).isPresent();
        return apply(node, pod, placement.get());
    }

    private static List<String> where(PlacementPolicy policy, NodeState node, String... profiles) {
        return policy.place(node, pod(profiles)).map(p -> describe(node, p)).orElse(List.of());
    }

    private static boolean fits(PlacementPolicy policy, NodeState node, String... profiles) {
        return policy.place(node, pod(profiles)).isPresent();
    }

    @Test
    void fillsOneGpuWithSevenOneGSlicesBeforeTouchingTheSecond() {
        NodeState node = node(A100, 2);
        for (int i = 0; i < 7; i++) {
            assertThat(where(packed, node, "1g.5gb")).singleElement().asString().startsWith("0:");
            node = placed(packed, node, "1g.5gb");
        }
        assertThat(node.gpus().get(0).layout().usedComputeSlices()).isEqualTo(7);
        assertThat(node.gpus().get(1).isEmpty()).isTrue();
        assertThat(where(packed, node, "1g.5gb")).containsExactly("1:1g.5gb@6");
    }

    @Test
    void putsTheFirstOneGSlicesAtTheTopSoThatFourGStillFits() {
        NodeState node = node(A100, 1);
        assertThat(where(packed, node, "1g.5gb")).containsExactly("0:1g.5gb@6");
        for (int i = 0; i < 3; i++) {
            node = placed(packed, node, "1g.5gb");
        }
        assertThat(node.gpus().get(0).layout().occupiedMemorySlices()).isEqualTo(0b0111_0000L);
        assertThat(where(packed, node, "4g.20gb")).containsExactly("0:4g.20gb@0");
    }

    @Test
    void placesOneGBesidesExistingSlicesWhereLargeProfilesSurvive() {
        // 2g at 4: the free slots are 0-3 and 6; only 6 keeps 4g.20gb and 3g.20gb at 0 possible.
        NodeState twoG = with(node(A100, 1), 0, "2g.10gb", 4);
        assertThat(where(packed, twoG, "1g.5gb")).containsExactly("0:1g.5gb@6");
        NodeState afterPacked = placed(packed, twoG, "1g.5gb");
        assertThat(fits(packed, afterPacked, "4g.20gb")).isTrue();
        assertThat(fits(packed, afterPacked, "3g.20gb")).isTrue();

        // The reference takes slot 0, and 4g.20gb no longer fits.
        assertThat(where(reference, twoG, "1g.5gb")).containsExactly("0:1g.5gb@0");
        assertThat(fits(packed, placed(reference, twoG, "1g.5gb"), "4g.20gb")).isFalse();

        // A 1g at 0 already rules out 4g; the next 1g stays in 0-3 so that 3g.20gb at 4 survives.
        NodeState oneAtZero = with(node(A100, 1), 0, "1g.5gb", 0);
        NodeState next = placed(packed, oneAtZero, "1g.5gb");
        assertThat(next.gpus().get(0).layout().occupiedMemorySlices() & 0b1111_0000L).isZero();
        assertThat(where(packed, next, "3g.20gb")).containsExactly("0:3g.20gb@4");
    }

    @Test
    void threeGGoesToFourSoThatFourGStillFits() {
        NodeState node = node(H100, 1);
        assertThat(where(packed, node, "3g.40gb")).containsExactly("0:3g.40gb@4");
        assertThat(where(packed, placed(packed, node, "3g.40gb"), "4g.40gb")).containsExactly("0:4g.40gb@0");
    }

    @Test
    void fourGAndThreeGShareOneGpu() {
        NodeState node = node(A100, 2);
        assertThat(where(packed, node, "3g.20gb", "4g.20gb")).containsExactly("0:3g.20gb@4", "0:4g.20gb@0");

        NodeState fourFirst = placed(packed, node, "4g.20gb");
        assertThat(where(packed, fourFirst, "3g.20gb")).containsExactly("0:3g.20gb@4");
        NodeState threeFirst = placed(packed, node, "3g.20gb");
        assertThat(where(packed, threeFirst, "4g.20gb")).containsExactly("0:4g.20gb@0");
    }

    @Test
    void afterOneGSlicesPackedStillFitsASevenGWhereTheReferenceDoesNot() {
        NodeState packedNode = node(A100, 2);
        NodeState referenceNode = node(A100, 2);
        for (String profile : List.of("1g.5gb", "1g.5gb", "1g.5gb", "4g.20gb")) {
            packedNode = placed(packed, packedNode, profile);
            referenceNode = placed(reference, referenceNode, profile);
        }
        // Packed: 1g at 4-6 and the 4g at 0 on GPU 0; reference: 1g at 0-2 pushed the 4g to GPU 1.
        assertThat(packedNode.gpus().get(1).isEmpty()).isTrue();
        assertThat(referenceNode.gpus().get(1).isEmpty()).isFalse();
        assertThat(where(packed, packedNode, "7g.40gb")).containsExactly("1:7g.40gb@0");
        assertThat(fits(packed, referenceNode, "7g.40gb")).isFalse();
    }

    @Test
    void scorePrefersTheUsedNodeWhereTheReferencePrefersTheEmptyOne() {
        NodeState empty = node("empty", A100, 2);
        NodeState used = with(node("used", A100, 2), 0, "1g.5gb", 6);
        PodDemand pod = pod("1g.5gb");
        long packedEmpty = packed.score(empty, pod, packed.place(empty, pod).orElseThrow());
        long packedUsed = packed.score(used, pod, packed.place(used, pod).orElseThrow());
        assertThat(packedUsed).isGreaterThan(packedEmpty);
        assertThat(packedEmpty).isBetween(0L, 100L);
        assertThat(packedUsed).isBetween(0L, 100L);

        long referenceEmpty = reference.score(empty, pod, reference.place(empty, pod).orElseThrow());
        long referenceUsed = reference.score(used, pod, reference.place(used, pod).orElseThrow());
        assertThat(referenceEmpty).isGreaterThan(referenceUsed);
    }

    @Test
    void scorePenalisesDestroyingLargerPlacements() {
        PodDemand pod = pod("1g.5gb");
        // Equally used (4 compute slices). Here the 1g can go to slot 2 and only costs 1g.10gb room ...
        NodeState keeps = node("keeps", A100, 1);
        for (int start = 3; start <= 6; start++) {
            keeps = with(keeps, 0, "1g.5gb", start);
        }
        // ... there any slot it can take (4-6) destroys the GPU's last 3g.20gb and 2g.10gb placements.
        NodeState loses = with(node("loses", A100, 1), 0, "4g.20gb", 0);
        assertThat(keeps.usedComputeSlices()).isEqualTo(loses.usedComputeSlices());
        long keepsScore = packed.score(keeps, pod, packed.place(keeps, pod).orElseThrow());
        long losesScore = packed.score(loses, pod, packed.place(loses, pod).orElseThrow());
        assertThat(keepsScore).isGreaterThan(losesScore);

        // An all-empty node scores below a used node that keeps its large placements.
        NodeState empty = node("empty", A100, 1);
        long emptyScore = packed.score(empty, pod, packed.place(empty, pod).orElseThrow());
        NodeState used = with(node("used", A100, 1), 0, "1g.5gb", 6);
        assertThat(packed.score(used, pod, packed.place(used, pod).orElseThrow())).isGreaterThan(emptyScore);

        // A 7g pod on an empty GPU destroys nothing larger than itself.
        PodDemand whole = pod("7g.40gb");
        assertThat(packed.score(empty, whole, packed.place(empty, whole).orElseThrow())).isEqualTo(100);
    }

    @Test
    void multiSliceSlicesArePlacedAllOrNone() {
        NodeState node = with(node(A100, 1), 0, "4g.20gb", 0);
        assertThat(packed.place(node, pod("3g.20gb", "3g.20gb"))).isEmpty();
        assertThat(reference.place(node, pod("3g.20gb", "3g.20gb"))).isEmpty();
        assertThat(packed.place(node, pod("3g.20gb", "1g.5gb"))).isEmpty();
        assertThat(where(packed, node, "2g.10gb", "1g.5gb")).containsExactly("0:2g.10gb@4", "0:1g.5gb@6");
        // The 2g and one 1g would fit, the second 1g not: nothing is placed.
        assertThat(packed.place(node, pod("2g.10gb", "1g.5gb", "1g.5gb"))).isEmpty();
        assertThat(reference.place(node, pod("2g.10gb", "1g.5gb", "1g.5gb"))).isEmpty();
    }

    @Test
    void placesSlicesJointlyWhereOneAtATimeFails() {
        NodeState node = node(A100, 1);
        assertThat(where(packed, node, "1g.5gb", "4g.20gb", "2g.10gb"))
                .containsExactly("0:1g.5gb@6", "0:4g.20gb@0", "0:2g.10gb@4");
        assertThat(reference.place(node, pod("1g.5gb", "4g.20gb", "2g.10gb"))).isEmpty();
    }

    @Test
    void mediaExtensionSlicesOfOnePodGoToDifferentGpus() {
        assertThat(where(packed, node(A100, 2), "1g.5gb+me", "1g.5gb+me")).extracting(s -> s.substring(0, 2))
                .containsExactly("0:", "1:");
        assertThat(packed.place(node(A100, 1), pod("1g.5gb+me", "1g.5gb+me"))).isEmpty();
        // A30: its two +me profiles share the one set of media engines.
        assertThat(packed.place(node(A30, 1), pod("1g.6gb+me", "2g.12gb+me"))).isEmpty();
        assertThat(where(packed, node(A30, 2), "2g.12gb+me", "1g.6gb+me")).extracting(s -> s.substring(0, 2))
                .containsExactlyInAnyOrder("0:", "1:");
    }

    @Test
    void packsA30Gpus() {
        NodeState node = node(A30, 2);
        node = placed(packed, node, "2g.12gb");
        assertThat(where(packed, node, "2g.12gb")).singleElement().asString().startsWith("0:2g.12gb@");
        node = placed(packed, node, "2g.12gb");
        assertThat(where(packed, node, "4g.24gb")).containsExactly("1:4g.24gb@0");
    }

    @Test
    void packsTwoThreeGSlicesOfOnePodOnOneH100() {
        assertThat(where(packed, node(H100, 2), "3g.40gb", "3g.40gb"))
                .containsExactlyInAnyOrder("0:3g.40gb@0", "0:3g.40gb@4");
    }

    @Test
    void profilesOfOtherModelsGoToTheGpusThatOfferThem() {
        NodeState mixed = new NodeState("mixed", List.of(
                node("x", A30, 1).gpus().getFirst(),
                com.redhat.das.allocator.model.GpuState.empty(Nodes.uuid("x", 1), "mixed", 1, A100)), 1);
        assertThat(where(packed, mixed, "3g.20gb")).containsExactly("1:3g.20gb@4");
        assertThat(where(packed, mixed, "2g.12gb", "1g.5gb")).containsExactly("0:2g.12gb@2", "1:1g.5gb@6");
        assertThat(packed.place(mixed, pod("7g.80gb"))).isEmpty();
    }

    @Test
    void anEmptyDemandNeedsNothing() {
        PodDemand none = new PodDemand("ns", "p", "u", List.of());
        assertThat(packed.place(node(A100, 1), none)).contains(List.of());
        assertThat(reference.place(node(A100, 1), none)).contains(List.of());
    }
}
