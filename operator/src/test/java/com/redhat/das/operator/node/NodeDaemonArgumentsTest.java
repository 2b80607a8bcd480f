package com.redhat.das.operator.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.redhat.das.api.v1alpha1.DASOperatorSpec;
import org.junit.jupiter.api.Test;

class NodeDaemonArgumentsTest {

    private static DASOperatorSpec spec(Boolean emulated, DASOperatorSpec.EmulatedGpus gpus) {
        return new DASOperatorSpec(null, null, null, null, emulated, gpus, null, null);
    }

    @Test
    void realGpusUseNvml() {
        assertThat(NodeDaemonArguments.of(spec(false, null))).containsExactly("--backend=nvml");
        assertThat(NodeDaemonArguments.of(null)).containsExactly("--backend=nvml");
    }

    @Test
    void emulatedModeTakesModelAndCountFromTheResource() {
        assertThat(NodeDaemonArguments.of(spec(true, new DASOperatorSpec.EmulatedGpus("H100-80GB", 3))))
                .containsExactly("--backend=emulated", "--emulated-model=H100-80GB", "--emulated-gpus=3");
        assertThat(NodeDaemonArguments.of(spec(true, null)))
                .containsExactly("--backend=emulated", "--emulated-model=A100-40GB", "--emulated-gpus=2");
    }

    @Test
    void anUnknownModelIsExplained() {
        assertThatThrownBy(() -> NodeDaemonArguments.of(spec(true, new DASOperatorSpec.EmulatedGpus("A100-41GB", 1))))
                .hasMessageContaining("'A100-41GB' is not a GPU model DAS knows").hasMessageContaining("H100-80GB");
    }
}
