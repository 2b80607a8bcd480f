package com.redhat.das.allocator.placement;

import static com.redhat.das.allocator.placement.Nodes.A100;
import static com.redhat.das.allocator.placement.Nodes.A30;
import static com.redhat.das.allocator.placement.Nodes.H100;
import static com.redhat.das.allocator.placement.Nodes.describe;
import static com.redhat.das.allocator.placement.Nodes.node;
import static com.redhat.das.allocator.placement.Nodes.pod;
import static com.redhat.das.allocator.placement.Nodes.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferencePolicyTest {

    private final ReferencePolicy reference = new ReferencePolicy();

    private List<String> where(NodeState node, String... profiles) {
        return reference.place(node, pod(profiles)).map(p -> describe(node, p)).orElse(List.of());
    }

    private long score(NodeState node, String... profiles) {
        PodDemand pod = pod(profiles);
        return reference.score(node, pod, reference.place(node, pod).orElseThrow());
    }

    @Test
    void takesTheFirstGpuWithRoomAtItsFirstFreeStart() {
        NodeState node = with(with(node(A100, 2), 0, "1g.5gb", 0), 0, "1g.5gb", 1);
        assertThat(where(node, "1g.5gb")).containsExactly("0:1g.5gb@2");
        assertThat(where(node, "2g.10gb")).containsExactly("0:2g.10gb@2");
        assertThat(where(node, "3g.20gb")).containsExactly("0:3g.20gb@4");
        assertThat(where(node, "4g.20gb")).containsExactly("1:4g.20gb@0");
        assertThat(where(node, "7g.40gb")).containsExactly("1:7g.40gb@0");
        assertThat(where(node(H100, 1), "1g.10gb")).containsExactly("0:1g.10gb@0");
    }

    @Test
    void placesSlicesOneAtATimeInContainerOrderSeeingTheEarlierOnes() {
        assertThat(where(node(A100, 1), "1g.5gb", "1g.5gb", "2g.10gb")).containsExactly("0:1g.5gb@0", "0:1g.5gb@1",
                "0:2g.10gb@2");
        // No joint search: the 1g at 0 pushes the 4g to the next GPU, or out of a single GPU.
        assertThat(where(node(A100, 2), "1g.5gb", "4g.20gb")).containsExactly("0:1g.5gb@0", "1:4g.20gb@0");
        assertThat(reference.place(node(A100, 1), pod("1g.5gb", "4g.20gb"))).isEmpty();
        assertThat(where(node(A100, 1), "4g.20gb", "1g.5gb")).containsExactly("0:4g.20gb@0", "0:1g.5gb@4");
    }

    @Test
    void keepsEveryPlacementRuleTheReferenceIgnores() {
        // The reference only looks at memory slots; one +me per GPU and the instance limits still hold here.
        assertThat(where(node(A100, 2), "1g.5gb+me", "1g.5gb+me")).containsExactly("0:1g.5gb+me@0", "1:1g.5gb+me@0");
        assertThat(where(node(A30, 2), "1g.6gb+me", "2g.12gb+me")).containsExactly("0:1g.6gb+me@0", "1:2g.12gb+me@0");
    }

    @Test
    void scoresTheFreeFractionOfMemorySlicesAfterThePlacement() {
        assertThat(score(node(A100, 2), "1g.5gb")).isEqualTo(93); // 15 of 16 free: floor(93.75)
        assertThat(score(node(A100, 2), "3g.20gb", "4g.20gb")).isEqualTo(50);
        assertThat(score(node(A100, 1), "7g.40gb")).isZero();
        assertThat(score(with(node(A100, 1), 0, "2g.10gb", 0), "1g.5gb")).isEqualTo(62); // 5 of 8: floor(62.5)
        // Real slot counts: an A30 has 4, not 8.
        assertThat(score(node(A30, 1), "2g.12gb")).isEqualTo(50);
        NodeState mixed = new NodeState("mixed", List.of(GpuState.empty("GPU-a30", "mixed", 0, A30),
                GpuState.empty("GPU-a100", "mixed", 1, A100)), 1);
        assertThat(score(mixed, "1g.5gb")).isEqualTo(91); // 11 of 12: floor(91.67)
        assertThat(reference.score(new NodeState("none", List.of(), 1), pod(), List.of())).isZero();
    }

    @Test
    void spreadsPodsOverTheLeastUsedNodes() {
        NodeState used = with(node("used", A100, 2), 0, "3g.20gb", 4);
        NodeState empty = node("empty", A100, 2);
        assertThat(score(empty, "1g.5gb")).isGreaterThan(score(used, "1g.5gb"));
    }
}
