package com.redhat.das.api.mig;

import static com.redhat.das.api.mig.MigFixtures.EIGHT_SLICE_MODELS;
import static com.redhat.das.api.mig.MigFixtures.FOUR_SLICE;
import static com.redhat.das.api.mig.MigFixtures.ONE_SLICE;
import static com.redhat.das.api.mig.MigFixtures.ONE_SLICE_DOUBLE_MEMORY;
import static com.redhat.das.api.mig.MigFixtures.ONE_SLICE_MEDIA;
import static com.redhat.das.api.mig.MigFixtures.SEVEN_SLICE;
import static com.redhat.das.api.mig.MigFixtures.THREE_SLICE;
import static com.redhat.das.api.mig.MigFixtures.TWO_SLICE;
import static com.redhat.das.api.mig.MigFixtures.byRole;
import static com.redhat.das.api.mig.MigFixtures.catalog;
import static com.redhat.das.api.mig.MigFixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;

class MigCatalogTest {

    @Test
    void loadsEveryModelOfTheBundledFile() {
        assertThat(catalog().modelNames()).containsExactlyInAnyOrder(
                "A30-24GB", "A100-40GB", "A100-80GB", "H100-80GB", "H100-94GB", "H100-96GB", "H200-141GB",
                "B200-180GB", "GB200-186GB");
        assertThat(MigCatalog.bundled()).isSameAs(catalog());
    }

    @Test
    void a100With40GbHasTheDocumentedOneSliceProfile() {
        GpuModel a100 = model("A100-40GB");
        MigProfile oneG = a100.requireProfile("1g.5gb");

        assertThat(a100.totalMemorySlices()).isEqualTo(8);
        assertThat(a100.totalComputeSlices()).isEqualTo(7);
        assertThat(a100.maxGpuInstances()).isEqualTo(7);
        assertThat(a100.documented()).isTrue();
        assertThat(oneG.giProfileId()).isEqualTo(19);
        assertThat(oneG.nvmlGiConstant()).isEqualTo(new NvmlConstant("NVML_GPU_INSTANCE_PROFILE_1_SLICE", 0));
        assertThat(oneG.ciProfileConstant()).isEqualTo(new NvmlConstant("NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE", 0));
        assertThat(oneG.starts()).containsExactly(0, 1, 2, 3, 4, 5, 6);
        assertThat(oneG.maxInstances()).isEqualTo(7);
        assertThat(oneG.computeSlices()).isEqualTo(1);
        assertThat(oneG.memorySlices()).isEqualTo(1);
        assertThat(oneG.mediaExtensions()).isFalse();
        assertThat(oneG.memoryMiB()).isEqualTo(4864L);
        assertThat(oneG.observedMemoryMiB()).isNull();
        assertThat(oneG.documented()).isTrue();
        assertThat(oneG.inferred()).containsExactly("nvmlGiConstant", "ciProfileConstant");
        assertThat(oneG.isInferred("giProfileId")).isFalse();
    }

    @Test
    void a100With40GbHasAllSevenProfiles() {
        GpuModel a100 = model("A100-40GB");
        assertThat(a100.profileNames()).containsExactly(
                "1g.5gb", "1g.5gb+me", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb");
        MigProfile media = a100.requireProfile("1g.5gb+me");
        assertThat(media.giProfileId()).isEqualTo(20);
        assertThat(media.nvmlGiConstant().value()).isEqualTo(7);
        assertThat(media.mediaExtensions()).isTrue();
        assertThat(media.maxInstances()).isEqualTo(1);
        assertThat(media.starts()).hasSize(7);
    }

    @Test
    void a30HasItsOwnIdsAndFourSlices() {
        GpuModel a30 = model("A30-24GB");
        assertThat(a30.totalMemorySlices()).isEqualTo(4);
        assertThat(a30.totalComputeSlices()).isEqualTo(4);
        assertThat(a30.maxGpuInstances()).isEqualTo(4);
        assertThat(a30.profileNames()).containsExactly("1g.6gb", "1g.6gb+me", "2g.12gb", "2g.12gb+me", "4g.24gb");

        MigProfile oneG = a30.requireProfile("1g.6gb");
        assertThat(oneG.giProfileId()).isEqualTo(14);
        assertThat(oneG.starts()).containsExactly(0, 1, 2, 3);
        assertThat(oneG.maxInstances()).isEqualTo(4);
        assertThat(oneG.observedMemoryMiB()).isEqualTo(5952L);
        assertThat(oneG.memoryMiB()).isNull();
        assertThat(oneG.isInferred("giProfileId")).isTrue();

        MigProfile twoGMedia = a30.requireProfile("2g.12gb+me");
        assertThat(twoGMedia.giProfileId()).isEqualTo(6);
        assertThat(twoGMedia.nvmlGiConstant()).isEqualTo(new NvmlConstant("NVML_GPU_INSTANCE_PROFILE_2_SLICE_REV1", 8));
        assertThat(twoGMedia.ciProfileConstant().value()).isEqualTo(1);
        assertThat(twoGMedia.starts()).containsExactly(0, 2);
        assertThat(twoGMedia.maxInstances()).isEqualTo(1);

        assertThat(a30.requireProfile("2g.12gb").giProfileId()).isEqualTo(5);
        assertThat(a30.requireProfile("4g.24gb").giProfileId()).isZero();
        assertThat(a30.profile("3g.18gb")).isEmpty();
    }

    @Test
    void h100With80GbHasTheWholeGpuProfile() {
        MigProfile sevenG = model("H100-80GB").requireProfile("7g.80gb");
        assertThat(sevenG.giProfileId()).isZero();
        assertThat(sevenG.nvmlGiConstant()).isEqualTo(new NvmlConstant("NVML_GPU_INSTANCE_PROFILE_7_SLICE", 4));
        assertThat(sevenG.ciProfileConstant()).isEqualTo(new NvmlConstant("NVML_COMPUTE_INSTANCE_PROFILE_7_SLICE", 4));
        assertThat(sevenG.computeSlices()).isEqualTo(7);
        assertThat(sevenG.memorySlices()).isEqualTo(8);
        assertThat(sevenG.starts()).containsExactly(0);
        assertThat(sevenG.maxInstances()).isEqualTo(1);
    }

    static final List<String> eightSliceModels = EIGHT_SLICE_MODELS;

    /** Every 8-slice model shares ids, slice counts, starts and instance counts; only the names differ. */
    @ParameterizedTest
    @FieldSource("eightSliceModels")
    void eightSliceModelsShareOneLayout(String name) {
        GpuModel model = model(name);
        assertThat(model.totalMemorySlices()).isEqualTo(8);
        assertThat(model.totalComputeSlices()).isEqualTo(7);
        assertThat(model.maxGpuInstances()).isEqualTo(7);
        assertThat(model.profiles()).hasSize(7);
        // role -> {GI id, compute, memory, max, CI constant, starts...}
        Map<Integer, int[]> expected = Map.of(
                ONE_SLICE, new int[] {19, 1, 1, 7, 0, 0, 1, 2, 3, 4, 5, 6},
                ONE_SLICE_MEDIA, new int[] {20, 1, 1, 1, 0, 0, 1, 2, 3, 4, 5, 6},
                ONE_SLICE_DOUBLE_MEMORY, new int[] {15, 1, 2, 4, 0, 0, 2, 4, 6},
                TWO_SLICE, new int[] {14, 2, 2, 3, 1, 0, 2, 4},
                THREE_SLICE, new int[] {9, 3, 4, 2, 2, 0, 4},
                FOUR_SLICE, new int[] {5, 4, 4, 1, 3, 0},
                SEVEN_SLICE, new int[] {0, 7, 8, 1, 4, 0});
        expected.forEach((role, numbers) -> {
            MigProfile p = byRole(model, role);
            assertThat(p.giProfileId()).as("%s %s id", name, p.name()).isEqualTo(numbers[0]);
            assertThat(p.computeSlices()).as("%s %s compute", name, p.name()).isEqualTo(numbers[1]);
            assertThat(p.memorySlices()).as("%s %s memory", name, p.name()).isEqualTo(numbers[2]);
            assertThat(p.maxInstances()).as("%s %s max", name, p.name()).isEqualTo(numbers[3]);
            assertThat(p.ciProfileConstant().value()).as("%s %s CI", name, p.name()).isEqualTo(numbers[4]);
            assertThat(p.starts()).as("%s %s starts", name, p.name())
                    .containsExactlyElementsOf(java.util.Arrays.stream(numbers, 5, numbers.length).boxed().toList());
            assertThat(p.mediaExtensions()).isEqualTo(role == ONE_SLICE_MEDIA);
            assertThat(p.name()).startsWith(p.computeSlices() + "g.");
        });
    }

    @Test
    void theSameNameIsADifferentProfileOnA100With40And80Gb() {
        // The mig-parted pitfall: 1g.10gb is the double-memory 1g on A100-40GB but the plain 1g on A100-80GB.
        MigProfile on40 = model("A100-40GB").requireProfile("1g.10gb");
        MigProfile on80 = model("A100-80GB").requireProfile("1g.10gb");
        assertThat(on40.memorySlices()).isEqualTo(2);
        assertThat(on40.giProfileId()).isEqualTo(15);
        assertThat(on40.nvmlGiConstant().name()).isEqualTo("NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV2");
        assertThat(on80.memorySlices()).isEqualTo(1);
        assertThat(on80.giProfileId()).isEqualTo(19);
        assertThat(on40).isNotEqualTo(on80);
        assertThat(model("A100-80GB").hasProfile(on40)).isFalse();
    }

    @Test
    void everyMediaExtensionProfileAllowsOneInstanceAndOnlyGb200IsUndocumented() {
        for (GpuModel model : catalog().models()) {
            assertThat(model.documented()).as(model.name()).isEqualTo(!model.name().equals("GB200-186GB"));
            for (MigProfile profile : model.profiles()) {
                assertThat(profile.mediaExtensions()).as(profile.name()).isEqualTo(profile.name().endsWith("+me"));
                if (profile.mediaExtensions()) {
                    assertThat(profile.maxInstances()).as(model.name() + " " + profile.name()).isEqualTo(1);
                }
                assertThat(profile.documented()).isEqualTo(model.documented());
                assertThat(ResourceNames.isProfileName(profile.name())).as(profile.name()).isTrue();
            }
        }
    }

    @Test
    void theFullSizeComputeInstanceFollowsTheComputeSliceCount() {
        Map<Integer, Integer> ciByCompute = Map.of(1, 0, 2, 1, 3, 2, 4, 3, 7, 4);
        for (GpuModel model : catalog().models()) {
            for (MigProfile profile : model.profiles()) {
                assertThat(profile.ciProfileConstant().value()).as(model.name() + " " + profile.name())
                        .isEqualTo(ciByCompute.get(profile.computeSlices()));
                assertThat(profile.ciProfileConstant().name())
                        .isEqualTo("NVML_COMPUTE_INSTANCE_PROFILE_" + profile.computeSlices() + "_SLICE");
            }
        }
    }

    @Test
    void idsAreUniqueWithinEachModel() {
        for (GpuModel model : catalog().models()) {
            assertThat(model.profiles().stream().map(MigProfile::giProfileId).distinct().count())
                    .as(model.name()).isEqualTo(model.profiles().size());
            for (MigProfile profile : model.profiles()) {
                assertThat(model.profileById(profile.giProfileId())).contains(profile);
            }
        }
    }

    /** Checks the claim of the catalog notes that memory disjointness alone keeps every model within budget. */
    @Test
    void noMemoryDisjointLayoutOfACatalogModelExceedsItsComputeOrInstanceBudget() {
        for (GpuModel model : catalog().models()) {
            int[] worst = new int[2];
            exploreDisjoint(model, 0, 0L, 0, 0, worst);
            assertThat(worst[0]).as(model.name() + " compute").isEqualTo(model.totalComputeSlices());
            assertThat(worst[1]).as(model.name() + " instances").isLessThanOrEqualTo(model.maxGpuInstances());
        }
    }

    private static void exploreDisjoint(GpuModel model, int fromProfile, long occupied, int compute, int count,
            int[] worst) {
        worst[0] = Math.max(worst[0], compute);
        worst[1] = Math.max(worst[1], count);
        for (int i = fromProfile; i < model.profiles().size(); i++) {
            MigProfile p = model.profiles().get(i);
            for (int start : p.starts()) {
                long mask = p.placementAt(start).mask();
                // Profiles are taken in index order (fromProfile) so one set is not explored in every order.
                if ((occupied & mask) == 0) {
                    exploreDisjoint(model, i, occupied | mask, compute + p.computeSlices(), count + 1, worst);
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
        "NVIDIA A100-SXM4-40GB, 0, A100-40GB",
        "NVIDIA A100-PCIE-40GB, 0, A100-40GB",
        "NVIDIA A100-SXM4-80GB, 0, A100-80GB",
        "NVIDIA A100 80GB PCIe, 0, A100-80GB",
        "NVIDIA A100-PCIE-40GB, 40960, A100-40GB",
        "NVIDIA A100, 81920, A100-80GB",
        "NVIDIA H100 80GB HBM3, 0, H100-80GB",
        "NVIDIA H100 80GB HBM3, 81559, H100-80GB",
        "NVIDIA H100 PCIe, 0, H100-80GB",
        "NVIDIA H100 NVL, 0, H100-94GB",
        "NVIDIA H100 NVL, 95830, H100-94GB",
        "NVIDIA GH200 480GB, 0, H100-96GB",
        "NVIDIA GH200 480GB, 97871, H100-96GB",
        "NVIDIA H200, 0, H200-141GB",
        "NVIDIA H200 NVL, 143771, H200-141GB",
        "NVIDIA B200, 0, B200-180GB",
        "NVIDIA B200, 183359, B200-180GB",
        "NVIDIA GB200, 0, GB200-186GB",
        "NVIDIA A30, 0, A30-24GB",
        "NVIDIA A30, 24576, A30-24GB",
    })
    void mapsNvmlProductNamesToModels(String product, long memoryMiB, String expected) {
        assertThat(catalog().modelForProduct(product, memoryMiB)).map(GpuModel::name).contains(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "NVIDIA A100, 0",
        "Tesla V100-SXM2-16GB, 0",
        "NVIDIA GeForce RTX 4090, 0",
        "NVIDIA H100 SXM5 64GB, 0",
        "NVIDIA GH200 144G HBM3e, 147456",
        "NVIDIA A100-SXM4-40GB, 147456",
    })
    void leavesUnknownOrAmbiguousProductsUnmapped(String product, long memoryMiB) {
        assertThat(catalog().modelForProduct(product, memoryMiB)).isEmpty();
    }

    @Test
    void aModelCanBeBuiltFromDataOtherThanTheCatalog() {
        // What the node daemon does with NVML's answers: no file involved.
        MigProfile one = new MigProfile("1g.5gb", 19,
                new NvmlConstant("NVML_GPU_INSTANCE_PROFILE_1_SLICE", 0),
                new NvmlConstant("NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE", 0),
                1, 1, List.of(0, 1, 2, 3, 4, 5, 6), 7, false, true, List.of(), 4864L, null);
        GpuModel model = new GpuModel("A100-SXM4-40GB", 8, 7, 7, List.of(one), true);

        assertThat(model.requireProfile("1g.5gb")).usingRecursiveComparison().ignoringFields("inferred")
                .isEqualTo(model("A100-40GB").requireProfile("1g.5gb"));
        assertThat(PlacementRules.of(model).emptyLayout().possiblePlacements(one)).hasSize(7);
    }

    @Test
    void rejectsInconsistentModels() {
        MigProfile one = MigFixtures.syntheticProfile("1g.1gb", 1, 1, List.of(0, 1, 2, 3), 4, false);
        assertThatThrownBy(() -> new GpuModel("dup", 4, 4, 4, List.of(one, one), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate profile 1g.1gb");
        assertThatThrownBy(() -> new GpuModel("small", 3, 4, 4, List.of(one), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond memory slice 2");
        assertThatThrownBy(() -> new GpuModel("weak", 4, 0, 4, List.of(one), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("totalComputeSlices");
        MigProfile big = MigFixtures.syntheticProfile("7g.7gb", 7, 4, List.of(0), 1, false);
        assertThatThrownBy(() -> new GpuModel("tiny", 4, 4, 4, List.of(big), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 7 compute slices");
        assertThatThrownBy(() -> MigFixtures.syntheticProfile("1g.1gb", 1, 1, List.of(2, 1), 4, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascending");
        assertThatThrownBy(() -> MigFixtures.syntheticProfile("1g.1gb", 1, 1, List.of(), 4, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recordsAreImmutable() {
        MigProfile profile = model("A100-40GB").requireProfile("1g.5gb");
        assertThatThrownBy(() -> profile.starts().add(7)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> model("A100-40GB").profiles().clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> catalog().models().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void reportsTheMissingFieldOfABrokenCatalog() {
        String json = """
                {"X-8GB": {"totalMemorySlices": 8, "totalComputeSlices": 7, "maxGpuInstances": 7,
                           "documentedInMigUserGuide": true,
                           "profiles": [{"name": "1g.1gb", "nvmlGiConstant": "C", "nvmlGiConstantValue": 0}]}}
                """;
        assertThatThrownBy(() -> MigCatalog.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("X-8GB profile 1g.1gb")
                .hasMessageContaining("giProfileId");
    }

    @Test
    void readsAMinimalCatalog() throws IOException {
        String json = """
                {"X-8GB": {"totalMemorySlices": 2, "totalComputeSlices": 2, "maxGpuInstances": 2,
                           "documentedInMigUserGuide": false, "sources": ["ignored"],
                           "profiles": [{"name": "1g.4gb", "giProfileId": 3,
                                         "nvmlGiConstant": "NVML_GPU_INSTANCE_PROFILE_1_SLICE", "nvmlGiConstantValue": 0,
                                         "ciProfileConstant": "NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE",
                                         "ciProfileConstantValue": 0, "computeSlices": 1, "memorySlices": 1,
                                         "starts": [0, 1], "maxInstances": 2, "mediaExtensions": false,
                                         "documented": false, "memoryMiB": null}]}}
                """;
        MigCatalog small = MigCatalog.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        MigProfile profile = small.requireModel("X-8GB").requireProfile("1g.4gb");
        assertThat(profile.giProfileId()).isEqualTo(3);
        assertThat(profile.inferred()).isEmpty();
        assertThat(profile.memoryMiB()).isNull();
        assertThat(small.model("Y")).isEmpty();
    }
}
