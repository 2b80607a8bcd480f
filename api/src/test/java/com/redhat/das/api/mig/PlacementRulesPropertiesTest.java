package com.redhat.das.api.mig;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random layouts against a deliberately naive oracle (pairwise interval overlap, plain counting), on every catalog
 * model and on a synthetic model whose compute and instance budgets bind before its memory does.
 */
class PlacementRulesPropertiesTest {

    @Provide
    Arbitrary<GpuModel> models() {
        List<GpuModel> models = new ArrayList<>(MigCatalog.bundled().models());
        models.add(MigFixtures.tightSyntheticModel());
        return Arbitraries.of(models);
    }

    /** Any list of (profile, start) is judged valid exactly when the oracle says so. */
    @Property(tries = 2000)
    void checkAgreesWithTheOracle(@ForAll("models") GpuModel model,
            @ForAll @Size(max = 9) List<@IntRange(min = 0, max = 10_000) Integer> codes) {
        List<PlacedInstance> instances = decode(model, codes);

        assertThat(PlacementRules.of(model).check(instances).isValid())
                .as("%s %s", model.name(), instances)
                .isEqualTo(oracleAccepts(model, instances));
    }

    /** Layouts grown by the allocator's primitives stay valid, and every query agrees with the others. */
    @Property(tries = 1000)
    void greedyLayoutsNeverOverlapOrExceedABudget(@ForAll("models") GpuModel model,
            @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 10_000) Integer> codes) {
        PlacementRules rules = PlacementRules.of(model);
        GpuLayout layout = rules.emptyLayout();
        for (PlacedInstance attempt : decode(model, codes)) {
            boolean can = layout.canPlace(attempt.profile(), attempt.start());
            assertThat(layout.whyNot(attempt.profile(), attempt.start()).isEmpty()).isEqualTo(can);
            assertThat((layout.possibleStarts(attempt.profile()) >>> attempt.start() & 1) == 1).isEqualTo(can);
            if (can) {
                layout = layout.with(attempt);
            }
        }

        assertThat(oracleAccepts(model, layout.instances())).as("%s", layout).isTrue();
        assertThat(rules.check(layout.instances()).isValid()).isTrue();
        int compute = layout.instances().stream().mapToInt(i -> i.profile().computeSlices()).sum();
        assertThat(layout.usedComputeSlices()).isEqualTo(compute).isLessThanOrEqualTo(model.totalComputeSlices());
        int memory = layout.instances().stream().mapToInt(i -> i.profile().memorySlices()).sum();
        assertThat(layout.freeMemorySlices()).isEqualTo(model.totalMemorySlices() - memory);

        for (MigProfile profile : model.profiles()) {
            for (Placement placement : layout.possiblePlacements(profile)) {
                List<PlacedInstance> more = new ArrayList<>(layout.instances());
                more.add(new PlacedInstance(profile, placement.start()));
                assertThat(oracleAccepts(model, more)).as("%s + %s@%d", layout, profile.name(), placement.start())
                        .isTrue();
            }
            for (int start : profile.starts()) {
                if (!layout.canPlace(profile, start)) {
                    List<PlacedInstance> more = new ArrayList<>(layout.instances());
                    more.add(new PlacedInstance(profile, start));
                    assertThat(oracleAccepts(model, more)).isFalse();
                }
            }
        }

        for (PlacedInstance instance : layout.instances()) {
            List<PlacedInstance> rest = new ArrayList<>(layout.instances());
            rest.remove(instance);
            assertThat(layout.without(instance)).isEqualTo(rules.layoutOf(rest));
        }
    }

    /** Turns a number into a (profile, start) pair; starts range one past the last slice to hit invalid ones too. */
    private static List<PlacedInstance> decode(GpuModel model, List<Integer> codes) {
        int profiles = model.profiles().size();
        int starts = model.totalMemorySlices() + 1;
        List<PlacedInstance> instances = new ArrayList<>();
        for (int code : codes) {
            MigProfile profile = model.profiles().get(code % profiles);
            instances.add(new PlacedInstance(profile, (code / profiles) % starts));
        }
        return instances;
    }

    private static boolean oracleAccepts(GpuModel model, List<PlacedInstance> instances) {
        Map<String, Integer> counts = new HashMap<>();
        int compute = 0;
        int media = 0;
        for (int i = 0; i < instances.size(); i++) {
            PlacedInstance a = instances.get(i);
            MigProfile p = a.profile();
            if (!model.profiles().contains(p) || !p.starts().contains(a.start())) {
                return false;
            }
            for (int j = 0; j < i; j++) {
                PlacedInstance b = instances.get(j);
                int aEnd = a.start() + p.memorySlices();
                int bEnd = b.start() + b.profile().memorySlices();
                if (a.start() < bEnd && b.start() < aEnd) {
                    return false;
                }
            }
            int count = counts.merge(p.name(), 1, Integer::sum);
            if (count > p.maxInstances()) {
                return false;
            }
            compute += p.computeSlices();
            media += p.mediaExtensions() ? 1 : 0;
        }
        return compute <= model.totalComputeSlices()
                && media <= 1
                && instances.size() <= model.maxGpuInstances();
    }
}
