package com.redhat.das.testbed.kubelet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The kubelet's writes about pods: status patches, events, and the final deletion.
 *
 * <p>Every write names the pod's UID, as the kubelet's status manager does, so that a write meant for a pod never
 * lands on a newer pod of the same name.
 */
final class PodStatusWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String nodeName;
    private final Clock clock;
    private final java.util.concurrent.atomic.AtomicLong lastEventNanos = new java.util.concurrent.atomic.AtomicLong();

    PodStatusWriter(KubernetesClient client, String nodeName, Clock clock) {
        this.client = client;
        this.nodeName = nodeName;
        this.clock = clock;
    }

    /**
     * Strategic merge patch of the status subresource, with {@code metadata.uid} in the patch as the precondition.
     *
     * @return false when the pod is gone or was replaced by another of the same name
     * @throws KubernetesClientException any other API error
     */
    boolean patchStatus(Pod pod, ObjectNode status) {
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("metadata").put("uid", pod.getMetadata().getUid());
        patch.set("status", status);
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).subresource("status")
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch.toString());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw e;
        }
    }

    /** The kubelet names events {@code <object>.<unix nanos in hex>}; this keeps two events of one instant apart. */
    private long uniqueNanos() {
        java.time.Instant now = clock.instant();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return lastEventNanos.updateAndGet(last -> Math.max(last + 1, nanos));
    }

    /** An event on the pod from source "kubelet" on this node, as the kubelet's event recorder posts it. */
    void event(Pod pod, String type, String reason, String message) {
        String now = PodWorker.time(clock.instant());
        Event event = new EventBuilder()
                .withNewMetadata().withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName() + "." + Long.toHexString(uniqueNanos()))
                .endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
                .withResourceVersion(pod.getMetadata().getResourceVersion()).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message)
                .withNewSource().withComponent("kubelet").withHost(nodeName).endSource()
                .withReportingComponent("kubelet").withReportingInstance(nodeName)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build();
        try {
            client.v1().events().inNamespace(pod.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            // events are best effort for the kubelet too
            org.slf4j.LoggerFactory.getLogger(PodStatusWriter.class).warn("Event {} on pod {}/{} not recorded: {}", reason,
                    pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
        }
    }

    /**
     * Deletes the pod with grace period 0 and its UID as precondition: what the status manager does once the
     * containers of a pod with a deletionTimestamp have stopped. fabric8 offers only a resourceVersion precondition,
     * hence the raw request.
     *
     * @return true when deleted or already gone; false when the name now belongs to another pod
     */
    boolean deleteNow(Pod pod) {
        ObjectNode options = JSON.createObjectNode();
        options.put("kind", "DeleteOptions").put("apiVersion", "v1").put("gracePeriodSeconds", 0);
        options.putObject("preconditions").put("uid", pod.getMetadata().getUid());
        String base = client.getMasterUrl().toString().replaceAll("/+$", "");
        URI uri = URI.create(base + "/api/v1/namespaces/" + encode(pod.getMetadata().getNamespace()) + "/pods/"
                + encode(pod.getMetadata().getName()));
        HttpRequest request = client.getHttpClient().newHttpRequestBuilder().uri(uri).delete("application/json", options.toString()).build();
        try {
            HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
            int code = response.code();
            if (code == HttpURLConnection.HTTP_OK || code == HttpURLConnection.HTTP_ACCEPTED || code == HttpURLConnection.HTTP_NOT_FOUND) {
                return true;
            }
            if (code == HttpURLConnection.HTTP_CONFLICT) {
                return false;
            }
            throw new KubernetesClientException("deleting pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                    + " failed: HTTP " + code + " " + response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubernetesClientException("interrupted while deleting a pod", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KubernetesClientException("deleting pod " + pod.getMetadata().getName() + " failed", e);
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }
}
