package com.redhat.das.node.backend;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.node.backend.emulated.EmulatedBackend;
import com.redhat.das.node.backend.nvml.NvmlBackend;
import java.nio.file.Path;

/** Chooses the backend: NVML on a node with GPUs, the emulator everywhere else. */
public final class GpuBackends {

    private GpuBackends() {
    }

    /** How the daemon reaches its GPUs. */
    public sealed interface Choice {
    }

    /** Real GPUs through {@code libnvidia-ml.so.1}; {@code library} overrides where it is loaded from (null: default search). */
    public record Nvml(String library) implements Choice {
    }

    /**
     * Emulated GPUs of a catalog model.
     *
     * @param stateFile where the emulated MIG instances survive a daemon restart (null: memory only)
     */
    public record Emulated(String model, int count, Path stateFile) implements Choice {
    }

    public static GpuBackend open(Choice choice, String nodeName) {
        return switch (choice) {
            case Nvml n -> n.library() == null ? NvmlBackend.open() : NvmlBackend.open(n.library());
            case Emulated e -> EmulatedBackend.open(nodeName, MigCatalog.bundled().requireModel(e.model()), e.count(), e.stateFile());
        };
    }
}
