package com.redhat.das.api.mig;

import static com.redhat.das.api.mig.MigFixtures.model;
import static com.redhat.das.api.mig.PlacementViolation.Reason.COMPUTE_BUDGET;
import static com.redhat.das.api.mig.PlacementViolation.Reason.MAX_INSTANCES;
import static com.redhat.das.api.mig.PlacementViolation.Reason.MEDIA_EXTENSIONS;
import static com.redhat.das.api.mig.PlacementViolation.Reason.MEMORY_OVERLAP;
import static com.redhat.das.api.mig.PlacementViolation.Reason.START_NOT_ALLOWED;
import static com.redhat.das.api.mig.PlacementViolation.Reason.UNKNOWN_PROFILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class GpuLayoutTest {

    private final GpuModel a100 = model("A100-40GB");
    private final PlacementRules rules = PlacementRules.of(a100);
    private final MigProfile oneG = a100.requireProfile("1g.5gb");
    private final MigProfile oneGMedia = a100.requireProfile("1g.5gb+me");
    private final MigProfile oneGDouble = a100.requireProfile("1g.10gb");
    private final MigProfile twoG = a100.requireProfile("2g.10gb");
    private final MigProfile threeG = a100.requireProfile("3g.20gb");
    private final MigProfile fourG = a100.requireProfile("4g.20gb");
    private final MigProfile sevenG = a100.requireProfile("7g.40gb");

    @Test
    void anEmptyGpuOffersEveryStartOfEveryProfile() {
        GpuLayout empty = rules.emptyLayout();
        assertThat(empty.isEmpty()).isTrue();
        assertThat(empty.freeMemorySlices()).isEqualTo(8);
        assertThat(empty.freeComputeSlices()).isEqualTo(7);
        for (MigProfile profile : a100.profiles()) {
            assertThat(empty.possiblePlacements(profile))
                    .extracting(Placement::start)
                    .containsExactlyElementsOf(profile.starts());
            assertThat(empty.possiblePlacements(profile))
                    .allSatisfy(p -> assertThat(p.size()).isEqualTo(profile.memorySlices()));
            assertThat(empty.possibleStarts(profile)).isEqualTo(profile.startMask());
        }
        assertThat(empty.possiblePlacements(threeG)).containsExactly(new Placement(0, 4), new Placement(4, 4));
    }

    @Test
    void aOneSliceInstanceAtZeroBlocksTheLargeProfiles() {
        GpuLayout layout = rules.emptyLayout().with(oneG, 0);

        assertThat(layout.possiblePlacements(sevenG)).isEmpty();
        assertThat(layout.possiblePlacements(fourG)).isEmpty();
        assertThat(layout.possiblePlacements(threeG)).containsExactly(new Placement(4, 4));
        assertThat(layout.possiblePlacements(twoG)).extracting(Placement::start).containsExactly(2, 4);
        assertThat(layout.possiblePlacements(oneGDouble)).extracting(Placement::start).containsExactly(2, 4, 6);
        assertThat(layout.possiblePlacements(oneG)).extracting(Placement::start).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(layout.possibleStarts(oneG)).isEqualTo(0b0111_1110L);
        assertThat(layout.occupiedMemorySlices()).isEqualTo(0b1L);
        assertThat(layout.usedComputeSlices()).isEqualTo(1);
        assertThat(layout.gpuInstanceCount()).isEqualTo(1);
        assertThat(layout.instanceCount(oneG)).isEqualTo(1);
        assertThat(layout.instanceCount(twoG)).isZero();
    }

    @Test
    void scatteredOneSliceInstancesStrandTheThreeAndFourSliceProfiles() {
        // NVIDIA DRA driver issue 933: freeing in arbitrary order leaves 1g at 0, 1 and 5, which blocks 3g and 4g.
        GpuLayout layout = rules.emptyLayout().with(oneG, 0).with(oneG, 1).with(oneG, 5);

        assertThat(layout.freeMemorySlices()).isEqualTo(5);
        assertThat(layout.freeComputeSlices()).isEqualTo(4);
        assertThat(layout.possiblePlacements(threeG)).isEmpty();
        assertThat(layout.possiblePlacements(fourG)).isEmpty();
        assertThat(layout.whyNot(threeG, 4).orElseThrow().reason()).isEqualTo(MEMORY_OVERLAP);
        assertThat(layout.possiblePlacements(twoG)).extracting(Placement::start).containsExactly(2);
    }

    @Test
    void canPlaceAndWhyNotAgree() {
        GpuLayout layout = rules.emptyLayout().with(fourG, 0).with(oneGMedia, 4);

        assertThat(layout.canPlace(threeG, 4)).isFalse();
        assertThat(layout.whyNot(threeG, 4).orElseThrow().reason()).isEqualTo(MEMORY_OVERLAP);
        assertThat(layout.canPlace(oneG, 7)).isFalse();
        assertThat(layout.whyNot(oneG, 7).orElseThrow().reason()).isEqualTo(START_NOT_ALLOWED);
        assertThat(layout.canPlace(oneGMedia, 5)).isFalse();
        assertThat(layout.whyNot(oneGMedia, 5).orElseThrow().reason()).isEqualTo(MAX_INSTANCES);
        assertThat(layout.canPlace(oneG, 5)).isTrue();
        assertThat(layout.whyNot(oneG, 5)).isEmpty();
        assertThat(layout.canPlace(twoG, 6)).isFalse();
        assertThat(layout.canPlace(model("A100-80GB").requireProfile("1g.10gb"), 5)).isFalse();
        assertThat(layout.whyNot(model("A100-80GB").requireProfile("1g.10gb"), 5).orElseThrow().reason())
                .isEqualTo(UNKNOWN_PROFILE);
        assertThat(layout.possibleStarts(model("A100-80GB").requireProfile("1g.10gb"))).isZero();
    }

    @Test
    void theMediaRuleSpansBothA30Kinds() {
        GpuModel a30 = model("A30-24GB");
        GpuLayout layout = PlacementRules.of(a30).emptyLayout().with(a30.requireProfile("1g.6gb+me"), 0);
        MigProfile twoGMedia = a30.requireProfile("2g.12gb+me");

        assertThat(layout.possiblePlacements(twoGMedia)).isEmpty();
        assertThat(layout.whyNot(twoGMedia, 2).orElseThrow().reason()).isEqualTo(MEDIA_EXTENSIONS);
        assertThat(layout.possiblePlacements(a30.requireProfile("2g.12gb"))).containsExactly(new Placement(2, 2));
    }

    @Test
    void theComputeBudgetLimitsPossiblePlacements() {
        GpuModel tight = MigFixtures.tightSyntheticModel();
        MigProfile oneSlice = tight.requireProfile("1g.1gb");
        MigProfile twoSlice = tight.requireProfile("2g.2gb");
        GpuLayout layout = PlacementRules.of(tight).emptyLayout().with(twoSlice, 0);

        assertThat(layout.possiblePlacements(twoSlice)).isEmpty();
        assertThat(layout.whyNot(twoSlice, 2).orElseThrow().reason()).isEqualTo(COMPUTE_BUDGET);
        assertThat(layout.possiblePlacements(oneSlice)).extracting(Placement::start)
                .containsExactly(2, 3, 4, 5, 6, 7);
    }

    @Test
    void withRejectsAnInvalidAdditionWithTheReason() {
        GpuLayout layout = rules.emptyLayout().with(threeG, 0);
        assertThatThrownBy(() -> layout.with(fourG, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4g.20gb@0 on A100-40GB")
                .hasMessageContaining("overlap 3g.20gb@0 [0-3]");
        assertThat(layout.instances()).containsExactly(new PlacedInstance(threeG, 0));
    }

    @Test
    void withoutUndoesWith() {
        GpuLayout before = rules.emptyLayout().with(twoG, 0).with(oneGMedia, 2);
        GpuLayout after = before.with(threeG, 4).without(new PlacedInstance(threeG, 4));

        assertThat(after).isEqualTo(before);
        assertThat(after.occupiedMemorySlices()).isEqualTo(before.occupiedMemorySlices());
        assertThat(after.usedComputeSlices()).isEqualTo(3);

        GpuLayout withoutMedia = before.without(new PlacedInstance(oneGMedia, 2));
        assertThat(withoutMedia.canPlace(oneGMedia, 6)).isTrue();
        assertThat(withoutMedia.instanceCount(oneGMedia)).isZero();
        assertThatThrownBy(() -> before.without(new PlacedInstance(oneG, 6)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void layoutsWithTheSameInstancesAreEqualWhateverTheOrder() {
        GpuLayout one = rules.layoutOf(List.of(new PlacedInstance(fourG, 0), new PlacedInstance(twoG, 4)));
        GpuLayout other = rules.emptyLayout().with(twoG, 4).with(fourG, 0);
        assertThat(one).isEqualTo(other).hasSameHashCodeAs(other);
        assertThat(one).isNotEqualTo(rules.emptyLayout().with(fourG, 0));
        assertThat(one.toString()).isEqualTo("A100-40GB[4g.20gb@0, 2g.10gb@4]");
    }

    @Test
    void placementMasksCoverTheirSlices() {
        assertThat(new Placement(4, 4).mask()).isEqualTo(0b1111_0000L);
        assertThat(new Placement(0, 8).mask()).isEqualTo(0xFFL);
        assertThat(new Placement(2, 2).overlaps(new Placement(3, 1))).isTrue();
        assertThat(new Placement(2, 2).overlaps(new Placement(4, 4))).isFalse();
        assertThat(new Placement(6, 2)).hasToString("[6-7]");
        assertThatThrownBy(() -> new Placement(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Placement(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
