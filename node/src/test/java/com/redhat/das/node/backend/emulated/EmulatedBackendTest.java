package com.redhat.das.node.backend.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.backend.NvmlReturn;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatedBackendTest {

    @TempDir
    Path dir;

    private static GpuProfile profile(GpuInventory gpu, String name) {
        return gpu.profiles().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void publishesTheCatalogModelWithStableUuids() {
        EmulatedBackend a = EmulatedBackend.open("node-a", MigCatalog.bundled().requireModel("A100-40GB"), 2, null);
        EmulatedBackend again = EmulatedBackend.open("node-a", MigCatalog.bundled().requireModel("A100-40GB"), 2, null);
        assertThat(a.devices()).hasSize(2);
        assertThat(a.devices().get(0).uuid()).startsWith("GPU-").isEqualTo(again.devices().get(0).uuid());
        assertThat(a.devices().get(0).uuid()).isNotEqualTo(a.devices().get(1).uuid());
        assertThat(a.devices().get(0).memorySlices()).isEqualTo(8);
        assertThat(a.devices().get(0).memoryMiB()).isEqualTo(40 * 1024);
        assertThat(a.devices().get(0).profiles()).extracting(GpuProfile::name).contains("1g.5gb", "3g.20gb", "7g.40gb", "1g.5gb+me");
    }

    @Test
    void createsAtThePlacementAndRefusesAnOccupiedOneWithNvmlsCode() throws Exception {
        EmulatedBackend gpus = EmulatedBackend.open("n", MigCatalog.bundled().requireModel("A100-40GB"), 1, null);
        GpuInventory gpu = gpus.devices().getFirst();
        MigSlice made = gpus.create(gpu.uuid(), profile(gpu, "3g.20gb"), 4);
        assertThat(made.start()).isEqualTo(4);
        assertThat(made.size()).isEqualTo(4);
        assertThat(made.migUuid()).startsWith("MIG-");
        assertThat(made.complete()).isTrue();

        assertThatThrownBy(() -> gpus.create(gpu.uuid(), profile(gpu, "1g.5gb"), 5))
                .isInstanceOf(GpuBackendException.class)
                .satisfies(e -> assertThat(((GpuBackendException) e).code()).isEqualTo(NvmlReturn.INSUFFICIENT_RESOURCES))
                .hasMessageContaining("NVML_ERROR_INSUFFICIENT_RESOURCES");
        assertThatThrownBy(() -> gpus.create(gpu.uuid(), profile(gpu, "3g.20gb"), 4))
                .satisfies(e -> assertThat(((GpuBackendException) e).code()).isEqualTo(NvmlReturn.INSUFFICIENT_RESOURCES));
        // a 4g may start only at slice 0: NVML refuses other placements as invalid
        assertThatThrownBy(() -> gpus.create(gpu.uuid(), profile(gpu, "4g.20gb"), 4))
                .satisfies(e -> assertThat(((GpuBackendException) e).code()).isEqualTo(NvmlReturn.INVALID_ARGUMENT));
        assertThatThrownBy(() -> gpus.create("GPU-nope", profile(gpu, "1g.5gb"), 0))
                .satisfies(e -> assertThat(((GpuBackendException) e).code()).isEqualTo(NvmlReturn.NOT_FOUND));
        assertThat(gpus.slices()).containsExactly(made);
    }

    @Test
    void onlyOneMediaExtensionInstancePerGpu() throws Exception {
        EmulatedBackend gpus = EmulatedBackend.open("n", MigCatalog.bundled().requireModel("A100-40GB"), 1, null);
        GpuInventory gpu = gpus.devices().getFirst();
        gpus.create(gpu.uuid(), profile(gpu, "1g.5gb+me"), 0);
        assertThatThrownBy(() -> gpus.create(gpu.uuid(), profile(gpu, "1g.5gb+me"), 1))
                .satisfies(e -> assertThat(((GpuBackendException) e).code()).isEqualTo(NvmlReturn.INSUFFICIENT_RESOURCES));
    }

    @Test
    void refusesAProfileWhoseNvmlNumbersAreMixedUp() {
        EmulatedBackend gpus = EmulatedBackend.open("n", MigCatalog.bundled().requireModel("A100-40GB"), 1, null);
        GpuInventory gpu = gpus.devices().getFirst();
        GpuProfile p = profile(gpu, "1g.10gb");
        // the reference's bug: the GI constant used where the GI profile id belongs
        GpuProfile confused = new GpuProfile(p.name(), p.giProfileConstant(), p.giProfileConstant(), p.ciProfileId(),
                p.memorySlices(), p.computeSlices(), p.maxInstances(), p.mediaExtensions(), p.memoryMiB(), p.placements());
        assertThatThrownBy(() -> gpus.create(gpu.uuid(), confused, 0))
                .satisfies(e -> assertThat(((GpuBackendException) e).code()).isEqualTo(NvmlReturn.NOT_SUPPORTED));
        GpuProfile wrongCi = new GpuProfile(p.name(), p.giProfileId(), p.giProfileConstant(), p.giProfileConstant(),
                p.memorySlices(), p.computeSlices(), p.maxInstances(), p.mediaExtensions(), p.memoryMiB(), p.placements());
        assertThatThrownBy(() -> gpus.create(gpu.uuid(), wrongCi, 0))
                .satisfies(e -> assertThat(((GpuBackendException) e).code()).isEqualTo(NvmlReturn.NOT_SUPPORTED));
    }

    @Test
    void instancesOutliveTheDaemonWhenAStateFileIsGiven() throws Exception {
        Path state = dir.resolve("gpus.json");
        EmulatedBackend first = EmulatedBackend.open("n", MigCatalog.bundled().requireModel("H100-80GB"), 2, state);
        GpuInventory gpu = first.devices().get(1);
        MigSlice made = first.create(gpu.uuid(), profile(gpu, "2g.20gb"), 2);
        first.close();

        EmulatedBackend restarted = EmulatedBackend.open("n", MigCatalog.bundled().requireModel("H100-80GB"), 2, state);
        assertThat(restarted.slices()).containsExactly(made);
        restarted.destroy(gpu.uuid(), made.gpuInstanceId());
        restarted.destroy(gpu.uuid(), made.gpuInstanceId()); // idempotent
        assertThat(EmulatedBackend.open("n", MigCatalog.bundled().requireModel("H100-80GB"), 2, state).slices()).isEmpty();
    }

    @Test
    void halfMadeInstancesAreListedWithoutComputeInstance() {
        EmulatedBackend gpus = EmulatedBackend.open("n", MigCatalog.bundled().requireModel("A100-40GB"), 1, null);
        MigSlice half = gpus.createHalfMade(gpus.devices().getFirst().uuid(), "2g.10gb", 2);
        assertThat(half.complete()).isFalse();
        assertThat(half.computeInstanceId()).isEqualTo(-1);
        assertThat(gpus.slices()).containsExactly(half);
    }
}
