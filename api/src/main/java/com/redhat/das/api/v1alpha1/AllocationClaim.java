package com.redhat.das.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalSelectableField;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One MIG slice promised to one container of one pod: which node, GPU and memory-slice placement it occupies.
 *
 * <p>Written by the allocator at PreBind (state {@code created}); the node daemon creates the slice when the kubelet
 * admits the pod ({@code processing} → {@code inUse}) and destroys it when the pod ends ({@code releasing}), then
 * removes its finalizer. A claim therefore never disappears while its slice still exists on a GPU.
 */
@Group(AllocationClaim.GROUP)
@Version(AllocationClaim.VERSION)
@Kind("AllocationClaim")
@Singular("allocationclaim")
@Plural("allocationclaims")
@ShortNames("alloc")
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.state")
@AdditionalPrinterColumn(name = "Node", jsonPath = ".spec.nodename")
@AdditionalPrinterColumn(name = "GPU", jsonPath = ".spec.gpuUUID")
@AdditionalPrinterColumn(name = "Profile", jsonPath = ".spec.profile")
@AdditionalPrinterColumn(name = "Start", jsonPath = ".spec.migPlacement.start", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".spec.migPlacement.size", type = AdditionalPrinterColumn.Type.INTEGER, priority = 1)
@AdditionalPrinterColumn(name = "Pod", jsonPath = ".spec.podRef.name")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalSelectableField(jsonPath = ".spec.nodename")
@AdditionalSelectableField(jsonPath = ".spec.podRef.uid")
public class AllocationClaim extends CustomResource<AllocationClaimSpec, AllocationClaimStatus> implements Namespaced {
    public static final String GROUP = "inference.redhat.com";
    public static final String VERSION = "v1alpha1";
    /** Removed by the node daemon once the slice is destroyed (or by the allocator when the node is gone). */
    public static final String FINALIZER = "inference.redhat.com/mig-slice";
    /** The label naming a claim's pod by UID (the allocator sets it; the node daemon keeps it in step). */
    public static final String POD_UID_LABEL = "inference.redhat.com/pod-uid";
}
