package com.redhat.das.node.backend.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.node.backend.NvmlReturn;
import com.redhat.das.node.backend.nvml.NvmlLibrary.DeviceHandle;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceHandle;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstancePlacement;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceProfileInfoV2;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The raw binding against the fake: the NVML rules the backend relies on, as the fake enforces them, reach Java
 * intact through JNA (return codes, out-parameters, struct contents).
 */
class NvmlLibraryTest {

    private final FakeNvml fake = FakeNvml.load(FakeNvml.path());
    private final NvmlLibrary nvml = Native.load(FakeNvml.path(), NvmlLibrary.class);

    @BeforeEach
    void powerOn() {
        fake.fake_nvml_reset();
    }

    @AfterEach
    void shutdown() {
        while (fake.fake_nvml_init_count() > 0) {
            nvml.nvmlShutdown();
        }
    }

    @Test
    void callsBeforeInitAreUninitialized() {
        assertThat(nvml.nvmlDeviceGetCount_v2(new IntByReference())).isEqualTo(NvmlReturn.UNINITIALIZED.code());
        assertThat(nvml.nvmlInit_v2()).isZero();
        IntByReference count = new IntByReference();
        assertThat(nvml.nvmlDeviceGetCount_v2(count)).isZero();
        assertThat(count.getValue()).isEqualTo(3);
    }

    @Test
    void profileInfoReadsTheV2StructAndChecksItsVersion() {
        nvml.nvmlInit_v2();
        DeviceHandle gpu0 = device(0);

        GpuInstanceProfileInfoV2 info = new GpuInstanceProfileInfoV2();
        assertThat(nvml.nvmlDeviceGetGpuInstanceProfileInfoV(gpu0, 7, info)).isZero();
        assertThat(info.id).isEqualTo(20);
        assertThat(info.sliceCount).isEqualTo(1);
        assertThat(info.instanceCount).isEqualTo(1);
        assertThat(info.memorySizeMB).isEqualTo(4864);
        assertThat(info.nameString()).isEqualTo("MIG 1g.5gb+me");
        assertThat(info.version).isEqualTo(GpuInstanceProfileInfoV2.VERSION);

        GpuInstanceProfileInfoV2 wrongVersion = new GpuInstanceProfileInfoV2();
        wrongVersion.version = 0x01000098;
        assertThat(nvml.nvmlDeviceGetGpuInstanceProfileInfoV(gpu0, 0, wrongVersion))
                .isEqualTo(NvmlReturn.ARGUMENT_VERSION_MISMATCH.code());
        assertThat(nvml.nvmlErrorString(NvmlReturn.ARGUMENT_VERSION_MISMATCH.code())).contains("ersion");
    }

    @Test
    void profileConstantsPastTheEndAreInvalidAndUnofferedOnesNotSupported() {
        nvml.nvmlInit_v2();
        DeviceHandle gpu0 = device(0);

        assertThat(nvml.nvmlDeviceGetGpuInstanceProfileInfoV(gpu0, 5, new GpuInstanceProfileInfoV2()))
                .isEqualTo(NvmlReturn.NOT_SUPPORTED.code());
        assertThat(nvml.nvmlDeviceGetGpuInstanceProfileInfoV(gpu0, 0x12, new GpuInstanceProfileInfoV2()))
                .isEqualTo(NvmlReturn.INVALID_ARGUMENT.code());
    }

    @Test
    void unknownUuidIsNotFoundAndTheGpuWithoutMigSaysNotSupported() {
        nvml.nvmlInit_v2();

        assertThat(nvml.nvmlDeviceGetHandleByUUID("GPU-nope", new PointerByReference()))
                .isEqualTo(NvmlReturn.NOT_FOUND.code());
        PointerByReference t4 = new PointerByReference();
        assertThat(nvml.nvmlDeviceGetHandleByUUID(FakeNvml.GPU2, t4)).isZero();
        assertThat(nvml.nvmlDeviceGetMigMode(new DeviceHandle(t4.getValue()), new IntByReference(), new IntByReference()))
                .isEqualTo(NvmlReturn.NOT_SUPPORTED.code());
    }

    @Test
    void gpuInstanceInfoComesBackThroughTheNestedPlacement() {
        nvml.nvmlInit_v2();
        DeviceHandle gpu1 = device(1);

        PointerByReference gi = new PointerByReference();
        assertThat(nvml.nvmlDeviceCreateGpuInstanceWithPlacement(gpu1, 14, new GpuInstancePlacement(4, 2), gi)).isZero();
        GpuInstanceInfo info = new GpuInstanceInfo();
        assertThat(nvml.nvmlGpuInstanceGetInfo(new GpuInstanceHandle(gi.getValue()), info)).isZero();

        assertThat(info.id).isEqualTo(1);
        assertThat(info.profileId).isEqualTo(14);
        assertThat(info.placement.start).isEqualTo(4);
        assertThat(info.placement.size).isEqualTo(2);
        assertThat(info.device.getPointer()).isEqualTo(gpu1.getPointer());
        // The size must be the profile's memory slices; a start the profile does not allow is an invalid argument.
        assertThat(nvml.nvmlDeviceCreateGpuInstanceWithPlacement(gpu1, 14, new GpuInstancePlacement(0, 1),
                new PointerByReference())).isEqualTo(NvmlReturn.INVALID_ARGUMENT.code());
        assertThat(nvml.nvmlDeviceCreateGpuInstanceWithPlacement(gpu1, 14, new GpuInstancePlacement(6, 2),
                new PointerByReference())).isEqualTo(NvmlReturn.INVALID_ARGUMENT.code());
    }

    @Test
    void aGpuInstanceWithAComputeInstanceCannotBeDestroyed() {
        nvml.nvmlInit_v2();
        DeviceHandle gpu0 = device(0);
        PointerByReference giRef = new PointerByReference();
        assertThat(nvml.nvmlDeviceCreateGpuInstanceWithPlacement(gpu0, 0, new GpuInstancePlacement(0, 8), giRef)).isZero();
        GpuInstanceHandle gi = new GpuInstanceHandle(giRef.getValue());
        assertThat(nvml.nvmlGpuInstanceCreateComputeInstance(gi, 4, new PointerByReference())).isZero();

        assertThat(nvml.nvmlGpuInstanceDestroy(gi)).isEqualTo(NvmlReturn.IN_USE.code());
        assertThat(fake.fake_nvml_gpu_instance_count(0)).isEqualTo(1);
    }

    private DeviceHandle device(int index) {
        PointerByReference ref = new PointerByReference();
        assertThat(nvml.nvmlDeviceGetHandleByIndex_v2(index, ref)).isZero();
        return new DeviceHandle(ref.getValue());
    }
}
