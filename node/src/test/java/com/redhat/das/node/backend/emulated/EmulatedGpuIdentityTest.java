package com.redhat.das.node.backend.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EmulatedGpuIdentityTest {

    @Test
    void sameNodeAndIndexGiveTheSameUuidEveryTime() {
        assertThat(EmulatedGpuIdentity.uuid("worker-1", 0)).isEqualTo(EmulatedGpuIdentity.uuid("worker-1", 0));
        assertThat(EmulatedGpuIdentity.uuid("worker-1", 0)).matches("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    @Test
    void everyGpuOfEveryNodeIsDistinct() {
        Set<String> seen = new HashSet<>();
        for (int node = 0; node < 100; node++) {
            for (int gpu = 0; gpu < 8; gpu++) {
                assertThat(seen.add(EmulatedGpuIdentity.uuid("worker-" + node, gpu))).isTrue();
            }
        }
    }

    @Test
    void migUuidsFollowGpuAndPlacement() {
        String gpu = EmulatedGpuIdentity.uuid("worker-1", 0);
        assertThat(EmulatedGpuIdentity.migUuid(gpu, 0, 4)).startsWith("MIG-").isNotEqualTo(EmulatedGpuIdentity.migUuid(gpu, 4, 4));
    }

    @Test
    void negativeIndexIsRefused() {
        assertThatThrownBy(() -> EmulatedGpuIdentity.uuid("worker-1", -1)).hasMessageContaining("-1");
    }
}
