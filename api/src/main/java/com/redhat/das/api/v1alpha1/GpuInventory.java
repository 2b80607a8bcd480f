package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Required;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import java.util.List;

/**
 * One GPU and what MIG can do on it, as NVML (or the emulator) reports it.
 *
 * @param uuid               {@code GPU-...}
 * @param index              NVML device index
 * @param model              catalog model name, e.g. {@code A100-40GB}
 * @param productName        NVML product name, e.g. {@code NVIDIA A100-SXM4-40GB}
 * @param memoryMiB          total memory
 * @param memorySlices       placement slots (8, or 4 on A30)
 * @param computeSlices      compute-slice budget (7, or 4 on A30)
 * @param maxGpuInstances    most GPU instances the GPU can hold at once
 * @param profiles           GPU-instance profiles offered on this GPU
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GpuInventory(
        @Required @JsonProperty("uuid") String uuid,
        @JsonProperty("index") int index,
        @JsonProperty("model") String model,
        @JsonProperty("productName") String productName,
        @JsonProperty("memoryMiB") long memoryMiB,
        @JsonProperty("memorySlices") int memorySlices,
        @JsonProperty("computeSlices") int computeSlices,
        @JsonProperty("maxGpuInstances") int maxGpuInstances,
        @JsonProperty("profiles") List<GpuProfile> profiles) {

    /** The inventory entry of a GPU whose MIG abilities are those of a catalog model (emulated GPUs, tests). */
    public static GpuInventory of(GpuModel model, String uuid, int index, String productName, long memoryMiB) {
        List<GpuProfile> profiles = model.profiles().stream().map(GpuInventory::profileOf).toList();
        return new GpuInventory(uuid, index, model.name(), productName, memoryMiB, model.totalMemorySlices(),
                model.totalComputeSlices(), model.maxGpuInstances(), profiles);
    }

    private static GpuProfile profileOf(MigProfile p) {
        Long memory = p.memoryMiB() != null ? p.memoryMiB() : p.observedMemoryMiB();
        List<MigPlacement> placements = p.starts().stream().map(s -> new MigPlacement(s, p.memorySlices())).toList();
        return new GpuProfile(p.name(), p.giProfileId(), p.nvmlGiConstant().value(), p.ciProfileConstant().value(),
                p.memorySlices(), p.computeSlices(), p.maxInstances(), p.mediaExtensions(), memory, placements);
    }
}
