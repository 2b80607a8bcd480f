package com.redhat.das.node.cdi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdiSpecDirectoryTest {

    @TempDir
    Path dir;

    private static ContainerSlices twoProfiles() {
        return new ContainerSlices("0a1b2c3d-4e5f-6789-abcd-ef0123456789", "team", "trainer", "main",
                Map.of("1g.5gb+me", List.of("MIG-b"), "3g.20gb", List.of("MIG-a1", "MIG-a2")), List.of("c1", "c2", "c3"));
    }

    @Test
    void oneSpecPerContainerEveryDeviceSeesAllSlices() throws Exception {
        CdiSpecDirectory cdi = new CdiSpecDirectory(dir);
        Path file = cdi.write(twoProfiles());
        assertThat(file.getFileName().toString()).isEqualTo("das-team_trainer_main_0a1b2c3d.json");
        JsonNode spec = new ObjectMapper().readTree(file.toFile());
        assertThat(spec.path("kind").asText()).isEqualTo("mig.das.com/slice");
        assertThat(spec.path("devices")).hasSize(2);
        for (JsonNode device : spec.path("devices")) {
            assertThat(device.path("name").asText()).matches("[A-Za-z0-9][A-Za-z0-9_.:-]*");
            assertThat(device.path("containerEdits").path("env").get(0).asText())
                    .isEqualTo("NVIDIA_VISIBLE_DEVICES=MIG-b,MIG-a1,MIG-a2");
        }
        assertThat(spec.path("devices").get(0).path("containerEdits").path("env").get(1).asText())
                .isEqualTo("DAS_MIG_1G_5GB_PLUS_ME=MIG-b");
        assertThat(spec.toString()).doesNotContain("hooks");
        assertThat(CdiSpecDirectory.qualifiedDeviceName("0a1b2c3d-x", "team", "trainer", "main", "1g.5gb+me"))
                .isEqualTo("mig.das.com/slice=team_trainer_main_0a1b2c3d_1g.5gb-plus-me");
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(file); // no temporary file left
        }
    }

    @Test
    void readsBackWhatItWroteAndRemovesByPod() {
        CdiSpecDirectory cdi = new CdiSpecDirectory(dir);
        cdi.write(twoProfiles());
        ContainerSlices other = new ContainerSlices("ffff0000-1111", "team", "other", "c", Map.of("1g.5gb", List.of("MIG-z")), List.of("c9"));
        cdi.write(other);
        assertThat(cdi.list()).extracting(CdiSpecDirectory.StoredSpec::slices).containsExactlyInAnyOrder(twoProfiles(), other);
        assertThat(cdi.removePod(twoProfiles().podUid())).isEqualTo(1);
        assertThat(cdi.list()).extracting(CdiSpecDirectory.StoredSpec::slices).containsExactly(other);
    }

    @Test
    void contentsUnderAnotherContainersDeviceNamesAfterACrossing() {
        CdiSpecDirectory cdi = new CdiSpecDirectory(dir);
        ContainerSlices a = new ContainerSlices("aaaaaaaa-1", "ns", "a", "c", Map.of("1g.5gb", List.of("MIG-A")), List.of("ca"));
        ContainerSlices b = new ContainerSlices("bbbbbbbb-1", "ns", "b", "c", Map.of("1g.5gb", List.of("MIG-B")), List.of("cb"));
        Path fileA = cdi.write(b, CdiSpecDirectory.DeviceNames.of(a));
        CdiSpecDirectory.StoredSpec stored = cdi.list().getFirst();
        assertThat(stored.file()).isEqualTo(fileA);
        assertThat(stored.slices()).isEqualTo(b);
        assertThat(stored.names()).isEqualTo(CdiSpecDirectory.DeviceNames.of(a));
    }
}
