package com.redhat.das.webhook.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.webhook.mutation.PodMutation;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Drives {@link AdmissionReviewHandler} with generated reviews: pods mixing known and unknown MIG profiles, whole
 * GPUs, other vendors' resources and any quantity, and reviews broken at random. Every answer is a review for the
 * request's uid, or a {@link AdmissionReviewHandler.BadReview} with a message; every denial is a 403 that names what in
 * the pod it refuses. Tries: the build's {@code jqwik.tries.default} (10^4 in CI, 10^6 with -Psoak).
 */
class AdmissionReviewFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern QUOTED = Pattern.compile("'([^']+)'");
    private final AdmissionReviewHandler handler = new AdmissionReviewHandler(new PodMutation(MigCatalog.bundled()),
            new WebhookMetrics(() -> 0, () -> 0));

    @Property
    void everyGeneratedPodGetsAnAnswerForItsUid(@ForAll("pods") String pod, @ForAll("uids") String uid) throws Exception {
        String body = AdmissionServerTest.review(uid, pod);
        String answer;
        try {
            answer = handler.answer(body);
        } catch (AdmissionReviewHandler.BadReview bad) {
            assertThat(bad.getMessage()).as("why the review is refused").isNotBlank();
            return;
        }
        JsonNode response = JSON.readTree(answer).path("response");
        assertThat(response.path("uid").asText()).isEqualTo(uid);
        if (response.path("allowed").asBoolean()) {
            if (response.has("patch")) {
                JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
                assertThat(patch.isArray()).as("a JSON Patch").isTrue();
                assertThat(patch).allSatisfy(op -> assertThat(op.path("op").asText()).isIn("add", "replace", "remove"));
            }
            return;
        }
        assertThat(response.path("status").path("code").asInt()).isEqualTo(403);
        String message = response.path("status").path("message").asText();
        // The denial names what it refuses: a container, a profile, a resource or a scheduler written in the pod.
        Matcher quoted = QUOTED.matcher(message);
        boolean namesSomethingOfThePod = false;
        while (quoted.find()) {
            namesSomethingOfThePod |= pod.contains(quoted.group(1));
        }
        if (!namesSomethingOfThePod) {
            fail("denial \"" + message + "\" names nothing written in the pod " + pod);
        }
    }

    @Property
    void aBrokenReviewIsRefusedWithAReason(@ForAll("brokenReviews") String body) {
        try {
            String answer = handler.answer(body);
            assertThat(JSON.readTree(answer).path("response").path("uid").asText()).isNotBlank();
        } catch (AdmissionReviewHandler.BadReview bad) {
            assertThat(bad.getMessage()).isNotBlank();
        } catch (Exception e) {
            fail("the answer was not JSON: " + e);
        }
    }

    @Provide
    Arbitrary<String> uids() {
        return Arbitraries.strings().alpha().numeric().withChars('-').ofMinLength(1).ofMaxLength(36);
    }

    @Provide
    Arbitrary<String> pods() {
        Arbitrary<String> resource = Arbitraries.oneOf(
                Arbitraries.of("1g.5gb", "1g.5gb.me", "1g.10gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb", "1g.10gb.me", "2g.20gb",
                        "3g.40gb", "7g.80gb", "1g.6gb", "2g.12gb", "2g.12gb.me", "3g.21gb", "9g.99gb", "1g.5gb+me", "", "mig")
                        .map(p -> "nvidia.com/mig-" + p),
                Arbitraries.of("nvidia.com/gpu", "mig.das.com/1g.5gb", "mig.das.com/3g.20gb", "cpu", "memory", "amd.com/gpu",
                        "example.com/foo"),
                Arbitraries.strings().withCharRange('a', 'z').withChars('.', '/', '-').ofMaxLength(20));
        Arbitrary<String> quantity = Arbitraries.oneOf(Arbitraries.of("1", "2", "0", "0.5", "1500m", "2000m", "1e3", "1Ki", "-1", "3"),
                Arbitraries.strings().ofMaxLength(6));
        Arbitrary<String> entry = Combinators.combine(resource, quantity).as((r, q) -> json(r) + ":" + json(q));
        Arbitrary<String> resources = entry.list().ofMaxSize(3).map(es -> "{" + String.join(",", es.stream().distinct().toList()) + "}");
        Arbitrary<String> container = Combinators.combine(Arbitraries.of("main", "side", "init", "c-1"), resources, resources)
                .as((name, limits, requests) -> "{\"name\":" + json(name) + ",\"resources\":{\"limits\":" + limits + ",\"requests\":" + requests + "}}");
        Arbitrary<String> containers = container.list().ofMaxSize(3).map(cs -> "[" + String.join(",", cs) + "]");
        Arbitrary<String> scheduler = Arbitraries.of("", "default-scheduler", "das-scheduler", "volcano");
        Arbitrary<String> labels = Arbitraries.of("{}", "{\"das.inference.redhat.com/webhook\":\"disabled\"}", "{\"app\":\"x\"}");
        return Combinators.combine(containers, containers, scheduler, labels).as((app, init, sched, l) ->
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"fuzzed\",\"labels\":" + l + "},\"spec\":{"
                        + (sched.isEmpty() ? "" : "\"schedulerName\":" + json(sched) + ",")
                        + "\"initContainers\":" + init + ",\"containers\":" + app + "}}");
    }

    @Provide
    Arbitrary<String> brokenReviews() {
        String valid = AdmissionServerTest.review("u1", AdmissionServerTest.MIG_POD);
        Arbitrary<String> truncated = Arbitraries.integers().between(0, valid.length()).map(n -> valid.substring(0, n));
        Arbitrary<String> flipped = Combinators.combine(Arbitraries.integers().between(0, valid.length() - 1), Arbitraries.chars())
                .as((i, c) -> valid.substring(0, i) + c + valid.substring(i + 1));
        Arbitrary<String> inserted = Combinators.combine(Arbitraries.integers().between(0, valid.length()),
                Arbitraries.of("null", "[]", "{}", "\"x\"", "1e999", "-0", "true", "{\"a\":", "]", "\\u0000", "[[[[[[[[[[[[[[[[", "\"\\ud800\""))
                .as((i, v) -> valid.substring(0, i) + v + valid.substring(i));
        Arbitrary<String> nested = Arbitraries.integers().between(1, 3000).map(n -> "{\"request\":" + "[".repeat(n) + "]".repeat(n) + "}");
        Arbitrary<String> retyped = Arbitraries.of("\"uid\":1", "\"object\":\"pod\"", "\"object\":[]", "\"kind\":{\"kind\":[]}",
                "\"request\":null", "\"apiVersion\":7").map(field -> "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                + "\"request\":{\"uid\":\"u\"," + field + "}}");
        return Arbitraries.frequencyOf(Tuple.of(3, truncated), Tuple.of(3, flipped), Tuple.of(3, inserted), Tuple.of(1, nested),
                Tuple.of(1, retyped), Tuple.of(1, Arbitraries.strings().all().ofMaxLength(64)));
    }

    private static String json(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
