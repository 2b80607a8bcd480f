package com.redhat.das.node.backend;

/**
 * A GPU instance as the backend reports it.
 *
 * @param gpuUuid           parent GPU ({@code GPU-...})
 * @param gpuInstanceId     GI instance id, read back from the backend (never derived from the placement)
 * @param giProfileId       GI profile id (not the NVML profile constant)
 * @param start             first memory slice
 * @param size              memory slices occupied
 * @param computeInstanceId CI instance id, or -1 when the GPU instance has no compute instance
 * @param migUuid           {@code MIG-...} of the MIG device, or {@code null} when there is no compute instance
 */
public record MigSlice(String gpuUuid, int gpuInstanceId, int giProfileId, int start, int size,
                       int computeInstanceId, String migUuid) {

    public boolean complete() {
        return computeInstanceId >= 0 && migUuid != null;
    }

    /** Whether this instance sits exactly at the given placement. */
    public boolean at(String gpu, int placementStart, int placementSize) {
        return gpuUuid.equals(gpu) && start == placementStart && size == placementSize;
    }
}
