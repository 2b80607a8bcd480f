package com.redhat.das.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.redhat.das.node.backend.GpuBackends;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void laterOptionsOverrideEarlierOnes() {
        NodeDaemon.Settings s = Main.settings(List.of("--node-name=n1", "--backend=emulated", "--emulated-model=H100-80GB",
                "--emulated-gpus=3", "--cdi-dir=/var/run/cdi", "--cdi-dir=/tmp/x/cdi", "--claim-wait=PT5S"));
        assertThat(s.nodeName()).isEqualTo("n1");
        assertThat(s.backend()).isEqualTo(new GpuBackends.Emulated("H100-80GB", 3, Path.of("/var/lib/das/emulated-gpus.json")));
        assertThat(s.cdiDir()).isEqualTo(Path.of("/tmp/x/cdi"));
        assertThat(s.claimWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.devicePluginDir()).isEqualTo(Path.of("/var/lib/kubelet/device-plugins"));
    }

    @Test
    void anUnknownBackendIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> Main.settings(List.of("--node-name=n1", "--backend=cuda")))
                .hasMessageContaining("--backend must be nvml or emulated, not cuda");
    }
}
