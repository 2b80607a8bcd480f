package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** A GPU instance's position on the GPU, in memory slices: {@code [start, start + size)}. */
public record MigPlacement(
        @Min(0) @Max(7) @JsonProperty("start") int start,
        @Min(1) @Max(8) @JsonProperty("size") int size) {
}
