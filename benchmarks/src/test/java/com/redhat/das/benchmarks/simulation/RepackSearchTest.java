package com.redhat.das.benchmarks.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacementRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The repack bound's exactness, checked against a search that knows nothing of count vectors: it places instances
 * one by one on real {@link GpuLayout}s, every GPU and every start.
 */
class RepackSearchTest {

    @ParameterizedTest
    @ValueSource(strings = {"A100-40GB", "A30-24GB"})
    void validCountVectorsAreExactlyTheArrangeableOnes(String modelName) {
        GpuModel model = MigCatalog.bundled().requireModel(modelName);
        LayoutSpace space = LayoutSpace.of(model);
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 400; trial++) {
            int[] counts = new int[space.profileCount];
            int items = 1 + random.nextInt(6);
            for (int i = 0; i < items; i++) {
                counts[random.nextInt(counts.length)]++;
            }
            assertThat(space.isValid(LayoutSpace.pack(counts)))
                    .as("%s %s", modelName, Arrays.toString(counts))
                    .isEqualTo(exhaustiveFits(model, counts, 1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"A100-40GB", "A30-24GB"})
    void packingAgreesWithExhaustiveSearchAndReturnsValidBins(String modelName) {
        GpuModel model = MigCatalog.bundled().requireModel(modelName);
        LayoutSpace space = LayoutSpace.of(model);
        SplittableRandom random = new SplittableRandom(11);
        int fits = 0;
        int doesNot = 0;
        for (int trial = 0; trial < 300; trial++) {
            int gpus = 1 + random.nextInt(3);
            int[] demand = new int[space.profileCount];
            int items = 1 + random.nextInt(3 * gpus + 1);
            for (int i = 0; i < items; i++) {
                demand[random.nextInt(demand.length)]++;
            }
            RepackSearch.Result result = RepackSearch.pack(space, demand, gpus, RepackCluster.MAX_VISITS);
            boolean expected = exhaustiveFits(model, demand, gpus);
            assertThat(result.verdict()).as("%s on %d GPUs", Arrays.toString(demand), gpus)
                    .isEqualTo(expected ? RepackSearch.Verdict.FITS : RepackSearch.Verdict.DOES_NOT_FIT);
            if (expected) {
                fits++;
                assertThat(result.bins()).hasSizeLessThanOrEqualTo(gpus);
                int[] sum = new int[demand.length];
                for (int[] bin : result.bins()) {
                    assertThat(space.isValid(LayoutSpace.pack(bin))).isTrue();
                    for (int q = 0; q < sum.length; q++) {
                        sum[q] += bin[q];
                    }
                }
                assertThat(sum).containsExactly(demand);
                // The LP bound never claims more GPUs than a real packing uses.
                assertThat(RepackSearch.configurationBound(space.maximal, demand)).isLessThanOrEqualTo(gpus + 1e-9);
            } else {
                doesNot++;
            }
        }
        assertThat(fits).as("both answers are exercised").isGreaterThan(30);
        assertThat(doesNot).isGreaterThan(30);
    }

    @ParameterizedTest
    @ValueSource(strings = {"A100-40GB"})
    void theConfigurationBoundSeesWhatMemoryAloneDoesNot(String modelName) {
        LayoutSpace space = LayoutSpace.of(MigCatalog.bundled().requireModel(modelName));
        int[] demand = new int[space.profileCount];
        // 14 × 1g.5gb: 14 of 16 memory slices, yet slot 7 is no 1g start, so each GPU holds 7: exactly 2 GPUs.
        demand[space.indexOf("1g.5gb")] = 14;
        assertThat(RepackSearch.configurationBound(space.maximal, demand)).isCloseTo(2.0, within(1e-9));
        demand[space.indexOf("1g.5gb")] = 15;
        assertThat(RepackSearch.configurationBound(space.maximal, demand)).isGreaterThan(2.0);
        assertThat(RepackSearch.pack(space, demand, 2, 1000).verdict()).isEqualTo(RepackSearch.Verdict.DOES_NOT_FIT);
        // 4g + 3g share a GPU; two 4g never do.
        int[] big = new int[space.profileCount];
        big[space.indexOf("4g.20gb")] = 2;
        big[space.indexOf("3g.20gb")] = 2;
        assertThat(RepackSearch.pack(space, big, 2, 1000).verdict()).isEqualTo(RepackSearch.Verdict.FITS);
        big[space.indexOf("4g.20gb")] = 3;
        big[space.indexOf("3g.20gb")] = 0;
        assertThat(RepackSearch.pack(space, big, 2, 1000).verdict()).isEqualTo(RepackSearch.Verdict.DOES_NOT_FIT);
    }

    /**
     * Whether the instances fit {@code gpus} GPUs, by trying every GPU and start for each instance in turn (largest
     * first; equal instances in ascending GPU and start order, so that their permutations are tried once).
     */
    private static boolean exhaustiveFits(GpuModel model, int[] counts, int gpus) {
        List<MigProfile> items = new ArrayList<>();
        for (int q = 0; q < counts.length; q++) {
            for (int i = 0; i < counts[q]; i++) {
                items.add(model.profiles().get(q));
            }
        }
        items.sort(java.util.Comparator.comparingInt(MigProfile::memorySlices).reversed());
        GpuLayout[] layouts = new GpuLayout[gpus];
        Arrays.fill(layouts, PlacementRules.of(model).emptyLayout());
        return place(items, 0, layouts, 0, 0);
    }

    private static boolean place(List<MigProfile> items, int next, GpuLayout[] layouts, int previousGpu, int previousStart) {
        if (next == items.size()) {
            return true;
        }
        MigProfile profile = items.get(next);
        boolean sameAsPrevious = next > 0 && items.get(next - 1).equals(profile);
        for (int g = sameAsPrevious ? previousGpu : 0; g < layouts.length; g++) {
            // Empty GPUs are interchangeable, and they form a suffix: trying the first is enough.
            if (g > 0 && layouts[g].isEmpty() && layouts[g - 1].isEmpty()) {
                break;
            }
            GpuLayout before = layouts[g];
            for (long m = before.possibleStarts(profile); m != 0; m &= m - 1) {
                int start = Long.numberOfTrailingZeros(m);
                if (sameAsPrevious && g == previousGpu && start <= previousStart) {
                    continue;
                }
                layouts[g] = before.with(profile, start);
                boolean done = place(items, next + 1, layouts, g, start);
                layouts[g] = before;
                if (done) {
                    return true;
                }
            }
        }
        return false;
    }
}
