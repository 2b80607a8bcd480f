package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/**
 * A GPU-instance profile as offered by one GPU. The three NVML numbers are kept apart on purpose: confusing the
 * profile constant with the profile id was the reference's worst NVML bug.
 *
 * @param name              e.g. {@code 3g.20gb} or {@code 1g.5gb+me}
 * @param giProfileId       NVML GPU-instance profile id ({@code nvidia-smi mig -lgip} ID column)
 * @param giProfileConstant NVML {@code NVML_GPU_INSTANCE_PROFILE_*} value the id was queried with
 * @param ciProfileId       NVML compute-instance profile id of the full-size compute instance
 * @param memorySlices      placement size in memory slices
 * @param computeSlices     compute slices the instance uses
 * @param maxInstances      most instances of this profile on one GPU
 * @param mediaExtensions   a {@code +me} profile (owns the GPU's media engines)
 * @param memoryMiB         memory of one instance
 * @param placements        allowed placements
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GpuProfile(
        @Required @JsonProperty("name") String name,
        @JsonProperty("giProfileId") int giProfileId,
        @JsonProperty("giProfileConstant") int giProfileConstant,
        @JsonProperty("ciProfileId") int ciProfileId,
        @JsonProperty("memorySlices") int memorySlices,
        @JsonProperty("computeSlices") int computeSlices,
        @JsonProperty("maxInstances") int maxInstances,
        @JsonProperty("mediaExtensions") boolean mediaExtensions,
        @JsonProperty("memoryMiB") Long memoryMiB,
        @JsonProperty("placements") List<MigPlacement> placements) {
}
