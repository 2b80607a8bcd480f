package com.redhat.das.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class NodeMetricsTest {

    @Test
    void servesLatencyHistogramsAndHealth() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (NodeMetrics metrics = new NodeMetrics("emulated"); HttpClient http = HttpClient.newHttpClient()) {
            metrics.sliceCreate().record(3, TimeUnit.MILLISECONDS);
            metrics.sliceDestroy().record(1, TimeUnit.MILLISECONDS);
            metrics.allocateFailed();
            int port = metrics.serve("127.0.0.1", 0, healthy::get);
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body())
                    .contains("das_node_slice_create_seconds_bucket{backend=\"emulated\"")
                    .contains("das_node_slice_create_seconds_count{backend=\"emulated\"} 1")
                    .contains("das_node_slice_destroy_seconds_count{backend=\"emulated\"} 1")
                    .contains("das_node_allocate_total{outcome=\"failed\"} 1.0");
            assertThat(metrics.summary()).startsWith("create: n=1 p50=").contains("destroy: n=1");
            URI health = URI.create("http://127.0.0.1:" + port + "/healthz");
            assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            healthy.set(false);
            assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
        }
    }
}
