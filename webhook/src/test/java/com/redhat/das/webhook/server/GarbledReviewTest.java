package com.redhat.das.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.webhook.mutation.PodMutation;
import com.redhat.das.webhook.tls.TestCertificates;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds the webhook 10,000 garbled, truncated and type-confused reviews, from a fixed seed so a failure replays.
 * Every answer must be 200 or 400 and come within the timeout; the server must still answer afterwards.
 */
class GarbledReviewTest {

    private static final long SEED = 0x5EED_DA5L;
    private static final int BODIES = 10_000;

    private static final List<String> VALID = List.of(
            AdmissionServerTest.review("u1", AdmissionServerTest.MIG_POD),
            AdmissionServerTest.review("u2", """
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"schedulerName":"x",
                     "initContainers":[{"name":"i","resources":{"requests":{"nvidia.com/mig-1g.5gb.me":"2"}}}],
                     "containers":[{"name":"a","resources":{"limits":{"nvidia.com/gpu":"1","cpu":"500m"}}}]}}"""),
            AdmissionServerTest.review("u3", """
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"q"},"spec":{"containers":[
                     {"name":"a","resources":{"limits":{"nvidia.com/mig-3g.20gb":"1e3"},
                      "requests":{"nvidia.com/mig-3g.20gb":"0.5"}}}]}}"""));

    /** Tokens that make structurally valid JSON of the wrong type or value. */
    private static final List<String> TOKENS = List.of(
            "null", "true", "false", "0", "-1", "1e309", "\"\"", "\"\\u0000\"", "[]", "{}", "[[[[", "}}}}",
            "\"nvidia.com/mig-\"", "\"nvidia.com/mig-9g.99gb\"", "\"18446744073709551616\"", "\"1Ki\"", "\"\\ud800\"",
            ",", ":", "\"", "\\", "{\"a\":", "\"kind\":\"Pod\"", "\"request\":null", "\"object\":[]");

    @TempDir
    Path dir;

    @Test
    void garbledBodiesNeverCauseA5xxOrAHang() throws Exception {
        Path certificate = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        TestCertificates.writePem(AdmissionServerTest.CA.issueServing("fuzz", "EC"), certificate, key);
        Map<Integer, Integer> statuses = new TreeMap<>();
        try (AdmissionServer server = AdmissionServer.start(new InetSocketAddress("127.0.0.1", 0), certificate, key,
                        new PodMutation(MigCatalog.bundled()));
                HttpClient client = HttpClient.newBuilder().sslContext(AdmissionServerTest.CA.clientContext())
                        .version(HttpClient.Version.HTTP_1_1).build()) {
            Random random = new Random(SEED);
            for (int i = 0; i < BODIES; i++) {
                String body = garble(VALID.get(random.nextInt(VALID.size())), random);
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(server.baseUri().resolve(AdmissionServer.MUTATE_PATH))
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                statuses.merge(response.statusCode(), 1, Integer::sum);
                assertThat(response.statusCode()).as("body #%d: %s", i, body).isIn(200, 400);
            }
            HttpResponse<String> health = client.send(
                    HttpRequest.newBuilder(server.baseUri().resolve("/healthz")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(server.metricsText()).contains("das_webhook_server_errors_total 0");
        }
        // Both kinds of answer must occur, or the garbling is too weak (or too strong) to test anything.
        assertThat(statuses).containsKeys(200, 400);
    }

    private static String garble(String valid, Random random) {
        StringBuilder body = new StringBuilder(valid);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && !body.isEmpty(); e++) {
            int at = random.nextInt(body.length());
            switch (random.nextInt(7)) {
                case 0 -> body.setLength(at); // truncate
                case 1 -> body.setCharAt(at, (char) random.nextInt(0x80)); // random ASCII, controls included
                case 2 -> body.deleteCharAt(at);
                case 3 -> body.insert(at, TOKENS.get(random.nextInt(TOKENS.size())));
                case 4 -> body.replace(at, Math.min(body.length(), at + 1 + random.nextInt(20)),
                        TOKENS.get(random.nextInt(TOKENS.size())));
                case 5 -> body.insert(at, "[".repeat(1 + random.nextInt(3000))); // deep nesting
                default -> body.setCharAt(at, (char) (0x80 + random.nextInt(0xFF00))); // non-ASCII
            }
        }
        return body.toString();
    }
}
