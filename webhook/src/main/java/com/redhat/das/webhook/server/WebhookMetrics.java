package com.redhat.das.webhook.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** The webhook's counters, written in the Prometheus text exposition format (version 0.0.4). */
public final class WebhookMetrics {

    final AtomicLong mutated = new AtomicLong();
    final AtomicLong unchanged = new AtomicLong();
    final AtomicLong denied = new AtomicLong();
    final AtomicLong badRequests = new AtomicLong();
    final AtomicLong serverErrors = new AtomicLong();
    private final LongSupplier certificateReloads;
    private final LongSupplier certificateReloadFailures;

    WebhookMetrics(LongSupplier certificateReloads, LongSupplier certificateReloadFailures) {
        this.certificateReloads = certificateReloads;
        this.certificateReloadFailures = certificateReloadFailures;
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP das_webhook_admission_reviews_total Admission reviews answered, by outcome.\n");
        out.append("# TYPE das_webhook_admission_reviews_total counter\n");
        line(out, "das_webhook_admission_reviews_total{outcome=\"mutated\"}", mutated.get());
        line(out, "das_webhook_admission_reviews_total{outcome=\"unchanged\"}", unchanged.get());
        line(out, "das_webhook_admission_reviews_total{outcome=\"denied\"}", denied.get());
        counter(out, "das_webhook_bad_requests_total", "Requests refused as malformed (HTTP 4xx).",
                badRequests.get());
        counter(out, "das_webhook_server_errors_total", "Requests that failed inside the webhook (HTTP 5xx).",
                serverErrors.get());
        counter(out, "das_webhook_certificate_reloads_total", "Times a changed serving certificate was loaded.",
                certificateReloads.getAsLong());
        counter(out, "das_webhook_certificate_reload_failures_total",
                "Times changed certificate files could not be used (the previous certificate stayed).",
                certificateReloadFailures.getAsLong());
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        line(out, name, value);
    }

    private static void line(StringBuilder out, String series, long value) {
        out.append(series).append(' ').append(value).append('\n');
    }
}
