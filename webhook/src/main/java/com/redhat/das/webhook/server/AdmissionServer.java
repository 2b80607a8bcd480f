package com.redhat.das.webhook.server;

import com.redhat.das.webhook.mutation.PodMutation;
import com.redhat.das.webhook.tls.ReloadingKeyManager;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's HTTPS endpoint: {@code POST /mutate-pods} (AdmissionReview v1), {@code /healthz}, {@code /readyz},
 * {@code /metrics}.
 *
 * <p>Why the JDK's {@code com.sun.net.httpserver}: four endpoints, one of them POST, need no framework; the JDK
 * server adds no dependency to keep patched, takes an {@code SSLContext} whose key manager can swap certificates
 * (see {@link ReloadingKeyManager}), and runs each exchange on a virtual thread.
 *
 * <p>Bad input never yields 5xx: a body that is not an AdmissionReview is 400 with the reason, a body over
 * {@link #MAX_BODY_BYTES} 413, a wrong method 405. 500 is kept for faults inside the webhook.
 */
public final class AdmissionServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionServer.class);

    public static final String MUTATE_PATH = "/mutate-pods";
    /** kube-apiserver caps request bodies at 3 MiB; a review is somewhat larger than its object. */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** AEAD suites with forward secrecy only (Mozilla's "intermediate" profile). */
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private final HttpsServer server;
    private final ExecutorService executor;
    private final ReloadingKeyManager keyManager;
    private final WebhookMetrics metrics;
    private final AdmissionReviewHandler reviews;

    private AdmissionServer(HttpsServer server, ExecutorService executor, ReloadingKeyManager keyManager,
            PodMutation mutation) {
        this.server = server;
        this.executor = executor;
        this.keyManager = keyManager;
        this.metrics = new WebhookMetrics(keyManager::reloads, keyManager::reloadFailures);
        this.reviews = new AdmissionReviewHandler(mutation, metrics);
    }

    /**
     * Binds and starts serving. Port 0 picks a free port ({@link #port()}).
     *
     * @throws GeneralSecurityException when the certificate files do not hold a matching certificate and key
     */
    public static AdmissionServer start(InetSocketAddress address, Path certificateFile, Path keyFile,
            PodMutation mutation) throws IOException, GeneralSecurityException {
        ReloadingKeyManager keyManager = new ReloadingKeyManager(certificateFile, keyFile);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(new KeyManager[] {keyManager}, null, null);
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = tls.getDefaultSSLParameters();
                parameters.setProtocols(supported(PROTOCOLS, tls.getSupportedSSLParameters().getProtocols()));
                parameters.setCipherSuites(
                        supported(CIPHER_SUITES, tls.getSupportedSSLParameters().getCipherSuites()));
                parameters.setUseCipherSuitesOrder(true);
                parameters.setNeedClientAuth(false);
                params.setSSLParameters(parameters);
            }
        });
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        https.setExecutor(executor);
        AdmissionServer server = new AdmissionServer(https, executor, keyManager, mutation);
        https.createContext(MUTATE_PATH, server::mutate);
        https.createContext("/healthz", exchange -> server.plain(exchange, 200, "ok\n"));
        https.createContext("/readyz", server::ready);
        https.createContext("/metrics", exchange -> server.respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", server.metrics.render()));
        https.createContext("/", exchange -> server.plain(exchange, 404, "not found\n"));
        https.start();
        LOG.info("admission webhook listening on https://{}:{}{}", address.getHostString(), server.port(),
                MUTATE_PATH);
        return server;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code https://<host>:<port>} as bound. */
    public URI baseUri() {
        return URI.create("https://" + server.getAddress().getHostString() + ":" + port());
    }

    public ReloadingKeyManager keyManager() {
        return keyManager;
    }

    /** The Prometheus text the {@code /metrics} endpoint serves. */
    public String metricsText() {
        return metrics.render();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }

    private void mutate(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                badRequest(exchange, 405, "use POST with an AdmissionReview v1");
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType != null && !contentType.toLowerCase().contains("json")) {
                badRequest(exchange, 415, "Content-Type must be application/json, got '" + contentType + "'");
                return;
            }
            byte[] body = readAtMost(exchange.getRequestBody(), MAX_BODY_BYTES);
            if (body == null) {
                badRequest(exchange, 413, "body larger than " + MAX_BODY_BYTES + " bytes");
                return;
            }
            String answer;
            try {
                answer = reviews.answer(new String(body, StandardCharsets.UTF_8));
            } catch (AdmissionReviewHandler.BadReview e) {
                badRequest(exchange, 400, e.getMessage());
                return;
            }
            respond(exchange, 200, "application/json", answer);
        } catch (IOException e) {
            throw e; // The client went away; nothing to answer.
        } catch (RuntimeException | Error e) {
            metrics.serverErrors.incrementAndGet();
            LOG.error("admission review failed inside the webhook", e);
            try {
                respond(exchange, 500, "text/plain; charset=utf-8", "internal error\n");
            } catch (IOException | RuntimeException ignored) {
                // Headers may already be sent.
            }
        }
    }

    private void ready(HttpExchange exchange) throws IOException {
        // Ready once a certificate is loaded, which start() guarantees; kept apart from /healthz for probes.
        plain(exchange, keyManager.currentCertificate() != null ? 200 : 503, "ok\n");
    }

    private void badRequest(HttpExchange exchange, int status, String message) throws IOException {
        metrics.badRequests.incrementAndGet();
        plain(exchange, status, message + "\n");
    }

    private void plain(HttpExchange exchange, int status, String text) throws IOException {
        respond(exchange, status, "text/plain; charset=utf-8", text);
    }

    private void respond(HttpExchange exchange, int status, String contentType, String text) throws IOException {
        try (exchange) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The whole stream, or {@code null} when it holds more than {@code limit} bytes. */
    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] bytes = in.readNBytes(limit + 1);
        return bytes.length > limit ? null : bytes;
    }

    private static String[] supported(List<String> wanted, String[] available) {
        List<String> offered = Arrays.asList(available);
        return wanted.stream().filter(offered::contains).toArray(String[]::new);
    }
}
