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
 * The installation of DAS: a singleton named {@value #SINGLETON_NAME} in the operator's namespace, which the operator
 * reconciles into the scheduler, webhook and node daemon.
 */
@Group(AllocationClaim.GROUP)
@Version(AllocationClaim.VERSION)
@Kind("DASOperator")
@Singular("dasoperator")
@Plural("dasoperators")
@AdditionalPrinterColumn(name = "State", jsonPath = ".spec.managementState")
@AdditionalPrinterColumn(name = "Emulated", jsonPath = ".spec.emulatedMode", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Policy", jsonPath = ".spec.placementPolicy")
@AdditionalPrinterColumn(name = "Available", jsonPath = ".status.conditions[?(@.type==\"Available\")].status")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class DASOperator extends CustomResource<DASOperatorSpec, DASOperatorStatus> implements Namespaced {
    public static final String SINGLETON_NAME = "cluster";
    public static final String DEFAULT_NAMESPACE = "das-operator";
}
