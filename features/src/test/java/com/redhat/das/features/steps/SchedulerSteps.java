package com.redhat.das.features.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.redhat.das.testbed.cluster.EmbeddedCluster;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Steps about das-scheduler, Nodes and Pods. */
public class SchedulerSteps {

    private final ScenarioObjects objects;
    private String lastSchedulingMessage;
    private io.fabric8.kubernetes.client.KubernetesClientException refusal;

    public SchedulerSteps(ScenarioObjects objects) {
        this.objects = objects;
    }

    private static KubernetesClient client() {
        return SharedCluster.get().client();
    }

    @Then("das-scheduler holds the leader lease {string}")
    public void holdsLease(String lease) {
        String[] nsName = lease.split("/");
        assertThat(nsName).containsExactly(EmbeddedCluster.DAS_NAMESPACE, EmbeddedCluster.SCHEDULER_LEASE);
        Optional<String> holder = SharedCluster.get().schedulerLeaseHolder();
        assertThat(holder).isPresent();
        assertThat(client().leases().inNamespace(nsName[0]).withName(nsName[1]).get().getSpec().getLeaseDurationSeconds()).isPositive();
    }

    @Then("no lease {string} exists")
    public void noLease(String lease) {
        String[] nsName = lease.split("/");
        assertThat(client().leases().inNamespace(nsName[0]).withName(nsName[1]).get()).isNull();
    }

    @Given("a Ready node {string} with {int} CPUs and {int} GiB of memory")
    public void readyNode(String name, int cpus, int memoryGiB) {
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity(Integer.toString(cpus)),
                "memory", new Quantity(memoryGiB + "Gi"), "pods", new Quantity("110"));
        // Nodes accept status on create, as the kubelet's registration does.
        Node node = new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewStatus().withCapacity(capacity).withAllocatable(capacity)
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").withMessage("stand-in").endCondition()
                .endStatus().build();
        objects.track(client().nodes().resource(node).create());
    }

    @Given("a namespace {string}")
    public void namespace(String name) {
        objects.track(client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create());
        // Pods are admitted only once the service-account controller made "default".
        await("service account default in " + name).atMost(Duration.ofSeconds(30))
                .until(() -> client().serviceAccounts().inNamespace(name).withName("default").get() != null);
    }

    @When("I create a pod {string} in {string} for das-scheduler without GPU requests")
    public void plainPod(String name, String namespace) {
        createPod(namespace, name, Map.of());
    }

    @When("I create a pod {string} in {string} for das-scheduler asking for {int} {string}")
    public void migPod(String name, String namespace, int count, String resource) {
        createPod(namespace, name, Map.of(resource, new Quantity(Integer.toString(count))));
    }

    @When("I create pods {string} in {string} one after another, each asking for {string}")
    public void podsOneAfterAnother(String names, String namespace, String resources) {
        for (String name : AllocatorSteps.podList(names)) {
            createPod(namespace, name, limits(resources));
            boundSomewhere(name, namespace);
        }
    }

    @When("I create pods {string} in {string} at once, each asking for {string}")
    public void podsAtOnce(String names, String namespace, String resources) {
        AllocatorSteps.podList(names).forEach(name -> createPod(namespace, name, limits(resources)));
    }

    @When("I create a pod {string} in {string} asking for {string}")
    public void podAskingFor(String name, String namespace, String resources) {
        createPod(namespace, name, limits(resources));
    }

    @When("pod {string} in {string} finishes with phase {string}")
    public void podFinishes(String name, String namespace, String phase) {
        // What the kubelet reports when the pod's containers have ended; no kubelet runs here.
        Pod pod = client().pods().inNamespace(namespace).withName(name).get();
        pod.getStatus().setPhase(phase);
        client().pods().inNamespace(namespace).resource(pod).updateStatus();
    }

    @When("I try to create a pod {string} in {string} asking for {string}")
    public void tryPod(String name, String namespace, String resources) {
        try {
            createPod(namespace, name, limits(resources));
            refusal = null;
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            refusal = e;
        }
    }

    @Then("the API server refuses the pod with {string}")
    public void refused(String message) {
        assertThat(refusal).as("the API server's refusal").isNotNull();
        assertThat(refusal.getCode()).isEqualTo(422);
        assertThat(refusal.getMessage()).contains(message);
    }

    @When("I delete node {string}")
    public void deleteNode(String name) {
        client().nodes().withName(name).delete();
    }

    @When("I delete pod {string} in {string}")
    public void deletePod(String name, String namespace) {
        client().pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
        await("pod " + namespace + "/" + name + " gone").atMost(Duration.ofSeconds(30))
                .until(() -> client().pods().inNamespace(namespace).withName(name).get() == null);
    }

    @Then("pods {string} in {string} are bound to node {string}")
    public void podsBound(String names, String namespace, String node) {
        AllocatorSteps.podList(names).forEach(n -> boundTo(n, namespace, node));
    }

    @Then("all pods in {string} are bound within {int} seconds")
    public void allBound(String namespace, int seconds) {
        await("all pods of " + namespace + " bound").atMost(Duration.ofSeconds(seconds)).untilAsserted(() ->
                assertThat(client().pods().inNamespace(namespace).list().getItems())
                        .allSatisfy(p -> assertThat(p.getSpec().getNodeName()).as(p.getMetadata().getName()).isNotNull()));
    }

    private void boundSomewhere(String name, String namespace) {
        await("pod " + namespace + "/" + name + " bound").atMost(Duration.ofSeconds(30))
                .until(() -> client().pods().inNamespace(namespace).withName(name).get().getSpec().getNodeName() != null);
    }

    /** "2 mig.das.com/1g.5gb, 1 mig.das.com/3g.20gb" → limits. */
    private static Map<String, Quantity> limits(String resources) {
        Map<String, Quantity> limits = new java.util.LinkedHashMap<>();
        for (String item : resources.split(",\\s*")) {
            String[] countAndName = item.trim().split("\\s+", 2);
            limits.put(countAndName[1], new Quantity(countAndName[0]));
        }
        return limits;
    }

    private void createPod(String namespace, String name, Map<String, Quantity> limits) {
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withSchedulerName(EmbeddedCluster.SCHEDULER_NAME).withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("main").withImage("registry.example/workload:1")
                .withNewResources().withLimits(limits).endResources().endContainer()
                .endSpec().build();
        objects.track(client().pods().resource(pod).create());
    }

    @Then("pod {string} in {string} is bound to node {string}")
    public void boundTo(String name, String namespace, String node) {
        await("pod " + namespace + "/" + name + " bound").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(client().pods().inNamespace(namespace).withName(name).get().getSpec().getNodeName()).isEqualTo(node));
    }

    @Then("pod {string} in {string} stays Pending and its PodScheduled condition says {string}")
    public void staysPending(String name, String namespace, String message) {
        await("scheduling failure reported for " + namespace + "/" + name).atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(scheduledCondition(namespace, name))
                        .hasValueSatisfying(c -> {
                            assertThat(c.getStatus()).isEqualTo("False");
                            assertThat(c.getMessage()).contains(message);
                        }));
        lastSchedulingMessage = scheduledCondition(namespace, name).orElseThrow().getMessage();
        // and it is not bound a little later either: nothing may start a pod without its slice
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> client().pods().inNamespace(namespace).withName(name).get().getSpec().getNodeName() == null);
    }

    @Then("the scheduling message also says {string}")
    public void messageAlsoSays(String text) {
        assertThat(lastSchedulingMessage).contains(text);
    }

    @Then("an event {string} on pod {string} in {string} says {string}")
    public void eventSays(String reason, String name, String namespace, String message) {
        await("event " + reason + " on " + namespace + "/" + name).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(client().v1().events().inNamespace(namespace).list().getItems())
                        .filteredOn(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                        .extracting(Event::getMessage)
                        .anySatisfy(m -> assertThat(m).contains(message)));
    }

    private static Optional<PodCondition> scheduledCondition(String namespace, String name) {
        Pod pod = client().pods().inNamespace(namespace).withName(name).get();
        return pod.getStatus() == null ? Optional.empty()
                : pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst();
    }
}
