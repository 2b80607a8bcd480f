package com.redhat.das.node.backend.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.backend.NvmlReturn;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Creating, listing and destroying slices through {@link NvmlBackend} against the fake NVML. */
class NvmlBackendLifecycleTest {

    private static final String MIG_UUID = "MIG-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final int GI_PROFILE_ID_1G_5GB = 19;

    private final FakeNvml fake = FakeNvml.load(FakeNvml.path());
    private NvmlBackend backend;
    private Map<String, GpuProfile> profiles;

    @BeforeEach
    void open() throws GpuBackendException {
        fake.fake_nvml_reset();
        backend = NvmlBackend.open(FakeNvml.path());
        GpuInventory gpu0 = backend.devices().getFirst();
        profiles = gpu0.profiles().stream().collect(Collectors.toMap(GpuProfile::name, Function.identity()));
        fake.fake_nvml_clear_call_log();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @ParameterizedTest(name = "compute-instance info names the MIG device: {0}")
    @ValueSource(ints = {0, 1})
    void createGivesACompleteSliceThatSlicesReports(int ciInfoDeviceIsMig) throws Exception {
        fake.fake_nvml_ci_info_device_is_mig(ciInfoDeviceIsMig);

        MigSlice made = backend.create(FakeNvml.GPU0, profiles.get("3g.20gb"), 4);

        assertThat(made.gpuUuid()).isEqualTo(FakeNvml.GPU0);
        assertThat(made.giProfileId()).isEqualTo(9);
        assertThat(made.start()).isEqualTo(4);
        assertThat(made.size()).isEqualTo(4);
        assertThat(made.gpuInstanceId()).isEqualTo(1);   // read back: the fake hands out ids lowest-free-first
        assertThat(made.computeInstanceId()).isZero();
        assertThat(made.migUuid()).matches(MIG_UUID);
        assertThat(made.complete()).isTrue();
        assertThat(backend.slices()).containsExactly(made);
        assertThat(fake.fake_nvml_compute_instance_count(0)).isEqualTo(1);
    }

    @Test
    void createPassesTheConstantOnlyToProfileInfoAndTheIdsEverywhereElse() throws Exception {
        // 1g.10gb: GI constant 9 (1_SLICE_REV2), GI profile id 15, CI constant 0; all three differ.
        backend.create(FakeNvml.GPU0, profiles.get("1g.10gb"), 6);

        List<String> calls = fake.calls();
        assertThat(calls).contains(
                "nvmlDeviceGetGpuInstanceProfileInfoV(gpu=0 profile=9 version=0x02000098) = 0",
                "nvmlDeviceCreateGpuInstanceWithPlacement(gpu=0 profileId=15 start=6 size=2 -> gi=1) = 0",
                "nvmlGpuInstanceGetComputeInstanceProfileInfoV(gpu=0 gi=1 profile=0 version=0x02000088) = 0",
                "nvmlGpuInstanceCreateComputeInstance(gpu=0 gi=1 profileId=0 -> ci=0) = 0");
        assertThat(calls.indexOf("nvmlGpuInstanceCreateComputeInstance(gpu=0 gi=1 profileId=0 -> ci=0) = 0"))
                .isGreaterThan(calls.indexOf("nvmlDeviceCreateGpuInstanceWithPlacement(gpu=0 profileId=15 start=6 size=2 -> gi=1) = 0"));
    }

    @Test
    void anOccupiedPlacementFailsWithInsufficientResourcesAndChangesNothing() throws Exception {
        MigSlice first = backend.create(FakeNvml.GPU0, profiles.get("3g.20gb"), 0);

        assertThatThrownBy(() -> backend.create(FakeNvml.GPU0, profiles.get("2g.10gb"), 2))
                .isInstanceOfSatisfying(GpuBackendException.class,
                        e -> assertThat(e.code()).isEqualTo(NvmlReturn.INSUFFICIENT_RESOURCES))
                .hasMessageContaining("nvmlDeviceCreateGpuInstanceWithPlacement(" + FakeNvml.GPU0)
                .hasMessageContaining("placement {2, 2}")
                .hasMessageContaining("Insufficient Resources");

        assertThat(backend.slices()).containsExactly(first);
        assertThat(fake.fake_nvml_gpu_instance_count(0)).isEqualTo(1);
        assertThat(fake.calls("nvmlGpuInstanceDestroy")).isEmpty();
    }

    @Test
    void theInstanceCapOfAMediaProfileHoldsAtAFreePlacement() throws Exception {
        backend.create(FakeNvml.GPU0, profiles.get("1g.5gb+me"), 0);

        assertThatThrownBy(() -> backend.create(FakeNvml.GPU0, profiles.get("1g.5gb+me"), 3))
                .isInstanceOfSatisfying(GpuBackendException.class,
                        e -> assertThat(e.code()).isEqualTo(NvmlReturn.INSUFFICIENT_RESOURCES));
        assertThat(backend.slices()).hasSize(1);
    }

    @Test
    void slicesOnBothGpusAreReportedEachWithItsOwnGpu() throws Exception {
        MigSlice onGpu0 = backend.create(FakeNvml.GPU0, profiles.get("7g.40gb"), 0);
        MigSlice onGpu1 = backend.create(FakeNvml.GPU1, profiles.get("7g.40gb"), 0);

        assertThat(backend.slices()).containsExactly(onGpu0, onGpu1);
        assertThat(onGpu0.migUuid()).isNotEqualTo(onGpu1.migUuid());
    }

    @Test
    void aFailedComputeInstanceLeavesNoGpuInstanceBehind() throws Exception {
        fake.fake_nvml_fail_next("nvmlGpuInstanceCreateComputeInstance", NvmlReturn.INSUFFICIENT_RESOURCES.code());

        assertThatThrownBy(() -> backend.create(FakeNvml.GPU0, profiles.get("2g.10gb"), 4))
                .isInstanceOfSatisfying(GpuBackendException.class,
                        e -> assertThat(e.code()).isEqualTo(NvmlReturn.INSUFFICIENT_RESOURCES))
                .hasMessageContaining("nvmlGpuInstanceCreateComputeInstance")
                .hasMessageContaining("Insufficient Resources");

        assertThat(fake.fake_nvml_gpu_instance_count(0)).isZero();
        assertThat(fake.calls("nvmlGpuInstanceDestroy")).containsExactly("nvmlGpuInstanceDestroy(gpu=0 gi=1) = 0");
        assertThat(backend.slices()).isEmpty();
    }

    @Test
    void aFailureAfterTheComputeInstanceRemovesBothInstances() throws Exception {
        fake.fake_nvml_fail_next("nvmlComputeInstanceGetInfo_v2", NvmlReturn.UNKNOWN.code());

        assertThatThrownBy(() -> backend.create(FakeNvml.GPU0, profiles.get("1g.5gb"), 3))
                .isInstanceOfSatisfying(GpuBackendException.class, e -> assertThat(e.code()).isEqualTo(NvmlReturn.UNKNOWN))
                .hasMessageContaining("nvmlComputeInstanceGetInfo_v2")
                .hasMessageContaining("Unknown Error");

        assertThat(fake.fake_nvml_compute_instance_count(0)).isZero();
        assertThat(fake.fake_nvml_gpu_instance_count(0)).isZero();
        assertThat(backend.slices()).isEmpty();
    }

    @Test
    void aProfileFromAnotherGpuModelIsRefusedBeforeAnythingIsCreated() {
        GpuProfile own = profiles.get("1g.10gb");
        // Constant 9 with an id this GPU gives another profile: a profile published for a different GPU.
        GpuProfile foreign = new GpuProfile(own.name(), GI_PROFILE_ID_1G_5GB, own.giProfileConstant(), own.ciProfileId(),
                own.memorySlices(), own.computeSlices(), own.maxInstances(), false, own.memoryMiB(), own.placements());

        assertThatThrownBy(() -> backend.create(FakeNvml.GPU0, foreign, 0))
                .isInstanceOfSatisfying(GpuBackendException.class,
                        e -> assertThat(e.code()).isEqualTo(NvmlReturn.INVALID_ARGUMENT))
                .hasMessageContaining("reports id 15");
        assertThat(fake.calls("nvmlDeviceCreateGpuInstanceWithPlacement")).isEmpty();
    }

    @Test
    void anUnknownGpuIsNotFound() {
        assertThatThrownBy(() -> backend.create("GPU-00000000-0000-0000-0000-000000000000", profiles.get("1g.5gb"), 0))
                .isInstanceOfSatisfying(GpuBackendException.class, e -> assertThat(e.code()).isEqualTo(NvmlReturn.NOT_FOUND))
                .hasMessageContaining("nvmlDeviceGetHandleByUUID(GPU-00000000-0000-0000-0000-000000000000)")
                .hasMessageContaining("Not Found");
    }

    @Test
    void destroyRemovesTheComputeInstanceBeforeTheGpuInstance() throws Exception {
        MigSlice made = backend.create(FakeNvml.GPU1, profiles.get("4g.20gb"), 0);
        fake.fake_nvml_clear_call_log();

        backend.destroy(FakeNvml.GPU1, made.gpuInstanceId());

        List<String> calls = fake.calls();
        String ciDestroy = "nvmlComputeInstanceDestroy(gpu=1 gi=" + made.gpuInstanceId() + " ci=0) = 0";
        String giDestroy = "nvmlGpuInstanceDestroy(gpu=1 gi=" + made.gpuInstanceId() + ") = 0";
        assertThat(calls).contains(ciDestroy, giDestroy);
        assertThat(calls.indexOf(ciDestroy)).isLessThan(calls.indexOf(giDestroy));
        assertThat(backend.slices()).isEmpty();
        assertThat(fake.fake_nvml_gpu_instance_count(1)).isZero();
    }

    @Test
    void destroyingAnAbsentGpuInstanceIsANoOp() throws Exception {
        MigSlice kept = backend.create(FakeNvml.GPU0, profiles.get("1g.5gb"), 0);

        backend.destroy(FakeNvml.GPU0, kept.gpuInstanceId() + 5);

        assertThat(fake.calls("nvmlDeviceGetGpuInstanceById")).last().asString().endsWith("= 6");
        assertThat(fake.calls("nvmlComputeInstanceDestroy")).isEmpty();
        assertThat(fake.calls("nvmlGpuInstanceDestroy")).isEmpty();
        assertThat(backend.slices()).containsExactly(kept);
    }

    @Test
    void aComputeInstanceInUseStopsTheDestroyWithInUse() throws Exception {
        MigSlice made = backend.create(FakeNvml.GPU0, profiles.get("2g.10gb"), 0);
        fake.fake_nvml_fail_next("nvmlComputeInstanceDestroy", NvmlReturn.IN_USE.code());

        assertThatThrownBy(() -> backend.destroy(FakeNvml.GPU0, made.gpuInstanceId()))
                .isInstanceOfSatisfying(GpuBackendException.class, e -> assertThat(e.code()).isEqualTo(NvmlReturn.IN_USE))
                .hasMessageContaining("nvmlComputeInstanceDestroy(" + FakeNvml.GPU0 + ", GPU instance " + made.gpuInstanceId())
                .hasMessageContaining("In use by another client");

        assertThat(backend.slices()).containsExactly(made);
        assertThat(fake.calls("nvmlGpuInstanceDestroy")).isEmpty();
    }

    @Test
    void aHalfMadeGpuInstanceIsReportedWithoutComputeInstanceAndCanBeDestroyed() throws Exception {
        MigSlice complete = backend.create(FakeNvml.GPU0, profiles.get("3g.20gb"), 0);
        int halfId = fake.fake_nvml_make_gpu_instance(0, GI_PROFILE_ID_1G_5GB, 5);
        assertThat(halfId).isPositive();

        List<MigSlice> slices = backend.slices();

        MigSlice half = new MigSlice(FakeNvml.GPU0, halfId, GI_PROFILE_ID_1G_5GB, 5, 1, -1, null);
        assertThat(slices).containsExactlyInAnyOrder(complete, half);
        assertThat(half.complete()).isFalse();

        backend.destroy(FakeNvml.GPU0, halfId);
        assertThat(backend.slices()).containsExactly(complete);
    }

    @Test
    void slicesSkipsEmptyMigDeviceIndicesAndFindsTheOnesAfterThem() throws Exception {
        MigSlice first = backend.create(FakeNvml.GPU0, profiles.get("1g.5gb"), 0);
        MigSlice second = backend.create(FakeNvml.GPU0, profiles.get("1g.5gb"), 1);
        MigSlice third = backend.create(FakeNvml.GPU0, profiles.get("2g.10gb"), 2);
        backend.destroy(FakeNvml.GPU0, first.gpuInstanceId());
        fake.fake_nvml_clear_call_log();

        assertThat(backend.slices()).containsExactlyInAnyOrder(second, third);
        assertThat(fake.calls("nvmlDeviceGetMigDeviceHandleByIndex"))
                .anyMatch(c -> c.startsWith("nvmlDeviceGetMigDeviceHandleByIndex(gpu=0 index=0)") && c.endsWith("= 6"));
    }

    @Test
    void migUuidsNameDevicesNvmlCanFindAgain() throws Exception {
        MigSlice made = backend.create(FakeNvml.GPU0, profiles.get("1g.5gb"), 6);
        fake.fake_nvml_clear_call_log();

        backend.slices();

        assertThat(fake.calls("nvmlDeviceGetUUID")).contains("nvmlDeviceGetUUID(mig=" + made.migUuid() + ") = 0");
    }

    @Test
    void destroyedAndRecreatedSlicesGetANewMigUuid() throws Exception {
        MigSlice before = backend.create(FakeNvml.GPU0, profiles.get("1g.5gb"), 2);
        backend.destroy(FakeNvml.GPU0, before.gpuInstanceId());

        MigSlice after = backend.create(FakeNvml.GPU0, profiles.get("1g.5gb"), 2);

        assertThat(after.gpuInstanceId()).isEqualTo(before.gpuInstanceId());
        assertThat(after.migUuid()).matches(MIG_UUID).isNotEqualTo(before.migUuid());
    }

    @Test
    void onlyVersionedEntryPointsAreCalled() throws Exception {
        MigSlice made = backend.create(FakeNvml.GPU0, profiles.get("3g.20gb"), 4);
        backend.slices();
        backend.destroy(FakeNvml.GPU0, made.gpuInstanceId());

        // The fake does not export the v1 names at all; the log shows which of the versioned ones were used.
        assertThat(fake.calls()).noneMatch(c -> c.startsWith("nvmlDeviceGetGpuInstanceProfileInfo("));
        assertThat(fake.calls()).anyMatch(c -> c.startsWith("nvmlComputeInstanceGetInfo_v2("));
        assertThat(fake.calls()).anyMatch(c -> c.startsWith("nvmlDeviceGetCount_v2("));
        assertThat(fake.calls()).anyMatch(c -> c.startsWith("nvmlDeviceGetHandleByIndex_v2("));
    }
}
