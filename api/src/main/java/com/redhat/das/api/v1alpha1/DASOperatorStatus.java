package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * @param observedGeneration the spec generation the conditions describe
 * @param conditions         {@code Available}, {@code Progressing}, {@code Degraded}
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record DASOperatorStatus(
        @JsonProperty("observedGeneration") Long observedGeneration,
        @JsonProperty("conditions") List<Condition> conditions) {
}
