package com.redhat.das.webhook.registration;

import com.redhat.das.webhook.server.AdmissionServer;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The MutatingWebhookConfiguration that sends pod creations to the DAS webhook. One definition, used by whatever
 * installs DAS and by the acceptance suite, so the tested settings are the shipped ones.
 *
 * <p>Why these settings: the DAS namespace and kube-system are never intercepted, so DAS and the control plane start
 * even when the webhook does not; users can opt a pod out with {@value #OPT_OUT_LABEL}{@code : disabled}; a short
 * timeout keeps a slow webhook from stalling pod creation. {@code failurePolicy: Ignore} trades enforcement for
 * availability: while the webhook is down pods are still created, and an unmutated {@code nvidia.com/mig-*} pod waits
 * Pending (no node offers that resource under DAS) instead of every pod creation in the cluster failing, which is
 * what the reference's {@code Fail} did whenever its certificate rotated.
 */
public final class WebhookRegistration {

    public static final String CONFIGURATION_NAME = "das-webhook";
    public static final String WEBHOOK_NAME = "pods.das.inference.redhat.com";
    public static final String OPT_OUT_LABEL = "das.inference.redhat.com/webhook";
    public static final int TIMEOUT_SECONDS = 5;

    private WebhookRegistration() {
    }

    /**
     * In a cluster: the API server reaches the webhook through its Service. {@code caBundlePem} may be {@code null}
     * when something else injects it (cert-manager's CA injector, OpenShift's service CA operator).
     */
    public static MutatingWebhookConfiguration forService(String namespace, String service, int port, String caBundlePem) {
        return configuration(new WebhookClientConfigBuilder().withNewService().withNamespace(namespace).withName(service)
                .withPort(port).withPath(AdmissionServer.MUTATE_PATH).endService()
                .withCaBundle(caBundlePem == null ? null : base64(caBundlePem)).build(),
                List.of(namespace, "kube-system"));
    }

    /** Outside a cluster (tests, a webhook on the API server's host): by URL. */
    public static MutatingWebhookConfiguration forUrl(String baseUrl, String caBundlePem, List<String> excludedNamespaces) {
        return configuration(new WebhookClientConfigBuilder().withUrl(baseUrl.replaceAll("/$", "") + AdmissionServer.MUTATE_PATH)
                .withCaBundle(base64(caBundlePem)).build(), excludedNamespaces);
    }

    private static MutatingWebhookConfiguration configuration(WebhookClientConfig client, List<String> excludedNamespaces) {
        return new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName(CONFIGURATION_NAME).endMetadata()
                .addNewWebhook()
                    .withName(WEBHOOK_NAME)
                    .withClientConfig(client)
                    .addNewRule()
                        .withOperations("CREATE").withApiGroups("").withApiVersions("v1").withResources("pods")
                        .withScope("Namespaced")
                    .endRule()
                    .withFailurePolicy("Ignore")
                    .withSideEffects("None")
                    .withAdmissionReviewVersions("v1")
                    .withTimeoutSeconds(TIMEOUT_SECONDS)
                    .withReinvocationPolicy("Never")
                    .withNamespaceSelector(new LabelSelectorBuilder().addNewMatchExpression()
                            .withKey("kubernetes.io/metadata.name").withOperator("NotIn")
                            .withValues(excludedNamespaces).endMatchExpression().build())
                    .withObjectSelector(new LabelSelectorBuilder().addNewMatchExpression()
                            .withKey(OPT_OUT_LABEL).withOperator("NotIn").withValues("disabled")
                            .endMatchExpression().build())
                .endWebhook()
                .build();
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
