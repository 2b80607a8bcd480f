package com.redhat.das.features.steps;

import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.cluster.EmbeddedWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import java.net.URI;
import javax.net.ssl.SSLContext;

/**
 * The DAS admission webhook as the steps see it: the {@link EmbeddedWebhook} (also used by the demo), run in the
 * test JVM on loopback and registered with the embedded kube-apiserver by URL.
 */
final class AdmissionWebhookUnderTest implements AutoCloseable {

    static final String CONFIGURATION_NAME = EmbeddedWebhook.CONFIGURATION_NAME;
    static final String WEBHOOK_NAME = EmbeddedWebhook.WEBHOOK_NAME;
    static final String OPT_OUT_LABEL = EmbeddedWebhook.OPT_OUT_LABEL;

    private final EmbeddedWebhook webhook;

    private AdmissionWebhookUnderTest(EmbeddedWebhook webhook) {
        this.webhook = webhook;
    }

    /** Starts the webhook, registers it and waits until the API server calls it. */
    static AdmissionWebhookUnderTest startAndRegister(EmbeddedCluster cluster) {
        return new AdmissionWebhookUnderTest(EmbeddedWebhook.startAndRegister(cluster));
    }

    /** The shipped configuration, pointed at this in-process server by URL. */
    MutatingWebhookConfiguration configuration() {
        return webhook.configuration();
    }

    /** Writes a new serving certificate from the same CA over the files, as cert-manager renews a secret. */
    void rotateCertificate() {
        webhook.rotateCertificate();
    }

    /** The serial number of the certificate now in the files. */
    String certificateSerialInFiles() {
        return webhook.certificateSerialInFiles();
    }

    URI baseUri() {
        return webhook.baseUri();
    }

    int port() {
        return webhook.port();
    }

    /** A client context that trusts the webhook's CA, as the API server does through the caBundle. */
    SSLContext clientContext() {
        return webhook.clientContext();
    }

    @Override
    public void close() {
        webhook.close();
    }
}
