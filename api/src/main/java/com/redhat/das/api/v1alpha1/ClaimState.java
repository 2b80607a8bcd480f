package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The life of an AllocationClaim. The reference's {@code staged} state lived in the API server; here staging is in
 * the allocator's memory and never written.
 */
public enum ClaimState {
    /** Persisted by the allocator at PreBind; the slice does not exist yet. */
    @JsonProperty("created") CREATED,
    /** The node daemon is creating the slice for the admitted pod. */
    @JsonProperty("processing") PROCESSING,
    /** The slice exists and is handed to the container; {@code status.migUUID} names it. */
    @JsonProperty("inUse") IN_USE,
    /** The pod ended; the node daemon is destroying the slice. */
    @JsonProperty("releasing") RELEASING,
    /** The slice could not be created; {@code status.reason} says why. */
    @JsonProperty("failed") FAILED;

    /** The value as written in the API ({@code inUse}, not {@code IN_USE}). */
    public String apiValue() {
        try {
            return ClaimState.class.getField(name()).getAnnotation(JsonProperty.class).value();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }
}
