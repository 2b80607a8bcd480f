package com.redhat.das.operator.dependent;

import com.redhat.das.operator.install.DesiredObjects;
import com.redhat.das.operator.install.Labels;
import com.redhat.das.operator.webhook.CertManagerObject;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The admission webhook's objects. */
public final class WebhookDependents {

    private WebhookDependents() {
    }

    /** Its ServiceAccount, without token. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class ServiceAccountOf extends InstalledObject<ServiceAccount> {
        public ServiceAccountOf() {
            super(ServiceAccount.class);
        }

        @Override
        protected ServiceAccount pick(DesiredObjects desired) {
            return desired.webhook().serviceAccount();
        }
    }

    /** The Service the API server calls. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class ServiceOf extends InstalledObject<Service> {
        public ServiceOf() {
            super(Service.class);
        }

        @Override
        protected Service pick(DesiredObjects desired) {
            return desired.webhook().service();
        }
    }

    /** The webhook servers. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class DeploymentOf extends InstalledObject<Deployment> {
        public DeploymentOf() {
            super(Deployment.class);
        }

        @Override
        protected Deployment pick(DesiredObjects desired) {
            return desired.webhook().deployment();
        }
    }

    /** Signs the webhook's CA. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class SelfSignedIssuer extends InstalledObject<CertManagerObject.Issuer> {
        public SelfSignedIssuer() {
            super(CertManagerObject.Issuer.class);
        }

        @Override
        protected CertManagerObject.Issuer pick(DesiredObjects desired) {
            return desired.webhook().selfSignedIssuer();
        }
    }

    /** The webhook's CA, the caBundle the API server trusts. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class CaCertificate extends InstalledObject<CertManagerObject.Certificate> {
        public CaCertificate() {
            super(CertManagerObject.Certificate.class);
        }

        @Override
        protected CertManagerObject.Certificate pick(DesiredObjects desired) {
            return desired.webhook().caCertificate();
        }
    }

    /** Issues serving certificates from that CA. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class CaIssuer extends InstalledObject<CertManagerObject.Issuer> {
        public CaIssuer() {
            super(CertManagerObject.Issuer.class);
        }

        @Override
        protected CertManagerObject.Issuer pick(DesiredObjects desired) {
            return desired.webhook().caIssuer();
        }
    }

    /** The webhook's serving certificate, renewed by cert-manager. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class ServingCertificate extends InstalledObject<CertManagerObject.Certificate> {
        public ServingCertificate() {
            super(CertManagerObject.Certificate.class);
        }

        @Override
        protected CertManagerObject.Certificate pick(DesiredObjects desired) {
            return desired.webhook().servingCertificate();
        }
    }

    /** The MutatingWebhookConfiguration. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class Registration extends InstalledObject<MutatingWebhookConfiguration> {
        public Registration() {
            super(MutatingWebhookConfiguration.class);
        }

        @Override
        protected MutatingWebhookConfiguration pick(DesiredObjects desired) {
            return desired.webhook().configuration();
        }
    }
}
