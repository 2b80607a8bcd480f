package com.redhat.das.api.mig;

import java.util.Objects;

/**
 * A named NVML enum constant, e.g. {@code NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV1} = 7.
 *
 * <p>The value is what goes into the {@code profile} argument of {@code nvmlDeviceGetGpuInstanceProfileInfo[V]} or
 * {@code nvmlGpuInstanceGetComputeInstanceProfileInfo[V]}. It is NOT a profile id: NVML returns the id in
 * {@code info.id}, and ids differ between GPU models while these values do not.
 *
 * @param name  the C identifier as in {@code nvml.h}
 * @param value its numeric value
 */
public record NvmlConstant(String name, int value) {

    public NvmlConstant {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("NVML constant name must not be blank");
        }
        if (value < 0) {
            throw new IllegalArgumentException("NVML constant " + name + " must be >= 0, got " + value);
        }
    }

    @Override
    public String toString() {
        return name + "(" + value + ")";
    }
}
