package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * Progress of a claim, written by the node daemon.
 *
 * @param state      where the claim is in its life
 * @param reason     why it failed, when {@code state} is {@code failed}
 * @param migUUID    the MIG device ({@code MIG-...}) once the slice exists
 * @param conditions standard conditions; {@code State} mirrors {@code state} for tools that read conditions
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record AllocationClaimStatus(
        @JsonProperty("state") ClaimState state,
        @JsonProperty("reason") String reason,
        @JsonProperty("migUUID") String migUUID,
        @JsonProperty("conditions") List<Condition> conditions) {
}
