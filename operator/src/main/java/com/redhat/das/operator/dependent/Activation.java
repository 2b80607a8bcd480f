package com.redhat.das.operator.dependent;

import com.redhat.das.api.v1alpha1.DASOperator;
import com.redhat.das.operator.install.DesiredObjects;
import com.redhat.das.operator.install.Installation.CertificateSource;
import com.redhat.das.operator.install.Platform;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Activation conditions of the dependents that exist only on some clusters. */
public final class Activation {

    private Activation() {
    }

    /** cert-manager issues the webhook's certificate (Kubernetes with cert-manager installed). */
    public static final class CertManagerIssues implements Condition<Object, DASOperator> {
        @Override
        public boolean isMet(DependentResource<Object, DASOperator> dependent, DASOperator primary, Context<DASOperator> context) {
            return DesiredObjects.from(context).installation().certificateSource() == CertificateSource.CERT_MANAGER;
        }
    }

    /**
     * Somebody issues the webhook's certificate and injects the CA bundle. Without that the API server could not
     * call the webhook, so it is not registered (and the DASOperator says why).
     */
    public static final class WebhookCertificateIssued implements Condition<Object, DASOperator> {
        @Override
        public boolean isMet(DependentResource<Object, DASOperator> dependent, DASOperator primary, Context<DASOperator> context) {
            return DesiredObjects.from(context).installation().certificateSource() != CertificateSource.NONE;
        }
    }

    public static final class OnOpenShift implements Condition<Object, DASOperator> {
        @Override
        public boolean isMet(DependentResource<Object, DASOperator> dependent, DASOperator primary, Context<DASOperator> context) {
            return DesiredObjects.from(context).installation().platform() == Platform.OPENSHIFT;
        }
    }
}
