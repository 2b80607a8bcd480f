package com.redhat.das.node.backend.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstanceInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstancePlacement;
import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstanceProfileInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstanceProfileInfoV2;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstancePlacement;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceProfileInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceProfileInfoV2;
import com.redhat.das.node.backend.nvml.NvmlLibrary.MemoryInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.NvmlStructure;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** JNA's layout of each NVML struct must be gcc's layout of the same declaration in nvml.h form. */
class NvmlStructLayoutTest {

    private static FakeNvml fake;

    @BeforeAll
    static void load() {
        fake = FakeNvml.load(FakeNvml.path());
    }

    static Stream<NvmlStructure> structs() {
        return Stream.of(new MemoryInfo(), new GpuInstancePlacement(), new GpuInstanceProfileInfo(),
                new GpuInstanceProfileInfoV2(), new GpuInstanceInfo(), new ComputeInstancePlacement(),
                new ComputeInstanceProfileInfo(), new ComputeInstanceProfileInfoV2(), new ComputeInstanceInfo());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("structs")
    void sizeAndEveryFieldOffsetEqualC(NvmlStructure struct) {
        String type = struct.cType();
        assertThat(struct.size()).as("sizeof(%s)", type).isEqualTo(fake.fake_nvml_layout(type, null).intValue());
        assertThat(struct.fieldNames()).isNotEmpty();
        for (String field : struct.fieldNames()) {
            long cOffset = fake.fake_nvml_layout(type, field).longValue();
            assertThat(cOffset).as("C declares %s.%s", type, field).isNotNegative();
            assertThat(struct.offsetOf(field)).as("offsetof(%s, %s)", type, field).isEqualTo(cOffset);
        }
    }

    @Test
    void sizesAreThoseOfTheNvmlHeaderOnLp64() {
        // Part B.4 of the reference, independently of the C declarations above.
        assertThat(new GpuInstanceProfileInfoV2().size()).isEqualTo(152);
        assertThat(new GpuInstanceProfileInfoV2().offsetOf("memorySizeMB")).isEqualTo(48);
        assertThat(new GpuInstanceProfileInfoV2().offsetOf("name")).isEqualTo(56);
        assertThat(new ComputeInstanceProfileInfoV2().size()).isEqualTo(136);
        assertThat(new GpuInstanceInfo().offsetOf("placement")).isEqualTo(16);
        assertThat(new ComputeInstanceInfo().offsetOf("placement")).isEqualTo(24);
        assertThat(new ComputeInstanceInfo().size()).isEqualTo(32);
        assertThat(new GpuInstanceProfileInfo().size()).isEqualTo(48);
        assertThat(new ComputeInstanceProfileInfo().size()).isEqualTo(36);
    }

    @Test
    void versionFieldsArePresetToNvmlStructVersion() {
        assertThat(new GpuInstanceProfileInfoV2().version)
                .isEqualTo(0x02000098)
                .isEqualTo(fake.fake_nvml_struct_version("nvmlGpuInstanceProfileInfo_v2_t"))
                .isEqualTo(new GpuInstanceProfileInfoV2().size() | 2 << 24);
        assertThat(new ComputeInstanceProfileInfoV2().version)
                .isEqualTo(0x02000088)
                .isEqualTo(fake.fake_nvml_struct_version("nvmlComputeInstanceProfileInfo_v2_t"))
                .isEqualTo(new ComputeInstanceProfileInfoV2().size() | 2 << 24);
    }
}
