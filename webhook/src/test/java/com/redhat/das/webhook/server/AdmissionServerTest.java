package com.redhat.das.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.webhook.mutation.PodMutation;
import com.redhat.das.webhook.tls.TestCertificates;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdmissionServerTest {

    static final TestCertificates CA = TestCertificates.newCa("admission-server-test-ca");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path certificateFile;
    Path keyFile;
    AdmissionServer server;
    HttpClient client;

    @BeforeEach
    void start() throws Exception {
        certificateFile = dir.resolve("tls.crt");
        keyFile = dir.resolve("tls.key");
        TestCertificates.writePem(CA.issueServing("webhook-1", "RSA"), certificateFile, keyFile);
        server = AdmissionServer.start(new InetSocketAddress("127.0.0.1", 0), certificateFile, keyFile,
                new PodMutation(MigCatalog.bundled()));
        client = HttpClient.newBuilder().sslContext(CA.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    static String review(String uid, String podJson) {
        return """
                {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
                  "uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},
                  "resource":{"group":"","version":"v1","resource":"pods"},
                  "namespace":"team-a","operation":"CREATE","object":%s}}""".formatted(uid, podJson);
    }

    static final String MIG_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"infer"},"spec":{"containers":[
              {"name":"app","image":"busybox","resources":{"limits":{"nvidia.com/mig-1g.5gb":"1"}}}]}}""";

    HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(server.baseUri().resolve(path))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(server.baseUri().resolve(path)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void migPodIsAnsweredWithAJsonPatch() throws Exception {
        HttpResponse<String> response = post("/mutate-pods", review("uid-1", MIG_POD));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.path("kind").asText()).isEqualTo("AdmissionReview");
        JsonNode reply = answer.path("response");
        assertThat(reply.path("uid").asText()).isEqualTo("uid-1");
        assertThat(reply.path("allowed").asBoolean()).isTrue();
        assertThat(reply.path("patchType").asText()).isEqualTo("JSONPatch");
        JsonNode patch = JSON.readTree(Base64.getDecoder().decode(reply.path("patch").asText()));
        assertThat(patch.toString()).contains(
                "{\"op\":\"remove\",\"path\":\"/spec/containers/0/resources/limits/nvidia.com~1mig-1g.5gb\"}",
                "{\"op\":\"add\",\"path\":\"/spec/containers/0/resources/limits/mig.das.com~11g.5gb\",\"value\":\"1\"}",
                "{\"op\":\"add\",\"path\":\"/spec/schedulerName\",\"value\":\"das-scheduler\"}");
    }

    @Test
    void podWithoutMigIsAllowedWithoutPatch() throws Exception {
        String pod = """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"cuda"},"spec":{"containers":[
                  {"name":"app","resources":{"limits":{"nvidia.com/gpu":"1"}}}]}}""";

        JsonNode reply = JSON.readTree(post("/mutate-pods", review("uid-2", pod)).body()).path("response");

        assertThat(reply.path("allowed").asBoolean()).isTrue();
        assertThat(reply.has("patch")).isFalse();
    }

    @Test
    void unknownProfileIsDeniedWithTheReason() throws Exception {
        String pod = MIG_POD.replace("1g.5gb", "9g.99gb");

        HttpResponse<String> response = post("/mutate-pods", review("uid-3", pod));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode reply = JSON.readTree(response.body()).path("response");
        assertThat(reply.path("allowed").asBoolean()).isFalse();
        assertThat(reply.path("status").path("code").asInt()).isEqualTo(403);
        assertThat(reply.path("status").path("message").asText()).startsWith("unknown MIG profile '9g.99gb'; known profiles: ");
        assertThat(server.metricsText()).contains("das_webhook_admission_reviews_total{outcome=\"denied\"} 1");
    }

    @Test
    void malformedReviewIsA400AndTheServerStaysUp() throws Exception {
        HttpResponse<String> truncated = post("/mutate-pods", review("uid-4", MIG_POD).substring(0, 60));
        HttpResponse<String> noRequest = post("/mutate-pods", "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}");
        HttpResponse<String> notJson = post("/mutate-pods", "apiVersion: admission.k8s.io/v1");

        assertThat(truncated.statusCode()).isEqualTo(400);
        assertThat(truncated.body()).startsWith("body is not an AdmissionReview admission.k8s.io/v1: Unexpected end-of-input");
        assertThat(noRequest.statusCode()).isEqualTo(400);
        assertThat(noRequest.body()).isEqualTo("AdmissionReview has no request\n");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(server.metricsText()).contains("das_webhook_bad_requests_total 3");
    }

    @Test
    void wrongMethodAndContentTypeAreClientErrors() throws Exception {
        assertThat(get("/mutate-pods").statusCode()).isEqualTo(405);
        HttpResponse<String> yaml = client.send(HttpRequest.newBuilder(server.baseUri().resolve("/mutate-pods"))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(yaml.statusCode()).isEqualTo(415);
        assertThat(get("/nowhere").statusCode()).isEqualTo(404);
    }

    @Test
    void probesAndMetricsAnswer() throws Exception {
        post("/mutate-pods", review("uid-5", MIG_POD));

        assertThat(get("/healthz").body()).isEqualTo("ok\n");
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        assertThat(metrics.body()).contains(
                "# TYPE das_webhook_admission_reviews_total counter",
                "das_webhook_admission_reviews_total{outcome=\"mutated\"} 1",
                "das_webhook_server_errors_total 0",
                "das_webhook_certificate_reloads_total 0");
    }

    @Test
    void offersOnlyTls12AndNewerWithModernSuites() throws Exception {
        try (SSLSocket tls12 = handshake("TLSv1.2")) {
            assertThat(tls12.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(tls12.getSession().getCipherSuite())
                    .matches("TLS_ECDHE_RSA_WITH_(AES_\\d+_GCM_SHA\\d+|CHACHA20_POLY1305_SHA256)");
        }
        try (SSLSocket tls13 = handshake("TLSv1.3")) {
            assertThat(tls13.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
        SSLParameters legacy = new SSLParameters(new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
                new String[] {"TLSv1.2"});
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> handshake(legacy).close()))
                .as("CBC suites are refused").isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void newHandshakesSeeAReplacedCertificate() throws Exception {
        X509Certificate before = peerCertificate();
        assertThat(post("/mutate-pods", review("uid-6", MIG_POD)).statusCode()).isEqualTo(200);

        TestCertificates.Issued rotated = CA.issueServing("webhook-2", "EC");
        TestCertificates.writePem(rotated, certificateFile, keyFile);

        assertThat(peerCertificate()).isEqualTo(rotated.certificate()).isNotEqualTo(before);
        // The client that connected before the rotation keeps working.
        assertThat(post("/mutate-pods", review("uid-7", MIG_POD)).statusCode()).isEqualTo(200);
        assertThat(server.metricsText()).contains("das_webhook_certificate_reloads_total 1");
    }

    private X509Certificate peerCertificate() throws Exception {
        try (SSLSocket socket = handshake("TLSv1.3")) {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void plainHttpGetsNoAdmissionAnswer() throws Exception {
        String body = review("uid-plain", MIG_POD);
        byte[] request = ("POST /mutate-pods HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] answer;
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", server.port())) {
            plain.setSoTimeout(5_000);
            plain.getOutputStream().write(request);
            plain.getOutputStream().flush();
            answer = readUntilClosed(plain.getInputStream());
        }
        // A TLS listener answers cleartext with at most a TLS alert record (content type 21) and closes; never HTTP.
        String text = new String(answer, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(text).doesNotContain("HTTP/1.").doesNotContain("AdmissionReview").doesNotContain("uid-plain");
        if (answer.length > 0) {
            assertThat(answer[0]).as("TLS record type").isEqualTo((byte) 21);
        }
        // and the server still serves TLS clients
        assertThat(post("/mutate-pods", review("uid-after", MIG_POD)).statusCode()).isEqualTo(200);
    }

    private static byte[] readUntilClosed(java.io.InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // the server may reset the connection instead of closing it: the same refusal
        }
        return out.toByteArray();
    }

    private SSLSocket handshake(String protocol) throws Exception {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(new String[] {protocol});
        return handshake(parameters);
    }

    private SSLSocket handshake(SSLParameters parameters) throws Exception {
        SSLSocket socket = (SSLSocket) CA.clientContext().getSocketFactory().createSocket("127.0.0.1", server.port());
        socket.setSoTimeout(5_000);
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }
}
