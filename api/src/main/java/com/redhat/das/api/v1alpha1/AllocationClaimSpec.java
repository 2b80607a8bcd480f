package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Where one slice goes. Immutable once written: the node daemon realises exactly this placement.
 *
 * @param profile       MIG profile name as NVIDIA writes it, e.g. {@code 1g.5gb} or {@code 1g.5gb+me}
 * @param podRef        the pod the slice belongs to
 * @param containerName the container of that pod that sees the slice
 * @param gpuUUID       the GPU ({@code GPU-...}); key casing as in the reference operator
 * @param nodename      the node holding the GPU
 * @param migPlacement  memory-slice placement on that GPU
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// What and where a slice is never changes. Whose it is may be corrected once: the kubelet does not say which pod it
// admits, and when the node daemon finds (through the pod-resources API) that two pods got each other's slices,
// it re-points the two claims instead of tearing down slices under running containers.
@ValidationRule(value = "self.profile == oldSelf.profile && self.gpuUUID == oldSelf.gpuUUID && self.nodename == oldSelf.nodename"
        + " && self.migPlacement == oldSelf.migPlacement",
        message = "an AllocationClaim's profile, node, GPU and placement are immutable")
public record AllocationClaimSpec(
        @Required @JsonProperty("profile") String profile,
        @Required @JsonProperty("podRef") PodReference podRef,
        @JsonProperty("containerName") String containerName,
        @Required @JsonProperty("gpuUUID") String gpuUUID,
        @Required @JsonProperty("nodename") String nodename,
        @Required @JsonProperty("migPlacement") MigPlacement migPlacement) {
}
