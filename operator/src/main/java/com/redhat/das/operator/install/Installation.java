package com.redhat.das.operator.install;

import com.redhat.das.api.v1alpha1.DASOperator;
import com.redhat.das.api.v1alpha1.DASOperatorSpec;
import com.redhat.das.api.v1alpha1.DASOperatorSpec.LogLevel;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the desired objects are computed from: the DASOperator's namespace and spec, the images after
 * {@code spec.images} overrides, the platform and whether cert-manager is there.
 */
public record Installation(String namespace, DASOperatorSpec spec, ComponentImages images, Platform platform,
                           boolean certManagerServed) {

    public Installation {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(platform, "platform");
        if (spec == null) {
            spec = new DASOperatorSpec(null, null, null, null, null, null, null, null);
        }
    }

    public static Installation of(DASOperator das, ComponentImages defaults, Platform platform, boolean certManagerServed) {
        DASOperatorSpec spec = das.getSpec();
        return new Installation(das.getMetadata().getNamespace(), spec,
                defaults.overriddenBy(spec == null ? null : spec.images()), platform, certManagerServed);
    }

    public LogLevel logLevel() {
        return spec.logLevel() == null ? LogLevel.NORMAL : spec.logLevel();
    }

    public boolean emulated() {
        return Boolean.TRUE.equals(spec.emulatedMode());
    }

    /** {@code packed} or {@code reference}, as the allocator's {@code --placement-policy} spells it. */
    public String placementPolicy() {
        return spec.placementPolicy() == null ? "packed" : spec.placementPolicy().name().toLowerCase(java.util.Locale.ROOT);
    }

    public Map<String, String> nodeSelector() {
        return spec.nodeSelector() == null ? Map.of() : spec.nodeSelector();
    }

    /** Where the webhook's serving certificate comes from, if anywhere. */
    public CertificateSource certificateSource() {
        if (platform == Platform.OPENSHIFT) {
            return CertificateSource.SERVICE_CA;
        }
        return certManagerServed ? CertificateSource.CERT_MANAGER : CertificateSource.NONE;
    }

    public enum CertificateSource {
        CERT_MANAGER,
        SERVICE_CA,
        NONE
    }

    /** The ServiceAccount of one component, in the DAS namespace. */
    public ServiceAccountBuilder serviceAccount(String name, String component) {
        return new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(Labels.of(component)).endMetadata();
    }
}
