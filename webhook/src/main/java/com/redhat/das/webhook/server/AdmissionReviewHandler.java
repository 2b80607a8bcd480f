package com.redhat.das.webhook.server;

import com.redhat.das.webhook.mutation.MutationResult;
import com.redhat.das.webhook.mutation.PodMutation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an AdmissionReview v1, runs {@link PodMutation} on its pod and writes the answering review. Anything that is
 * not a well-formed review is a {@link BadReview}, which the server turns into HTTP 400.
 */
final class AdmissionReviewHandler {

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionReviewHandler.class);
    static final String API_VERSION = "admission.k8s.io/v1";

    /** The request body is not a usable AdmissionReview; the message says why. */
    static final class BadReview extends Exception {
        BadReview(String message) {
            super(message, null, false, false);
        }
    }

    private final PodMutation mutation;
    private final WebhookMetrics metrics;

    AdmissionReviewHandler(PodMutation mutation, WebhookMetrics metrics) {
        this.mutation = mutation;
        this.metrics = metrics;
    }

    /** The JSON answer to a review, or {@link BadReview} when the body is not one. */
    String answer(String body) throws BadReview {
        AdmissionRequest request = parse(body).getRequest();
        if (request == null) {
            throw new BadReview("AdmissionReview has no request");
        }
        if (request.getUid() == null || request.getUid().isEmpty()) {
            throw new BadReview("AdmissionReview request has no uid");
        }
        AdmissionResponse response;
        if (!isPod(request)) {
            // Only pods are registered; anything else passes untouched rather than failing admission.
            metrics.unchanged.incrementAndGet();
            response = new AdmissionResponseBuilder().withUid(request.getUid()).withAllowed(true).build();
        } else {
            response = respond(request, pod(request));
        }
        AdmissionReview answer = new AdmissionReviewBuilder()
                .withApiVersion(API_VERSION).withKind("AdmissionReview").withResponse(response).build();
        return Serialization.asJson(answer);
    }

    private AdmissionResponse respond(AdmissionRequest request, Pod pod) {
        MutationResult result = mutation.mutate(pod);
        AdmissionResponseBuilder response = new AdmissionResponseBuilder().withUid(request.getUid());
        return switch (result) {
            case MutationResult.Allowed allowed when allowed.changesPod() -> {
                metrics.mutated.incrementAndGet();
                String patch = Serialization.asJson(allowed.patch());
                yield response.withAllowed(true).withPatchType("JSONPatch")
                        .withPatch(Base64.getEncoder().encodeToString(patch.getBytes(StandardCharsets.UTF_8)))
                        .build();
            }
            case MutationResult.Allowed unchanged -> {
                metrics.unchanged.incrementAndGet();
                yield response.withAllowed(true).build();
            }
            case MutationResult.Denied denied -> {
                metrics.denied.incrementAndGet();
                // Names only, never the pod: pods can carry secrets in env.
                LOG.info("denied pod {}/{}: {}", request.getNamespace(), podName(request, pod), denied.message());
                yield response.withAllowed(false).withStatus(new StatusBuilder()
                        .withCode(403).withReason("Forbidden").withMessage(denied.message()).build()).build();
            }
        };
    }

    private static AdmissionReview parse(String body) throws BadReview {
        if (body == null || body.isBlank()) {
            throw new BadReview("empty body; expected an AdmissionReview " + API_VERSION);
        }
        if (!body.stripLeading().startsWith("{")) {
            // Also keeps fabric8 from reading the body as YAML, which it does for anything not starting with '{'.
            throw new BadReview("body is not a JSON object; expected an AdmissionReview " + API_VERSION);
        }
        AdmissionReview review;
        try {
            review = Serialization.unmarshal(body, AdmissionReview.class);
        } catch (RuntimeException | StackOverflowError e) {
            throw new BadReview("body is not an AdmissionReview " + API_VERSION + ": " + firstLine(e));
        }
        if (review == null) {
            throw new BadReview("body is not an AdmissionReview " + API_VERSION);
        }
        if (review.getApiVersion() != null && !API_VERSION.equals(review.getApiVersion())) {
            throw new BadReview("unsupported apiVersion '" + review.getApiVersion() + "'; expected " + API_VERSION);
        }
        return review;
    }

    private static boolean isPod(AdmissionRequest request) {
        if (request.getKind() != null && request.getKind().getKind() != null) {
            return "Pod".equals(request.getKind().getKind()) && isCoreGroup(request.getKind().getGroup());
        }
        return request.getResource() != null && "pods".equals(request.getResource().getResource());
    }

    private static boolean isCoreGroup(String group) {
        return group == null || group.isEmpty();
    }

    private static Pod pod(AdmissionRequest request) throws BadReview {
        Object object = request.getObject();
        if (object == null) {
            throw new BadReview("AdmissionReview request has no object");
        }
        if (object instanceof Pod pod) {
            return pod;
        }
        try {
            // fabric8 types request.object by its kind; anything else is re-read as a pod.
            return Serialization.unmarshal(Serialization.asJson(object), Pod.class);
        } catch (RuntimeException | StackOverflowError e) {
            throw new BadReview("request.object is not a Pod: " + firstLine(e));
        }
    }

    private static String podName(AdmissionRequest request, Pod pod) {
        if (pod.getMetadata() != null && pod.getMetadata().getName() != null) {
            return pod.getMetadata().getName();
        }
        if (request.getName() != null) {
            return request.getName();
        }
        return pod.getMetadata() != null && pod.getMetadata().getGenerateName() != null
                ? pod.getMetadata().getGenerateName() + "*" : "?";
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause(); // fabric8 wraps Jackson's precise message in "An error has occurred."
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
