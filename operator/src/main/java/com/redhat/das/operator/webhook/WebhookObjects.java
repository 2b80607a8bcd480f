package com.redhat.das.operator.webhook;

import com.redhat.das.operator.install.Installation;
import com.redhat.das.operator.install.Installation.CertificateSource;
import com.redhat.das.operator.install.Labels;
import com.redhat.das.operator.install.LogLevels;
import com.redhat.das.operator.install.RestrictedPods;
import com.redhat.das.webhook.registration.WebhookRegistration;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admission webhook's installation: Deployment, Service, MutatingWebhookConfiguration and its serving
 * certificate. On Kubernetes cert-manager issues it from a CA of its own (self-signed issuer → CA certificate → CA
 * issuer → serving certificate), so that renewing the serving certificate never changes the caBundle the API server
 * trusts; on OpenShift the service CA operator issues it and injects the bundle. The webhook reloads the files when
 * they change. The webhook never calls the API server, so its ServiceAccount has no role and no token.
 */
public final class WebhookObjects {

    public static final String COMPONENT = "webhook";
    public static final String NAME = "das-webhook";
    public static final String TLS_SECRET = "das-webhook-tls";
    public static final String CA_SECRET = "das-webhook-ca";
    public static final String SELF_SIGNED_ISSUER = "das-selfsigned";
    public static final String CA_CERTIFICATE = "das-webhook-ca";
    public static final String CA_ISSUER = "das-webhook-ca";
    public static final String SERVING_CERTIFICATE = "das-webhook";
    public static final int SERVICE_PORT = 443;
    public static final int CONTAINER_PORT = 8443;
    static final String CERT_MANAGER_INJECT = "cert-manager.io/inject-ca-from";
    static final String SERVICE_CA_SECRET = "service.beta.openshift.io/serving-cert-secret-name";
    static final String SERVICE_CA_INJECT = "service.beta.openshift.io/inject-cabundle";

    private final Installation in;

    public WebhookObjects(Installation in) {
        this.in = in;
    }

    public ServiceAccount serviceAccount() {
        return in.serviceAccount(NAME, COMPONENT).withAutomountServiceAccountToken(false).build();
    }

    public Service service() {
        Map<String, String> annotations = new LinkedHashMap<>();
        if (in.certificateSource() == CertificateSource.SERVICE_CA) {
            annotations.put(SERVICE_CA_SECRET, TLS_SECRET);
        }
        return new ServiceBuilder().withNewMetadata().withName(NAME).withNamespace(in.namespace())
                .withLabels(Labels.of(COMPONENT)).withAnnotations(annotations).endMetadata()
                .withNewSpec().withSelector(Labels.selector(COMPONENT))
                    .addNewPort().withName("https").withProtocol("TCP").withPort(SERVICE_PORT)
                        .withTargetPort(new IntOrString("https")).endPort()
                .endSpec().build();
    }

    public Deployment deployment() {
        Map<String, String> labels = Labels.of(COMPONENT);
        return new DeploymentBuilder().withNewMetadata().withName(NAME).withNamespace(in.namespace()).withLabels(labels).endMetadata()
                .withNewSpec()
                    // two, spread over nodes: pod creation is routed here
                    .withReplicas(2)
                    .withRevisionHistoryLimit(3)
                    .withNewSelector().withMatchLabels(Labels.selector(COMPONENT)).endSelector()
                    .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                        .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).endMetadata()
                        .withNewSpec()
                            .withServiceAccountName(NAME)
                            .withAutomountServiceAccountToken(false)
                            .withSecurityContext(RestrictedPods.podSecurity(in.platform()))
                            .withNewAffinity().withNewPodAntiAffinity().addNewPreferredDuringSchedulingIgnoredDuringExecution()
                                .withWeight(100).withNewPodAffinityTerm().withTopologyKey("kubernetes.io/hostname")
                                .withNewLabelSelector().withMatchLabels(Labels.selector(COMPONENT)).endLabelSelector()
                                .endPodAffinityTerm().endPreferredDuringSchedulingIgnoredDuringExecution()
                            .endPodAntiAffinity().endAffinity()
                            .addToContainers(new ContainerBuilder().withName("webhook").withImage(in.images().webhook())
                                    .withArgs("--port=" + CONTAINER_PORT, "--cert=/etc/das-webhook/tls/tls.crt",
                                            "--key=/etc/das-webhook/tls/tls.key")
                                    .withEnv(LogLevels.javaToolOptions(in.logLevel()))
                                    .withSecurityContext(RestrictedPods.containerSecurity())
                                    .addNewPort().withName("https").withContainerPort(CONTAINER_PORT).endPort()
                                    .withNewReadinessProbe().withNewHttpGet().withPath("/readyz").withPort(new IntOrString("https"))
                                        .withScheme("HTTPS").endHttpGet().endReadinessProbe()
                                    .withNewLivenessProbe().withNewHttpGet().withPath("/healthz").withPort(new IntOrString("https"))
                                        .withScheme("HTTPS").endHttpGet().withInitialDelaySeconds(10).endLivenessProbe()
                                    .withNewResources().addToRequests("cpu", new Quantity("50m"))
                                        .addToRequests("memory", new Quantity("128Mi"))
                                        .addToLimits("memory", new Quantity("384Mi")).endResources()
                                    .addNewVolumeMount().withName("tls").withMountPath("/etc/das-webhook/tls").withReadOnly(true).endVolumeMount()
                                    .addToVolumeMounts(RestrictedPods.tmpMount())
                                    .build())
                            .addNewVolume().withName("tls").withNewSecret().withSecretName(TLS_SECRET).endSecret().endVolume()
                            .addToVolumes(RestrictedPods.tmpVolume())
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /** The registration; its caBundle is left to whoever issues the certificate. */
    public MutatingWebhookConfiguration configuration() {
        MutatingWebhookConfiguration mwc = WebhookRegistration.forService(in.namespace(), NAME, SERVICE_PORT, null);
        mwc.getMetadata().setLabels(Labels.of(COMPONENT));
        Map<String, String> annotations = new LinkedHashMap<>();
        switch (in.certificateSource()) {
            case CERT_MANAGER -> annotations.put(CERT_MANAGER_INJECT, in.namespace() + "/" + SERVING_CERTIFICATE);
            case SERVICE_CA -> annotations.put(SERVICE_CA_INJECT, "true");
            case NONE -> { }
        }
        mwc.getMetadata().setAnnotations(annotations);
        return mwc;
    }

    public CertManagerObject.Issuer selfSignedIssuer() {
        return issuer(SELF_SIGNED_ISSUER, Map.of("selfSigned", Map.of()));
    }

    public CertManagerObject.Certificate caCertificate() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("isCA", true);
        spec.put("commonName", "das-webhook-ca");
        spec.put("secretName", CA_SECRET);
        spec.put("duration", "87600h");
        spec.put("privateKey", Map.of("algorithm", "ECDSA", "size", 256));
        spec.put("issuerRef", Map.of("name", SELF_SIGNED_ISSUER, "kind", "Issuer", "group", "cert-manager.io"));
        return certificate(CA_CERTIFICATE, spec);
    }

    public CertManagerObject.Issuer caIssuer() {
        return issuer(CA_ISSUER, Map.of("ca", Map.of("secretName", CA_SECRET)));
    }

    public CertManagerObject.Certificate servingCertificate() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("secretName", TLS_SECRET);
        spec.put("dnsNames", List.of(NAME + "." + in.namespace() + ".svc", NAME + "." + in.namespace() + ".svc.cluster.local"));
        spec.put("usages", List.of("server auth", "digital signature"));
        spec.put("privateKey", Map.of("algorithm", "ECDSA", "size", 256, "rotationPolicy", "Always"));
        spec.put("issuerRef", Map.of("name", CA_ISSUER, "kind", "Issuer", "group", "cert-manager.io"));
        return certificate(SERVING_CERTIFICATE, spec);
    }

    private CertManagerObject.Issuer issuer(String name, Map<String, Object> spec) {
        CertManagerObject.Issuer issuer = new CertManagerObject.Issuer();
        issuer.setMetadata(metadata(name));
        issuer.setSpec(new CertManagerObject.Spec(spec));
        return issuer;
    }

    private CertManagerObject.Certificate certificate(String name, Map<String, Object> spec) {
        CertManagerObject.Certificate certificate = new CertManagerObject.Certificate();
        certificate.setMetadata(metadata(name));
        certificate.setSpec(new CertManagerObject.Spec(spec));
        return certificate;
    }

    private io.fabric8.kubernetes.api.model.ObjectMeta metadata(String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(in.namespace()).withLabels(Labels.of(COMPONENT)).build();
    }
}
