package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What the node daemon observes; for people and dashboards, not for placement (the allocator counts claims).
 *
 * @param gpuCount   number of GPUs published in spec
 * @param summary    one-line occupancy, e.g. {@code GPU0 [4g.20gb|4g|....] GPU1 [........]}
 * @param gpus       occupancy per GPU
 * @param conditions {@code Ready}: the GPUs are reachable and the backend healthy
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record NodeAcceleratorStatus(
        @JsonProperty("gpuCount") Integer gpuCount,
        @JsonProperty("summary") String summary,
        @JsonProperty("gpus") List<GpuOccupancy> gpus,
        @JsonProperty("conditions") List<Condition> conditions) {

    /**
     * @param uuid              the GPU
     * @param usedMemorySlices  memory slices held by slices
     * @param usedComputeSlices compute slices held by slices
     * @param slots             one character per memory slice: {@code .} free, otherwise the first letter of the
     *                          holding profile's size (e.g. {@code 4444} for a 4g at 0)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GpuOccupancy(
            @JsonProperty("uuid") String uuid,
            @JsonProperty("usedMemorySlices") int usedMemorySlices,
            @JsonProperty("usedComputeSlices") int usedComputeSlices,
            @JsonProperty("slots") String slots) {
    }
}
