package com.redhat.das.node.backend;

import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import java.util.List;

/**
 * What the node daemon needs from the GPUs: find them with what MIG can do on each, list the GPU instances that
 * exist, create one slice (GPU instance + compute instance) at a chosen placement, destroy one. Two implementations:
 * NVML through JNA on real GPUs, and an in-memory emulator with the same rules and the same error codes.
 * Implementations are safe to call from several threads.
 */
public interface GpuBackend extends AutoCloseable {

    /** {@code nvml} or {@code emulated}; shown in logs and in the NodeAccelerator. */
    String kind();

    /** The node's GPUs with MIG enabled, each with the profiles and placements it offers. GPUs without MIG are left out. */
    List<GpuInventory> devices() throws GpuBackendException;

    /**
     * Every GPU instance present on the node's GPUs, with its compute instance and MIG UUID when it has one. A GPU
     * instance without a compute instance (a half-made slice) is listed too, so that reconciliation can remove it.
     */
    List<MigSlice> slices() throws GpuBackendException;

    /**
     * Creates a GPU instance of {@code profile} at memory slice {@code start} on GPU {@code gpuUuid} and a compute
     * instance filling it. An occupied placement fails with {@link NvmlReturn#INSUFFICIENT_RESOURCES}. If the compute
     * instance cannot be made, the GPU instance is destroyed before the error is thrown: nothing half-made stays.
     *
     * @param profile the profile as {@link #devices()} published it for that GPU (its three NVML numbers are used)
     */
    MigSlice create(String gpuUuid, GpuProfile profile, int start) throws GpuBackendException;

    /**
     * Destroys the compute instances of GPU instance {@code gpuInstanceId} on {@code gpuUuid}, then the GPU
     * instance. A GPU instance that does not exist is not an error (destroying is idempotent).
     */
    void destroy(String gpuUuid, int gpuInstanceId) throws GpuBackendException;

    @Override
    void close();
}
