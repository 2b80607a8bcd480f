package com.redhat.das.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The MIG-capable GPUs of one node, as its node daemon discovered them (name = node name; owned by the Node, so it
 * goes away with it). The allocator places slices from this inventory; nodes may mix GPU models, so profiles and
 * placements are listed per GPU.
 */
@Group(AllocationClaim.GROUP)
@Version(AllocationClaim.VERSION)
@Kind("NodeAccelerator")
@Singular("nodeaccelerator")
@Plural("nodeaccelerators")
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.acceleratorType")
@AdditionalPrinterColumn(name = "GPUs", jsonPath = ".status.gpuCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Occupancy", jsonPath = ".status.summary")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class NodeAccelerator extends CustomResource<NodeAcceleratorSpec, NodeAcceleratorStatus> implements Namespaced {
    /** The only accelerator type DAS manages. */
    public static final String NVIDIA_MIG = "nvidia-mig";
}
