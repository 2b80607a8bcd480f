package com.redhat.das.node.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The daemon's metrics, in Prometheus' text format on {@code /metrics}: how long creating and destroying a slice
 * takes (histograms, so an administrator sees the tail), and how Allocate calls ended. {@code /healthz} answers 200
 * while the daemon serves its device plugins.
 */
public final class NodeMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer create;
    private final Timer destroy;
    private final Counter allocated;
    private final Counter allocateFailed;
    private final Counter repaired;
    private HttpServer server;

    public NodeMetrics(String backend) {
        create = histogram("das.node.slice.create", "Time to create a MIG slice (GPU instance + compute instance).", backend);
        destroy = histogram("das.node.slice.destroy", "Time to destroy a MIG slice (compute instances, then the GPU instance).", backend);
        allocated = Counter.builder("das.node.allocate").tag("outcome", "ok")
                .description("Allocate calls answered by the device plugins.").register(registry);
        allocateFailed = Counter.builder("das.node.allocate").tag("outcome", "failed")
                .description("Allocate calls answered by the device plugins.").register(registry);
        repaired = Counter.builder("das.node.reconcile.repairs")
                .description("Differences between GPU, claims and CDI specs that reconciliation repaired.").register(registry);
    }

    private Timer histogram(String name, String help, String backend) {
        return Timer.builder(name).description(help).tag("backend", backend)
                .publishPercentileHistogram()
                .publishPercentiles(0.5, 0.99)
                .minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    public Timer sliceCreate() {
        return create;
    }

    public Timer sliceDestroy() {
        return destroy;
    }

    public void allocateSucceeded() {
        allocated.increment();
    }

    public void allocateFailed() {
        allocateFailed.increment();
    }

    public void repaired(int count) {
        repaired.increment(count);
    }

    /** One line per timer: count, p50, p99 and max in microseconds, for the log when the daemon stops. */
    public String summary() {
        return describe("create", create) + "; " + describe("destroy", destroy);
    }

    private static String describe(String what, Timer timer) {
        var snapshot = timer.takeSnapshot();
        StringBuilder out = new StringBuilder(what).append(": n=").append(snapshot.count());
        for (var p : snapshot.percentileValues()) {
            out.append(String.format(java.util.Locale.ROOT, " p%.0f=%.0fus", p.percentile() * 100, p.value(TimeUnit.MICROSECONDS)));
        }
        return out.append(String.format(java.util.Locale.ROOT, " max=%.0fus", snapshot.max(TimeUnit.MICROSECONDS))).toString();
    }

    public String scrape() {
        return registry.scrape();
    }

    /** Serves {@code /metrics} and {@code /healthz}; port 0 picks a free one. */
    public int serve(String bindAddress, int port, BooleanSupplier healthy) {
        try {
            server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + bindAddress + ":" + port, e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/metrics", exchange -> respond(exchange, 200, scrape()));
        server.createContext("/healthz", exchange -> {
            boolean ok = healthy.getAsBoolean();
            respond(exchange, ok ? 200 : 503, ok ? "ok\n" : "device plugins not serving\n");
        });
        server.start();
        return server.getAddress().getPort();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        registry.close();
    }
}
