package com.redhat.das.allocator.placement;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacementRules;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The tables' shortcuts must agree with GpuLayout, the authority on the placement rules. */
class ModelTableTest {

    @Provide
    Arbitrary<GpuModel> models() {
        return Arbitraries.of(Nodes.ALL_MODELS);
    }

    @Test
    void modelsWhoseBudgetsBindOrWithManySlicesAreComputedDirectly() {
        for (GpuModel model : Nodes.SYNTHETIC) {
            assertThat(ModelTable.of(PlacementRules.of(model)).exact).as(model.name()).isFalse();
        }
    }

    @Test
    void everyCatalogModelGetsAnExactTable() {
        for (GpuModel model : MigCatalog.bundled().models()) {
            assertThat(ModelTable.of(PlacementRules.of(model)).exact).as(model.name()).isTrue();
        }
    }

    @Test
    void equalModelsShareOneTable() {
        GpuModel a100 = MigCatalog.bundled().requireModel("A100-40GB");
        assertThat(ModelTable.of(PlacementRules.of(a100))).isSameAs(ModelTable.of(PlacementRules.of(a100)));
    }

    @Test
    void largerProfilesWeighMoreThanAnyNumberOfSmallerOnes() {
        ModelTable t = ModelTable.of(PlacementRules.of(MigCatalog.bundled().requireModel("A100-40GB")));
        long empty = t.value(0, 0, 0, null);
        long sevenOneG = t.value(0b0111_1111, 7, 7, null);
        long oneAtSix = t.value(0b0100_0000, 1, 1, null);
        long oneAtZero = t.value(0b0000_0001, 1, 1, null);
        assertThat(sevenOneG).isZero();
        assertThat(empty).isGreaterThan(oneAtSix);
        assertThat(oneAtSix).isGreaterThan(oneAtZero); // 4g.20gb survives a 1g at 6, not at 0
        assertThat(t.topClass(empty - oneAtSix)).isEqualTo(t.classCount - 1); // the 7g spot is what is lost
    }

    /** Random valid layouts: the table's starts and capacities match what GpuLayout allows. */
    @Property(tries = 400)
    void possibleStartsMatchGpuLayout(@ForAll("models") GpuModel model,
                                      @ForAll List<@IntRange(min = 0, max = 1000) Integer> additions) {
        PlacementRules rules = PlacementRules.of(model);
        ModelTable table = ModelTable.of(rules);
        GpuLayout layout = rules.emptyLayout();
        for (int pick : additions) {
            MigProfile p = model.profiles().get(pick % model.profiles().size());
            long starts = layout.possibleStarts(p);
            if (starts != 0) {
                int skip = (pick / 7) % Long.bitCount(starts);
                for (int i = 0; i < skip; i++) {
                    starts &= starts - 1;
                }
                layout = layout.with(p, Long.numberOfTrailingZeros(starts));
            }
            int[] counts = table.countsOf(layout);
            int media = table.mediaUsed(layout);
            for (int q = 0; q < table.profileCount; q++) {
                MigProfile profile = model.profiles().get(q);
                long expected = layout.possibleStarts(profile);
                assertThat(table.possibleStarts(q, layout.occupiedMemorySlices(), layout.usedComputeSlices(),
                        layout.gpuInstanceCount(), media, counts[q])).as("%s %s", layout, profile.name()).isEqualTo(expected);
                if (table.exact) {
                    assertThat(table.possibleStarts(q, layout.occupiedMemorySlices(), media)).isEqualTo(expected);
                }
                int capacity = table.capacity(q, layout.occupiedMemorySlices(), layout.usedComputeSlices(),
                        layout.gpuInstanceCount(), media, counts[q]);
                assertThat(capacity).isEqualTo(mostThatFit(layout, profile));
            }
        }
    }

    /** How many more instances of {@code profile} fit together, by exhaustive search over GpuLayout. */
    private static int mostThatFit(GpuLayout layout, MigProfile profile) {
        int best = 0;
        for (long m = layout.possibleStarts(profile); m != 0; m &= m - 1) {
            best = Math.max(best, 1 + mostThatFit(layout.with(profile, Long.numberOfTrailingZeros(m)), profile));
        }
        return best;
    }
}
