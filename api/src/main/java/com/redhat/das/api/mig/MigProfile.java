package com.redhat.das.api.mig;

import java.util.List;
import java.util.Objects;

/**
 * One MIG GPU-instance profile of one GPU model, e.g. {@code 1g.5gb} on an A100-40GB.
 *
 * <p>Three different numbers identify a profile, and they must not be mixed up:
 * <ul>
 *   <li>{@link #giProfileId()}: the id NVML reports in {@code nvmlGpuInstanceProfileInfo_t.id} (the "ID" column of
 *       {@code nvidia-smi mig -lgip}). It is what placement, creation and listing calls take, and it is specific to
 *       the GPU model: id 14 is {@code 2g} on A100/H100 but {@code 1g.6gb} on A30.</li>
 *   <li>{@link #nvmlGiConstant()}: the {@code NVML_GPU_INSTANCE_PROFILE_*} value used to look the profile up.</li>
 *   <li>{@link #ciProfileConstant()}: the {@code NVML_COMPUTE_INSTANCE_PROFILE_*} value of the compute instance that
 *       fills the whole GPU instance (chosen by compute-slice count).</li>
 * </ul>
 * The same name can also mean different profiles on different models ({@code 1g.10gb} has 2 memory slices on
 * A100-40GB but 1 on A100-80GB), so compare whole profiles, or names within one model only.
 *
 * <p>This record does not depend on where the data came from: the bundled catalog fills it from
 * {@code mig-catalog.json}, the node daemon from what NVML reports (then {@code documented} and {@code inferred}
 * describe that source, e.g. {@code true} and empty).
 *
 * @param name              profile name as nvidia-smi prints it, without the {@code "MIG "} prefix
 * @param giProfileId       NVML GPU-instance profile id ({@code info.id})
 * @param nvmlGiConstant    {@code NVML_GPU_INSTANCE_PROFILE_*} constant
 * @param ciProfileConstant {@code NVML_COMPUTE_INSTANCE_PROFILE_*} constant of the full-size compute instance
 * @param computeSlices     SM slices the GPU instance takes from the GPU's compute budget
 * @param memorySlices      memory slices it occupies, i.e. the placement size
 * @param starts            allowed first memory slices, ascending ({@code nvmlDeviceGetGpuInstancePossiblePlacements})
 * @param maxInstances      most instances of this profile one GPU can hold ({@code instanceCount}); for {@code +me}
 *                          profiles this is 1 although several starts exist
 * @param mediaExtensions   true for {@code +me} profiles, which take the GPU's shared JPEG/OFA engines
 * @param documented        true when NVIDIA's MIG user guide lists this profile for this model
 * @param inferred          names of the fields that no NVIDIA source states for this exact model
 * @param memoryMiB         documented memory size, or {@code null} when not documented
 * @param observedMemoryMiB memory size seen in public nvidia-smi output, or {@code null}; driver dependent
 */
public record MigProfile(
        String name,
        int giProfileId,
        NvmlConstant nvmlGiConstant,
        NvmlConstant ciProfileConstant,
        int computeSlices,
        int memorySlices,
        List<Integer> starts,
        int maxInstances,
        boolean mediaExtensions,
        boolean documented,
        List<String> inferred,
        Long memoryMiB,
        Long observedMemoryMiB) {

    public MigProfile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(nvmlGiConstant, "nvmlGiConstant");
        Objects.requireNonNull(ciProfileConstant, "ciProfileConstant");
        if (name.isBlank()) {
            throw new IllegalArgumentException("profile name must not be blank");
        }
        if (giProfileId < 0) {
            throw new IllegalArgumentException(name + ": giProfileId must be >= 0, got " + giProfileId);
        }
        if (computeSlices < 1) {
            throw new IllegalArgumentException(name + ": computeSlices must be >= 1, got " + computeSlices);
        }
        if (memorySlices < 1 || memorySlices > Placement.MAX_MEMORY_SLICES) {
            throw new IllegalArgumentException(name + ": memorySlices out of range: " + memorySlices);
        }
        if (maxInstances < 1) {
            throw new IllegalArgumentException(name + ": maxInstances must be >= 1, got " + maxInstances);
        }
        starts = List.copyOf(starts);
        if (starts.isEmpty()) {
            throw new IllegalArgumentException(name + ": at least one start is needed");
        }
        int previous = -1;
        for (int start : starts) {
            if (start <= previous) {
                throw new IllegalArgumentException(name + ": starts must be ascending and distinct: " + starts);
            }
            // Also validates that the placement fits the bitmask.
            new Placement(start, memorySlices);
            previous = start;
        }
        inferred = List.copyOf(inferred);
        if (memoryMiB != null && memoryMiB <= 0) {
            throw new IllegalArgumentException(name + ": memoryMiB must be positive, got " + memoryMiB);
        }
        if (observedMemoryMiB != null && observedMemoryMiB <= 0) {
            throw new IllegalArgumentException(
                    name + ": observedMemoryMiB must be positive, got " + observedMemoryMiB);
        }
    }

    /** Whether NVML allows a GPU instance of this profile to start at {@code start}. */
    public boolean allowsStart(int start) {
        return starts.contains(start);
    }

    /** The placement an instance of this profile has when it starts at {@code start}; the start is not checked. */
    public Placement placementAt(int start) {
        return new Placement(start, memorySlices);
    }

    /** Allowed starts as a bitmask, bit {@code s} set when start {@code s} is allowed. */
    public long startMask() {
        long mask = 0;
        for (int start : starts) {
            mask |= 1L << start;
        }
        return mask;
    }

    /** Whether {@code field} (a JSON field name of the catalog, e.g. {@code "giProfileId"}) is inferred. */
    public boolean isInferred(String field) {
        return inferred.contains(field);
    }

    @Override
    public String toString() {
        return name + "(id " + giProfileId + ", " + computeSlices + "c/" + memorySlices + "m)";
    }
}
