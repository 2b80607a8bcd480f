package com.redhat.das.allocator.model;

import com.redhat.das.api.mig.PlacedInstance;
import java.util.Objects;

/**
 * A slice that occupies part of a GPU: either persisted as an AllocationClaim, or assumed in memory between Reserve
 * and the moment the claim informer shows the persisted claim.
 *
 * @param claimName the AllocationClaim that holds (or will hold) it; unique in the cluster
 * @param podUid    owner pod
 * @param podName   owner pod as namespace/name, for messages
 * @param container container of the pod
 * @param instance  profile and start on the GPU
 * @param assumed   true while only the allocator's memory knows it
 */
public record Slice(String claimName, String podUid, String podName, String container, PlacedInstance instance,
                    boolean assumed) {
    public Slice {
        Objects.requireNonNull(claimName, "claimName");
        Objects.requireNonNull(instance, "instance");
    }
}
