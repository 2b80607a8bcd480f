package com.redhat.das.operator.install;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Where the operator runs, as far as the installation differs: the webhook's serving certificate comes from
 * cert-manager on Kubernetes and from the service CA operator on OpenShift, and the privileged node daemon needs an
 * SCC binding only on OpenShift.
 */
public enum Platform {
    KUBERNETES,
    OPENSHIFT;

    /** OpenShift is recognised by its configuration API group, which every OpenShift 4 cluster serves. */
    public static Platform detect(KubernetesClient client) {
        return client.hasApiGroup("config.openshift.io", false) ? OPENSHIFT : KUBERNETES;
    }

    /** Whether cert-manager's API is served (its CRDs installed); checked through discovery, which needs no RBAC. */
    public static boolean certManagerServed(KubernetesClient client) {
        return client.supports("cert-manager.io/v1", "Certificate") && client.supports("cert-manager.io/v1", "Issuer");
    }
}
