package com.redhat.das.node.backend.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.node.backend.MigSlice;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link NvmlBackend#devices()} against the fake NVML: two A100-SXM4-40GB with MIG, one T4 without. */
class NvmlBackendDiscoveryTest {

    private static final GpuModel A100_40GB = MigCatalog.bundled().requireModel("A100-40GB");

    private final FakeNvml fake = FakeNvml.load(FakeNvml.path());
    private NvmlBackend backend;

    @BeforeEach
    void powerOn() {
        fake.fake_nvml_reset();
    }

    @AfterEach
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void listsTheMigGpusAndLeavesOutTheOneWithoutMig() throws Exception {
        backend = NvmlBackend.open(FakeNvml.path());

        List<GpuInventory> devices = backend.devices();

        assertThat(devices).extracting(GpuInventory::uuid).containsExactly(FakeNvml.GPU0, FakeNvml.GPU1);
        assertThat(devices).extracting(GpuInventory::index).containsExactly(0, 1);
        GpuInventory gpu = devices.getFirst();
        assertThat(gpu.model()).isEqualTo("A100-40GB");
        assertThat(gpu.productName()).isEqualTo(FakeNvml.PRODUCT);
        assertThat(gpu.memoryMiB()).isEqualTo(40960);
        assertThat(gpu.memorySlices()).isEqualTo(A100_40GB.totalMemorySlices()).isEqualTo(8);
        assertThat(gpu.computeSlices()).isEqualTo(A100_40GB.totalComputeSlices()).isEqualTo(7);
        assertThat(gpu.maxGpuInstances()).isEqualTo(A100_40GB.maxGpuInstances()).isEqualTo(7);
        assertThat(fake.calls("nvmlDeviceGetMigMode")).anyMatch(c -> c.startsWith("nvmlDeviceGetMigMode(gpu=2)") && c.endsWith("= 3"));
    }

    @Test
    void profilesAreTheCatalogsA100ProfilesReadFromNvml() throws Exception {
        backend = NvmlBackend.open(FakeNvml.path());

        List<GpuProfile> expected = GpuInventory.of(A100_40GB, FakeNvml.GPU0, 0, FakeNvml.PRODUCT, 40960).profiles();
        for (GpuInventory gpu : backend.devices()) {
            assertThat(gpu.profiles()).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void keepsTheThreeNumbersOfEachProfileApart() throws Exception {
        backend = NvmlBackend.open(FakeNvml.path());

        Map<String, GpuProfile> byName = backend.devices().getFirst().profiles().stream()
                .collect(Collectors.toMap(GpuProfile::name, Function.identity()));

        GpuProfile doubleMemory = byName.get("1g.10gb");
        assertThat(doubleMemory.giProfileConstant()).isEqualTo(9);   // NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV2
        assertThat(doubleMemory.giProfileId()).isEqualTo(15);
        assertThat(doubleMemory.ciProfileId()).isEqualTo(0);         // NVML_COMPUTE_INSTANCE_PROFILE_1_SLICE
        assertThat(doubleMemory.memorySlices()).isEqualTo(2);
        assertThat(doubleMemory.placements()).extracting(MigPlacement::start).containsExactly(0, 2, 4, 6);

        GpuProfile media = byName.get("1g.5gb+me");
        assertThat(media.giProfileConstant()).isEqualTo(7);          // NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV1
        assertThat(media.giProfileId()).isEqualTo(20);
        assertThat(media.ciProfileId()).isEqualTo(0);
        assertThat(media.mediaExtensions()).isTrue();
        assertThat(media.maxInstances()).isEqualTo(1);
        assertThat(media.placements()).hasSize(7);

        GpuProfile threeSlice = byName.get("3g.20gb");
        assertThat(List.of(threeSlice.giProfileConstant(), threeSlice.giProfileId(), threeSlice.ciProfileId()))
                .containsExactly(2, 9, 2);
        assertThat(byName.get("1g.5gb").mediaExtensions()).isFalse();
    }

    @Test
    void enumeratesProfileConstantsUntilInvalidArgumentSkippingUnsupportedOnes() throws Exception {
        backend = NvmlBackend.open(FakeNvml.path());
        fake.fake_nvml_clear_call_log();

        backend.devices();

        List<String> gpu0 = fake.calls("nvmlDeviceGetGpuInstanceProfileInfoV").stream()
                .filter(c -> c.contains("(gpu=0 ")).toList();
        // Constants 0..17 exist in NVML 13.3; 5, 6, 8 and 10..17 are not A100 profiles; 18 ends the enumeration.
        assertThat(gpu0).hasSize(19);
        assertThat(gpu0.get(5)).contains("profile=5 version=0x02000098").endsWith("= 3");
        assertThat(gpu0.get(9)).contains("profile=9 ").endsWith("= 0");
        assertThat(gpu0.getLast()).contains("profile=18 ").endsWith("= 2");
    }

    @Test
    void countsPlacementsWithNullBeforeFillingThem() throws Exception {
        backend = NvmlBackend.open(FakeNvml.path());
        fake.fake_nvml_clear_call_log();

        backend.devices();

        List<String> placements = fake.calls("nvmlDeviceGetGpuInstancePossiblePlacements_v2").stream()
                .filter(c -> c.contains("(gpu=0 ")).toList();
        assertThat(placements).hasSize(2 * A100_40GB.profiles().size()).allMatch(c -> c.endsWith("= 0"));
        for (int i = 0; i < placements.size(); i += 2) {
            assertThat(placements.get(i)).contains("placements=NULL");
            assertThat(placements.get(i + 1)).doesNotContain("placements=NULL");
        }
    }

    @Test
    void leavesOutAGpuWhoseMigModeIsDisabled() throws Exception {
        fake.fake_nvml_set_mig_mode(1, 0);
        backend = NvmlBackend.open(FakeNvml.path());

        assertThat(backend.devices()).extracting(GpuInventory::uuid).containsExactly(FakeNvml.GPU0);
        assertThat(backend.slices()).isEmpty();
    }

    @Test
    void anOldDriverWithoutProfileInfoVGetsNamesFromTheCatalogAndStillCreates() throws Exception {
        FakeNvml old = FakeNvml.load(FakeNvml.pathWithoutProfileInfoV());
        old.fake_nvml_reset();
        backend = NvmlBackend.open(FakeNvml.pathWithoutProfileInfoV());

        GpuInventory gpu = backend.devices().getFirst();
        List<GpuProfile> expected = GpuInventory.of(A100_40GB, FakeNvml.GPU0, 0, FakeNvml.PRODUCT, 40960).profiles();
        assertThat(gpu.profiles()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(old.calls("nvmlDeviceGetGpuInstanceProfileInfo")).isNotEmpty();

        GpuProfile twoSlice = gpu.profiles().stream().filter(p -> p.name().equals("2g.10gb")).findFirst().orElseThrow();
        MigSlice made = backend.create(FakeNvml.GPU0, twoSlice, 2);
        assertThat(made.complete()).isTrue();
        assertThat(old.calls("nvmlGpuInstanceGetComputeInstanceProfileInfo"))
                .anyMatch(c -> c.contains("profile=1") && c.endsWith("= 0"));
        // The two libraries are separate: nothing happened on the full fake.
        assertThat(fake.fake_nvml_gpu_instance_count(0)).isZero();
        assertThat(old.fake_nvml_gpu_instance_count(0)).isEqualTo(1);
    }

    @Test
    void systemPropertyNamesTheLibraryForOpen() throws Exception {
        String before = System.getProperty(NvmlBackend.LIBRARY_PROPERTY);
        System.setProperty(NvmlBackend.LIBRARY_PROPERTY, FakeNvml.path());
        try {
            backend = NvmlBackend.open();
        } finally {
            restore(before);
        }

        assertThat(backend.library()).isEqualTo(FakeNvml.path());
        assertThat(backend.kind()).isEqualTo("nvml");
        assertThat(backend.devices()).hasSize(2);
    }

    @Test
    void systemPropertyPointingNowhereFailsNamingIt() {
        String before = System.getProperty(NvmlBackend.LIBRARY_PROPERTY);
        System.setProperty(NvmlBackend.LIBRARY_PROPERTY, "/nonexistent/das/libnvidia-ml.so.1");
        try {
            assertThatThrownBy(NvmlBackend::open)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'/nonexistent/das/libnvidia-ml.so.1'")
                    .hasMessageContaining("from system property das.nvml.library");
        } finally {
            restore(before);
        }
    }

    @Test
    void aMissingLibraryGivesOneClearMessage() {
        assertThatThrownBy(() -> NvmlBackend.open("/nonexistent/das/libnvidia-ml.so.1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("NVML library not found: tried '/nonexistent/das/libnvidia-ml.so.1'")
                .hasMessageContaining("das.nvml.library")
                .hasMessageContaining("DAS_NVML_LIBRARY");
    }

    @Test
    void aLibraryThatIsNotNvmlIsRejectedNamingWhatItLacks() {
        assertThatThrownBy(() -> NvmlBackend.open("libc.so.6"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a usable NVML")
                .hasMessageContaining("nvmlInit_v2")
                .hasMessageContaining("nvmlDeviceCreateGpuInstanceWithPlacement");
    }

    @Test
    void aFailingInitIsReportedWithNvmlsText() {
        fake.fake_nvml_fail_next("nvmlInit_v2", 9);

        assertThatThrownBy(() -> NvmlBackend.open(FakeNvml.path()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nvmlInit_v2 failed")
                .hasMessageContaining("Driver Not Loaded")
                .hasMessageContaining("NVML_ERROR_DRIVER_NOT_LOADED");
        assertThat(fake.fake_nvml_init_count()).isZero();
    }

    @Test
    void closeShutsNvmlDownOnceAndTheBackendRefusesFurtherUse() throws Exception {
        backend = NvmlBackend.open(FakeNvml.path());
        assertThat(fake.fake_nvml_init_count()).isEqualTo(1);

        backend.close();
        backend.close();

        assertThat(fake.fake_nvml_init_count()).isZero();
        assertThat(fake.calls("nvmlShutdown")).hasSize(1);
        assertThatThrownBy(backend::devices).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(NvmlBackend.LIBRARY_PROPERTY);
        } else {
            System.setProperty(NvmlBackend.LIBRARY_PROPERTY, before);
        }
    }
}
