package com.redhat.das.webhook.registration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookRegistrationTest {

    private static final String PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    @Test
    void inAClusterItGoesThroughTheServiceAndSparesItsOwnNamespace() {
        MutatingWebhook w = WebhookRegistration.forService("das-operator", "das-webhook", 8443, PEM).getWebhooks().getFirst();
        assertThat(w.getClientConfig().getService().getName()).isEqualTo("das-webhook");
        assertThat(w.getClientConfig().getService().getPath()).isEqualTo("/mutate-pods");
        assertThat(new String(Base64.getDecoder().decode(w.getClientConfig().getCaBundle()))).isEqualTo(PEM);
        assertThat(w.getNamespaceSelector().getMatchExpressions().getFirst().getValues()).containsExactly("das-operator", "kube-system");
        assertThat(w.getObjectSelector().getMatchExpressions().getFirst().getKey()).isEqualTo(WebhookRegistration.OPT_OUT_LABEL);
        assertThat(w.getTimeoutSeconds()).isEqualTo(5);
        assertThat(w.getFailurePolicy()).isEqualTo("Ignore");
        assertThat(w.getSideEffects()).isEqualTo("None");
        assertThat(w.getRules()).singleElement().satisfies(r -> {
            assertThat(r.getOperations()).containsExactly("CREATE");
            assertThat(r.getResources()).containsExactly("pods");
        });
    }

    @Test
    void byUrlTheMutatePathIsAppendedOnce() {
        MutatingWebhook w = WebhookRegistration.forUrl("https://127.0.0.1:9443/", PEM, List.of("das-operator")).getWebhooks().getFirst();
        assertThat(w.getClientConfig().getUrl()).isEqualTo("https://127.0.0.1:9443/mutate-pods");
        assertThat(w.getClientConfig().getService()).isNull();
    }
}
