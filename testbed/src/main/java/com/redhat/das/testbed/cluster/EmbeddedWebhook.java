package com.redhat.das.testbed.cluster;

import static org.awaitility.Awaitility.await;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.webhook.mutation.PodMutation;
import com.redhat.das.webhook.registration.WebhookRegistration;
import com.redhat.das.webhook.server.AdmissionServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The DAS admission webhook, run in this JVM on loopback with its own CA, and registered with the embedded
 * kube-apiserver through a MutatingWebhookConfiguration that calls it by URL, as a Service would route to it.
 * The acceptance suite and the demo both put it in the path of every pod creation, as in a real installation.
 *
 * <p>Its certificate and key are files in the cluster's directory, so {@link #rotateCertificate()} can replace them
 * the way cert-manager renews a mounted secret.
 */
public final class EmbeddedWebhook implements AutoCloseable {

    public static final String CONFIGURATION_NAME = WebhookRegistration.CONFIGURATION_NAME;
    public static final String WEBHOOK_NAME = WebhookRegistration.WEBHOOK_NAME;
    public static final String OPT_OUT_LABEL = WebhookRegistration.OPT_OUT_LABEL;

    private final ClusterPki pki = ClusterPki.create("webhook");
    private final Path certificateFile;
    private final Path keyFile;
    private final AdmissionServer server;
    private int issued;

    private EmbeddedWebhook(Path directory) throws IOException, GeneralSecurityException {
        Files.createDirectories(directory);
        certificateFile = directory.resolve("tls.crt");
        keyFile = directory.resolve("tls.key");
        writeNewCertificate();
        server = AdmissionServer.start(new InetSocketAddress("127.0.0.1", 0), certificateFile, keyFile,
                new PodMutation(MigCatalog.bundled()));
    }

    /** Starts the webhook, registers it and waits until the API server calls it. */
    public static EmbeddedWebhook startAndRegister(EmbeddedCluster cluster) {
        EmbeddedWebhook webhook;
        try {
            webhook = new EmbeddedWebhook(cluster.directory().resolve("webhook"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot start the admission webhook", e);
        }
        try {
            KubernetesClient client = cluster.client();
            client.admissionRegistration().v1().mutatingWebhookConfigurations()
                    .resource(webhook.configuration()).serverSideApply();
            // The API server picks the configuration up through an informer; a dry run shows when it is in force.
            await("admission webhook in force").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions() // until the service-account controller has made "default"
                    .until(() -> EmbeddedCluster.SCHEDULER_NAME.equals(client.pods().inNamespace("default")
                            .resource(probePod()).dryRun().create().getSpec().getSchedulerName()));
            return webhook;
        } catch (RuntimeException e) {
            webhook.close();
            throw e;
        }
    }

    /** The shipped configuration, pointed at this in-process server by URL. */
    public MutatingWebhookConfiguration configuration() {
        return WebhookRegistration.forUrl(server.baseUri().toString(), pki.ca().certificatePem(),
                List.of(EmbeddedCluster.DAS_NAMESPACE, "kube-system"));
    }

    /** Writes a new serving certificate from the same CA over the files, as cert-manager renews a secret. */
    public void rotateCertificate() {
        writeNewCertificate();
    }

    /** The serial number of the certificate now in the files. */
    public String certificateSerialInFiles() {
        try (var in = Files.newInputStream(certificateFile)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
                    .getSerialNumber().toString(16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI baseUri() {
        return server.baseUri();
    }

    public int port() {
        return server.port();
    }

    /** A client context that trusts the webhook's CA, as the API server does through the caBundle. */
    public SSLContext clientContext() {
        return pki.sslContext(pki.clientCertificate("probe", "probes"));
    }

    private synchronized void writeNewCertificate() {
        issued++;
        ClusterPki.Credential serving = pki.serverCertificate("das-webhook-" + issued,
                List.of("localhost"), List.of("127.0.0.1"));
        replace(keyFile, serving.privateKeyPem());
        replace(certificateFile, serving.certificatePem());
    }

    private static void replace(Path file, String content) {
        try {
            Path temporary = Files.createTempFile(file.getParent(), ".write-", ".tmp");
            Files.writeString(temporary, content);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Pod probePod() {
        return new PodBuilder().withNewMetadata().withName("webhook-probe").endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("registry.example/workload:1")
                .withNewResources().withLimits(Map.of("nvidia.com/mig-1g.5gb", new Quantity("1"))).endResources()
                .endContainer().endSpec().build();
    }

    @Override
    public void close() {
        server.close();
    }
}
