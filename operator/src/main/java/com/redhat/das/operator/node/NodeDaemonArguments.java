package com.redhat.das.operator.node;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.v1alpha1.DASOperatorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The node daemon's command line as the DASOperator asks for it: NVML on real GPUs, or emulated GPUs of the model
 * and count in {@code spec.emulatedGpus}. The DaemonSet's container gets these arguments; the embedded cluster
 * starts its node daemons with the same ones, so a test of emulated mode goes through this rendering.
 */
public final class NodeDaemonArguments {

    public static final String DEFAULT_EMULATED_MODEL = "A100-40GB";
    public static final int DEFAULT_EMULATED_GPUS = 2;

    private NodeDaemonArguments() {
    }

    /** @throws IllegalArgumentException when the emulated model is not in the catalog (the message lists the models) */
    public static List<String> of(DASOperatorSpec spec) {
        List<String> args = new ArrayList<>();
        if (spec == null || !Boolean.TRUE.equals(spec.emulatedMode())) {
            args.add("--backend=nvml");
            return args;
        }
        DASOperatorSpec.EmulatedGpus gpus = spec.emulatedGpus();
        String model = gpus == null || gpus.model() == null || gpus.model().isBlank() ? DEFAULT_EMULATED_MODEL : gpus.model();
        int count = gpus == null || gpus.count() == null ? DEFAULT_EMULATED_GPUS : gpus.count();
        if (MigCatalog.bundled().model(model).isEmpty()) {
            throw new IllegalArgumentException("spec.emulatedGpus.model '" + model + "' is not a GPU model DAS knows; known models: "
                    + MigCatalog.bundled().modelNames());
        }
        if (count < 1) {
            throw new IllegalArgumentException("spec.emulatedGpus.count must be at least 1, got " + count);
        }
        args.add("--backend=emulated");
        args.add("--emulated-model=" + model);
        args.add("--emulated-gpus=" + count);
        return args;
    }
}
