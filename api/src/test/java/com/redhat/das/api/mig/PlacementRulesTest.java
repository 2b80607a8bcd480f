package com.redhat.das.api.mig;

import static com.redhat.das.api.mig.MigFixtures.EIGHT_SLICE_MODELS;
import static com.redhat.das.api.mig.MigFixtures.FOUR_SLICE;
import static com.redhat.das.api.mig.MigFixtures.ONE_SLICE;
import static com.redhat.das.api.mig.MigFixtures.ONE_SLICE_DOUBLE_MEMORY;
import static com.redhat.das.api.mig.MigFixtures.ONE_SLICE_MEDIA;
import static com.redhat.das.api.mig.MigFixtures.SEVEN_SLICE;
import static com.redhat.das.api.mig.MigFixtures.THREE_SLICE;
import static com.redhat.das.api.mig.MigFixtures.TWO_SLICE;
import static com.redhat.das.api.mig.MigFixtures.at;
import static com.redhat.das.api.mig.MigFixtures.each;
import static com.redhat.das.api.mig.MigFixtures.layout;
import static com.redhat.das.api.mig.MigFixtures.model;
import static com.redhat.das.api.mig.PlacementViolation.Reason.COMPUTE_BUDGET;
import static com.redhat.das.api.mig.PlacementViolation.Reason.GPU_INSTANCE_LIMIT;
import static com.redhat.das.api.mig.PlacementViolation.Reason.MAX_INSTANCES;
import static com.redhat.das.api.mig.PlacementViolation.Reason.MEDIA_EXTENSIONS;
import static com.redhat.das.api.mig.PlacementViolation.Reason.MEMORY_OVERLAP;
import static com.redhat.das.api.mig.PlacementViolation.Reason.START_NOT_ALLOWED;
import static com.redhat.das.api.mig.PlacementViolation.Reason.UNKNOWN_PROFILE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

class PlacementRulesTest {

    static final List<String> eightSliceModels = EIGHT_SLICE_MODELS;

    /** Layouts that use the whole GPU (no profile fits afterwards), by NVML role, for every 8-slice model. */
    static Stream<Arguments> fullEightSliceLayouts() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : EIGHT_SLICE_MODELS) {
            GpuModel m = model(name);
            Map<String, List<PlacedInstance>> layouts = Map.ofEntries(
                    Map.entry("7x1g@0-6", each(m, ONE_SLICE, 0, 1, 2, 3, 4, 5, 6)),
                    Map.entry("4g@0+3g@4", layout(each(m, FOUR_SLICE, 0), each(m, THREE_SLICE, 4))),
                    Map.entry("4g@0+2g@4+1g@6",
                            layout(each(m, FOUR_SLICE, 0), each(m, TWO_SLICE, 4), each(m, ONE_SLICE, 6))),
                    Map.entry("3x2g@0,2,4+1g@6", layout(each(m, TWO_SLICE, 0, 2, 4), each(m, ONE_SLICE, 6))),
                    Map.entry("2x3g@0,4", each(m, THREE_SLICE, 0, 4)),
                    Map.entry("4x1g-double@0,2,4,6", each(m, ONE_SLICE_DOUBLE_MEMORY, 0, 2, 4, 6)),
                    Map.entry("7g@0", each(m, SEVEN_SLICE, 0)),
                    Map.entry("4g@0+1g@4,5,6", layout(each(m, FOUR_SLICE, 0), each(m, ONE_SLICE, 4, 5, 6))),
                    Map.entry("3g@4+2g@0+1g@2,3",
                            layout(each(m, THREE_SLICE, 4), each(m, TWO_SLICE, 0), each(m, ONE_SLICE, 2, 3))),
                    Map.entry("3g@4+2x2g@0,2", layout(each(m, THREE_SLICE, 4), each(m, TWO_SLICE, 0, 2))),
                    Map.entry("3g@4+4x1g@0-3", layout(each(m, THREE_SLICE, 4), each(m, ONE_SLICE, 0, 1, 2, 3))),
                    Map.entry("1g+me@3+6x1g",
                            layout(each(m, ONE_SLICE_MEDIA, 3), each(m, ONE_SLICE, 0, 1, 2, 4, 5, 6))),
                    Map.entry("6x1g@0-5+1g-double@6",
                            layout(each(m, ONE_SLICE, 0, 1, 2, 3, 4, 5), each(m, ONE_SLICE_DOUBLE_MEMORY, 6))));
            layouts.forEach((label, instances) -> cases.add(Arguments.of(name, label, instances)));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("fullEightSliceLayouts")
    void acceptsFullLayoutsOfEightSliceModels(String modelName, String label, List<PlacedInstance> instances) {
        assertValidAndFull(model(modelName), instances);
    }

    @Test
    void acceptsTheFullA100With40GbLayoutsByName() {
        GpuModel a100 = model("A100-40GB");
        List<List<PlacedInstance>> layouts = List.of(
                List.of(pi(a100, "4g.20gb", 0), pi(a100, "3g.20gb", 4)),
                List.of(pi(a100, "4g.20gb", 0), pi(a100, "2g.10gb", 4), pi(a100, "1g.5gb", 6)),
                List.of(pi(a100, "2g.10gb", 0), pi(a100, "2g.10gb", 2), pi(a100, "2g.10gb", 4),
                        pi(a100, "1g.5gb", 6)),
                List.of(pi(a100, "3g.20gb", 0), pi(a100, "3g.20gb", 4)),
                List.of(pi(a100, "1g.10gb", 0), pi(a100, "1g.10gb", 2), pi(a100, "1g.10gb", 4),
                        pi(a100, "1g.10gb", 6)),
                List.of(pi(a100, "7g.40gb", 0)));
        for (List<PlacedInstance> instances : layouts) {
            assertValidAndFull(a100, instances);
        }
    }

    static Stream<Arguments> fullA30Layouts() {
        GpuModel a30 = model("A30-24GB");
        return Stream.of(
                Arguments.of("4x1g.6gb", List.of(pi(a30, "1g.6gb", 0), pi(a30, "1g.6gb", 1), pi(a30, "1g.6gb", 2),
                        pi(a30, "1g.6gb", 3))),
                Arguments.of("2x2g.12gb", List.of(pi(a30, "2g.12gb", 0), pi(a30, "2g.12gb", 2))),
                Arguments.of("4g.24gb", List.of(pi(a30, "4g.24gb", 0))),
                Arguments.of("2g.12gb@0+1g.6gb@2,3", List.of(pi(a30, "2g.12gb", 0), pi(a30, "1g.6gb", 2),
                        pi(a30, "1g.6gb", 3))),
                Arguments.of("1g.6gb+me@0+3x1g.6gb", List.of(pi(a30, "1g.6gb+me", 0), pi(a30, "1g.6gb", 1),
                        pi(a30, "1g.6gb", 2), pi(a30, "1g.6gb", 3))),
                Arguments.of("2g.12gb+me@2+2g.12gb@0", List.of(pi(a30, "2g.12gb+me", 2), pi(a30, "2g.12gb", 0))),
                Arguments.of("1g.6gb+me@1+1g.6gb@0+2g.12gb@2", List.of(pi(a30, "1g.6gb+me", 1),
                        pi(a30, "1g.6gb", 0), pi(a30, "2g.12gb", 2))));
    }

    @ParameterizedTest(name = "A30: {0}")
    @MethodSource("fullA30Layouts")
    void acceptsFullA30Layouts(String label, List<PlacedInstance> instances) {
        assertValidAndFull(model("A30-24GB"), instances);
    }

    @Test
    void acceptsTheEmptyLayout() {
        assertThat(PlacementRules.of(model("A100-40GB")).check(List.of()).isValid()).isTrue();
    }

    @ParameterizedTest
    @FieldSource("eightSliceModels")
    void rejectsStartsTheProfileDoesNotAllow(String name) {
        GpuModel m = model(name);
        PlacementRules rules = PlacementRules.of(m);
        MigProfile oneG = MigFixtures.byRole(m, ONE_SLICE);

        LayoutCheck oneAtSeven = rules.check(List.of(new PlacedInstance(oneG, 7)));
        assertThat(oneAtSeven.reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(oneAtSeven.firstViolation().orElseThrow().message())
                .contains(oneG.name() + " cannot start at memory slice 7")
                .contains("[0, 1, 2, 3, 4, 5, 6]");

        assertThat(rules.check(List.of(at(m, FOUR_SLICE, 4))).reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(at(m, THREE_SLICE, 2))).reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(at(m, TWO_SLICE, 1))).reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(at(m, TWO_SLICE, 6))).reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(at(m, ONE_SLICE_DOUBLE_MEMORY, 3))).reasons())
                .containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(at(m, SEVEN_SLICE, 1))).reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(at(m, ONE_SLICE, 40))).reasons()).containsExactly(START_NOT_ALLOWED);
    }

    @Test
    void rejectsA30StartsOutsideItsFourSlices() {
        GpuModel a30 = model("A30-24GB");
        PlacementRules rules = PlacementRules.of(a30);
        assertThat(rules.check(List.of(pi(a30, "1g.6gb", 4))).reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(pi(a30, "2g.12gb", 1))).reasons()).containsExactly(START_NOT_ALLOWED);
        assertThat(rules.check(List.of(pi(a30, "4g.24gb", 2))).reasons()).containsExactly(START_NOT_ALLOWED);
    }

    @ParameterizedTest
    @FieldSource("eightSliceModels")
    void rejectsOverlappingMemorySlices(String name) {
        GpuModel m = model(name);
        PlacementRules rules = PlacementRules.of(m);

        LayoutCheck fourAndTwo = rules.check(List.of(at(m, FOUR_SLICE, 0), at(m, TWO_SLICE, 2)));
        assertThat(fourAndTwo.reasons()).containsExactly(MEMORY_OVERLAP);
        PlacementViolation violation = fourAndTwo.firstViolation().orElseThrow();
        assertThat(violation.instance()).isEqualTo(at(m, TWO_SLICE, 2));
        assertThat(violation.message()).contains(MigFixtures.byRole(m, FOUR_SLICE).name() + "@0 [0-3]");

        assertThat(rules.check(List.of(at(m, SEVEN_SLICE, 0), at(m, ONE_SLICE, 3))).reasons())
                .contains(MEMORY_OVERLAP);
        assertThat(rules.check(List.of(at(m, ONE_SLICE_DOUBLE_MEMORY, 0), at(m, ONE_SLICE, 1))).reasons())
                .containsExactly(MEMORY_OVERLAP);
        assertThat(rules.check(List.of(at(m, THREE_SLICE, 4), at(m, THREE_SLICE, 4))).reasons())
                .containsExactly(MEMORY_OVERLAP);
        assertThat(rules.check(List.of(at(m, ONE_SLICE, 5), at(m, ONE_SLICE_MEDIA, 5))).reasons())
                .containsExactly(MEMORY_OVERLAP);
    }

    @ParameterizedTest
    @FieldSource("eightSliceModels")
    void rejectsASecondMediaExtensionInstance(String name) {
        GpuModel m = model(name);
        LayoutCheck check = PlacementRules.of(m).check(List.of(at(m, ONE_SLICE_MEDIA, 0), at(m, ONE_SLICE_MEDIA, 1)));

        assertThat(check.reasons()).containsExactlyInAnyOrder(MAX_INSTANCES, MEDIA_EXTENSIONS);
        assertThat(check.violations()).allSatisfy(v -> assertThat(v.instance()).isEqualTo(at(m, ONE_SLICE_MEDIA, 1)));
        assertThat(check.describe()).contains("at most 1 instance(s) of " + MigFixtures.byRole(m, ONE_SLICE_MEDIA).name());
    }

    @Test
    void a30AllowsOneMediaExtensionInstanceOfEitherKind() {
        GpuModel a30 = model("A30-24GB");
        LayoutCheck check = PlacementRules.of(a30).check(List.of(pi(a30, "1g.6gb+me", 0), pi(a30, "2g.12gb+me", 2)));

        // Each profile stays within its own maxInstances; only the per-GPU media rule is broken.
        assertThat(check.reasons()).containsExactly(MEDIA_EXTENSIONS);
        assertThat(check.firstViolation().orElseThrow().message())
                .contains("media-extension (+me)")
                .contains("1g.6gb+me@0");
    }

    @Test
    void rejectsComputeOverTheBudgetOfASyntheticModel() {
        // No catalog layout can exceed its compute budget without overlapping memory, hence the synthetic model.
        GpuModel tight = MigFixtures.tightSyntheticModel();
        PlacementRules rules = PlacementRules.of(tight);
        MigProfile oneG = tight.requireProfile("1g.1gb");
        MigProfile twoG = tight.requireProfile("2g.2gb");

        assertThat(rules.check(List.of(new PlacedInstance(twoG, 0), new PlacedInstance(oneG, 2))).isValid()).isTrue();

        LayoutCheck check = rules.check(List.of(new PlacedInstance(twoG, 0), new PlacedInstance(twoG, 2)));
        assertThat(check.reasons()).containsExactly(COMPUTE_BUDGET);
        assertThat(check.firstViolation().orElseThrow().message())
                .contains("needs 2 compute slice(s), 2 of 3 already in use");
    }

    @Test
    void rejectsMoreGpuInstancesThanTheModelHolds() {
        GpuModel model = new GpuModel("synthetic-4m-4c-2gi", 4, 4, 2, List.of(
                MigFixtures.syntheticProfile("1g.1gb", 1, 1, List.of(0, 1, 2, 3), 4, false)), false);
        MigProfile oneG = model.requireProfile("1g.1gb");

        LayoutCheck check = PlacementRules.of(model).check(List.of(
                new PlacedInstance(oneG, 0), new PlacedInstance(oneG, 1), new PlacedInstance(oneG, 2)));

        assertThat(check.reasons()).containsExactly(GPU_INSTANCE_LIMIT);
        assertThat(check.describe()).contains("at most 2 GPU instances per GPU, already have 2");
    }

    @Test
    void rejectsMoreInstancesOfAProfileThanItsMaximum() {
        GpuModel model = new GpuModel("synthetic-4m-4c", 4, 4, 4, List.of(
                MigFixtures.syntheticProfile("1g.1gb", 1, 1, List.of(0, 1, 2, 3), 2, false)), false);
        MigProfile oneG = model.requireProfile("1g.1gb");

        LayoutCheck check = PlacementRules.of(model).check(List.of(
                new PlacedInstance(oneG, 0), new PlacedInstance(oneG, 1), new PlacedInstance(oneG, 2)));

        assertThat(check.reasons()).containsExactly(MAX_INSTANCES);
        assertThat(check.firstViolation().orElseThrow().instance()).isEqualTo(new PlacedInstance(oneG, 2));
        assertThat(check.describe()).contains("at most 2 instance(s) of 1g.1gb per GPU, this would be number 3");
    }

    @Test
    void rejectsEightOneSliceInstancesOnEveryCount() {
        GpuModel a100 = model("A100-40GB");
        List<PlacedInstance> eight = new ArrayList<>(each(a100, ONE_SLICE, 0, 1, 2, 3, 4, 5, 6));
        eight.add(at(a100, ONE_SLICE, 3));

        assertThat(PlacementRules.of(a100).check(eight).reasons())
                .containsExactlyInAnyOrder(MEMORY_OVERLAP, MAX_INSTANCES, COMPUTE_BUDGET, GPU_INSTANCE_LIMIT);
    }

    @Test
    void rejectsAProfileOfAnotherModelWithTheSameName() {
        MigProfile fromA100With40 = model("A100-40GB").requireProfile("1g.10gb");
        GpuModel a100With80 = model("A100-80GB");

        LayoutCheck check = PlacementRules.of(a100With80).check(List.of(new PlacedInstance(fromA100With40, 0)));

        assertThat(check.reasons()).containsExactly(UNKNOWN_PROFILE);
        assertThat(check.describe()).contains("is not this model's 1g.10gb(id 19");
        assertThat(PlacementRules.of(model("A30-24GB")).check(List.of(new PlacedInstance(fromA100With40, 0)))
                .describe()).contains("A30-24GB has no profile 1g.10gb");
    }

    @Test
    void aBadStartDoesNotCauseFollowUpOverlapReports() {
        GpuModel a100 = model("A100-40GB");
        LayoutCheck check = PlacementRules.of(a100).check(List.of(at(a100, FOUR_SLICE, 4), at(a100, THREE_SLICE, 4)));
        assertThat(check.violations()).hasSize(1);
        assertThat(check.reasons()).containsExactly(START_NOT_ALLOWED);
    }

    @Test
    void layoutOfNamesEveryViolation() {
        GpuModel a100 = model("A100-40GB");
        PlacementRules rules = PlacementRules.of(a100);
        assertThatThrownBy(() -> rules.layoutOf(List.of(pi(a100, "4g.20gb", 4), pi(a100, "1g.5gb", 7))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid MIG layout on A100-40GB")
                .hasMessageContaining("4g.20gb cannot start at memory slice 4")
                .hasMessageContaining("1g.5gb cannot start at memory slice 7");
    }

    private static void assertValidAndFull(GpuModel model, List<PlacedInstance> instances) {
        PlacementRules rules = PlacementRules.of(model);
        LayoutCheck check = rules.check(instances);
        assertThat(check.violations()).as("%s %s", model.name(), instances).isEmpty();
        assertThat(check.isValid()).isTrue();

        GpuLayout layout = rules.layoutOf(instances);
        assertThat(layout.instances()).containsExactlyElementsOf(instances);
        for (MigProfile profile : model.profiles()) {
            assertThat(layout.possiblePlacements(profile)).as("%s still fits into %s", profile.name(), instances)
                    .isEmpty();
        }
    }

    private static PlacedInstance pi(GpuModel model, String profile, int start) {
        return PlacedInstance.of(model, profile, start);
    }
}
