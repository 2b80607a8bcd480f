package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * @param acceleratorType always {@code nvidia-mig} for now
 * @param emulated        true when the GPUs are emulated (no driver, no NVML)
 * @param gpus            the node's MIG-enabled GPUs, in device-index order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeAcceleratorSpec(
        @JsonProperty("acceleratorType") String acceleratorType,
        @JsonProperty("emulated") Boolean emulated,
        @JsonProperty("gpus") List<GpuInventory> gpus) {
}
