package com.redhat.das.features.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLSocket;

/** Steps about the admission webhook the API server calls when pods are created. */
public class WebhookSteps {

    private final ScenarioObjects objects;
    private KubernetesClientException refusal;
    private HttpResponse<String> lastResponse;

    public WebhookSteps(ScenarioObjects objects) {
        this.objects = objects;
    }

    private static KubernetesClient client() {
        return SharedCluster.get().client();
    }

    /** A pod as a user writes it: no schedulerName, resources as NVIDIA's device plugin names them. */
    @When("I create a pod {string} in {string} with limits {string}")
    public void createUserPod(String name, String namespace, String resources) {
        objects.track(client().pods().resource(userPod(name, namespace, resources)).create());
    }

    @When("I create a pod {string} in {string} labelled {string} with limits {string}")
    public void createLabelledPod(String name, String namespace, String label, String resources) {
        String[] keyValue = label.split("=", 2);
        Pod pod = userPod(name, namespace, resources);
        pod.getMetadata().setLabels(Map.of(keyValue[0], keyValue[1]));
        objects.track(client().pods().resource(pod).create());
    }

    @When("I try to create a pod {string} in {string} with limits {string}")
    public void tryUserPod(String name, String namespace, String resources) {
        try {
            objects.track(client().pods().resource(userPod(name, namespace, resources)).create());
            refusal = null;
        } catch (KubernetesClientException e) {
            refusal = e;
        }
    }

    @Then("pod {string} in {string} has limits {string} and requests {string}")
    public void hasResources(String name, String namespace, String limits, String requests) {
        Pod pod = client().pods().inNamespace(namespace).withName(name).get();
        var resources = pod.getSpec().getContainers().getFirst().getResources();
        assertThat(resources.getLimits()).isEqualTo(quantities(limits));
        assertThat(resources.getRequests()).isEqualTo(requests.isEmpty() ? Map.of() : quantities(requests));
    }

    @Then("pod {string} in {string} is for scheduler {string}")
    public void scheduler(String name, String namespace, String scheduler) {
        assertThat(client().pods().inNamespace(namespace).withName(name).get().getSpec().getSchedulerName())
                .isEqualTo(scheduler);
    }

    /** kubectl prints the API server's Status message, which names the webhook and quotes its reason. */
    @Then("the client reports that the DAS webhook denied the request: {string}")
    public void denied(String reason) {
        assertThat(refusal).as("the API server's refusal").isNotNull();
        assertThat(refusal.getStatus().getMessage()).startsWith("admission webhook \""
                + AdmissionWebhookUnderTest.WEBHOOK_NAME + "\" denied the request: " + reason);
        assertThat(refusal.getMessage()).contains("denied the request: " + reason);
    }

    @When("the webhook's certificate files are replaced by a new certificate")
    public void rotate() {
        SharedCluster.webhook().rotateCertificate();
    }

    @Then("a new TLS connection to the webhook gets the new certificate")
    public void newHandshakeSeesNewCertificate() throws Exception {
        AdmissionWebhookUnderTest webhook = SharedCluster.webhook();
        try (SSLSocket socket = (SSLSocket) webhook.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", webhook.port())) {
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            assertThat(served.getSerialNumber().toString(16)).isEqualTo(webhook.certificateSerialInFiles());
        }
    }

    @When("I post a truncated AdmissionReview to the webhook")
    public void postTruncatedReview() throws Exception {
        String truncated = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":";
        lastResponse = send(HttpRequest.newBuilder(SharedCluster.webhook().baseUri().resolve("/mutate-pods"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(truncated)));
    }

    @Then("the webhook answers HTTP {int} saying {string}")
    public void answers(int status, String text) {
        assertThat(lastResponse.statusCode()).isEqualTo(status);
        assertThat(lastResponse.body()).contains(text);
    }

    @Then("the webhook's {string} answers HTTP {int}")
    public void endpointAnswers(String path, int status) throws Exception {
        HttpResponse<String> response = send(
                HttpRequest.newBuilder(SharedCluster.webhook().baseUri().resolve(path)).GET());
        assertThat(response.statusCode()).isEqualTo(status);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().sslContext(SharedCluster.webhook().clientContext())
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static Pod userPod(String name, String namespace, String resources) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("main").withImage("registry.example/workload:1")
                .withNewResources().withLimits(quantities(resources)).endResources().endContainer()
                .endSpec().build();
    }

    /** "1 nvidia.com/mig-1g.5gb, 2 cpu" → {nvidia.com/mig-1g.5gb: 1, cpu: 2}. */
    static Map<String, Quantity> quantities(String resources) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        for (String item : resources.split(",\\s*")) {
            String[] countAndName = item.trim().split("\\s+", 2);
            out.put(countAndName[1], new Quantity(countAndName[0]));
        }
        return out;
    }
}
