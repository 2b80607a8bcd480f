package com.redhat.das.features.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.DASOperator;
import com.redhat.das.api.v1alpha1.DASOperatorSpec;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorStatus;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.testbed.NodeState;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.invariants.InvariantChecker;
import com.redhat.das.testbed.node.EmulatedGpuNode;
import com.redhat.das.testbed.kubelet.ContainerRecord;
import com.redhat.das.operator.node.NodeDaemonArguments;
import com.redhat.das.node.backend.MigSlice;
import io.cucumber.java.After;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Steps about the node daemon on emulated GPU nodes, with a kubelet stand-in admitting the pods. */
public class NodeDaemonSteps {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScenarioObjects objects;
    private final Map<String, EmulatedGpuNode> nodes = new LinkedHashMap<>();
    /** namespace/pod → UID, remembered while the pod existed, for steps that look after it is gone. */
    private final Map<String, String> podUids = new HashMap<>();
    private Snapshot remembered;
    private boolean schedulerStopped;

    public NodeDaemonSteps(ScenarioObjects objects) {
        this.objects = objects;
    }

    private static KubernetesClient client() {
        return SharedCluster.get().client();
    }

    private EmulatedGpuNode node(String name) {
        EmulatedGpuNode node = nodes.get(name);
        if (node == null) {
            throw new IllegalStateException("no emulated GPU node " + name + " in this scenario");
        }
        return node;
    }

    @Given("an emulated GPU node {string} with {int} {string} GPU(s)")
    public void emulatedNode(String name, int count, String model) {
        joined(EmulatedGpuNode.start(client(), name, model, count, Duration.ofSeconds(5)));
    }

    @Given("the DASOperator {string} runs in emulated mode with {int} {string} GPUs per node")
    public void emulatedOperator(String name, int count, String model) {
        DASOperator operator = new DASOperator();
        operator.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name)
                .withNamespace(EmbeddedCluster.DAS_NAMESPACE).build());
        operator.setSpec(new DASOperatorSpec(null, null, null, null, true, new DASOperatorSpec.EmulatedGpus(model, count), null, null));
        objects.track(client().resource(operator).serverSideApply());
    }

    @When("an emulated GPU node {string} joins as the DASOperator {string} configures it")
    public void joinsAsConfigured(String name, String operatorName) {
        DASOperator operator = client().resources(DASOperator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE)
                .withName(operatorName).require();
        // the node daemon's command line as the operator renders it into the DaemonSet
        List<String> args = NodeDaemonArguments.of(operator.getSpec());
        joined(EmulatedGpuNode.start(client(), name, args, Duration.ofSeconds(5)));
    }

    @When("an emulated GPU node {string} joins running the node daemon as DaemonSet {string} specifies")
    public void joinsAsDaemonSetSpecifies(String name, String daemonSet) {
        // the command line the operator rendered into the DaemonSet's pod template
        List<String> args = client().apps().daemonSets().inNamespace(EmbeddedCluster.DAS_NAMESPACE).withName(daemonSet).require()
                .getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        joined(EmulatedGpuNode.start(client(), name, args, Duration.ofSeconds(5)));
    }

    @Then("NodeAccelerator {string} lists {int} {string} GPUs")
    public void listsGpus(String name, int count, String model) {
        assertThat(nodeAccelerator(name).getSpec().gpus()).hasSize(count).allSatisfy(g -> assertThat(g.model()).isEqualTo(model));
    }

    private void joined(EmulatedGpuNode node) {
        String name = node.name();
        nodes.put(name, node);
        // Ready for pods when the kubelet advertises the plugins' devices and the allocator can see the GPUs.
        await(name + " advertises MIG resources").atMost(WAIT).until(() -> {
            Node n = client().nodes().withName(name).get();
            return n != null && n.getStatus().getAllocatable() != null
                    && n.getStatus().getAllocatable().keySet().stream().anyMatch(ResourceNames::isDasResource);
        });
        await("NodeAccelerator " + name).atMost(WAIT).until(() -> nodeAccelerator(name) != null);
    }

    @After(order = 1) // after ScenarioObjects (order 10000) has deleted the scenario's pods
    public void stopNodes() {
        if (schedulerStopped) {
            SharedCluster.get().startScheduler(); // the next scenario needs it, whatever this one did
            schedulerStopped = false;
        }
        for (EmulatedGpuNode node : nodes.values()) {
            node.close();
            client().nodes().withName(node.name()).withGracePeriod(0).delete();
        }
        nodes.clear();
    }

    private static NodeAccelerator nodeAccelerator(String name) {
        return client().resources(NodeAccelerator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).withName(name).get();
    }

    // ---- pods -------------------------------------------------------------------------------------------------

    @When("I delete pod {string} in {string} and the kubelet stand-in ends it")
    public void deleteGracefully(String name, String namespace) {
        rememberUid(namespace, name);
        client().pods().inNamespace(namespace).withName(name).withGracePeriod(1).delete();
        await("pod " + namespace + "/" + name + " gone").atMost(WAIT)
                .until(() -> client().pods().inNamespace(namespace).withName(name).get() == null);
    }

    @When("I create a pod {string} in {string} bound straight to node {string} with limits {string}")
    public void boundPod(String name, String namespace, String node, String resources) {
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withNodeName(node).withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("main").withImage("registry.example/workload:1")
                .withNewResources().withLimits(WebhookSteps.quantities(resources)).endResources().endContainer()
                .endSpec().build();
        objects.track(client().pods().resource(pod).create());
    }

    @When("I create a Job {string} in {string} whose pod runs {int} seconds with limits {string}")
    public void job(String name, String namespace, int seconds, String resources) {
        Job job = new JobBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withBackoffLimit(0)
                .withNewTemplate().withNewMetadata().addToAnnotations("kubelet.das.test/run-seconds", Integer.toString(seconds)).endMetadata()
                .withNewSpec().withRestartPolicy("Never").withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("main").withImage("registry.example/batch:1")
                .withNewResources().withLimits(WebhookSteps.quantities(resources)).endResources().endContainer()
                .endSpec().endTemplate().endSpec().build();
        objects.track(client().batch().v1().jobs().resource(job).create());
    }

    @Then("the Job {string} in {string} completes within {int} seconds")
    public void jobCompletes(String name, String namespace, int seconds) {
        await("Job " + namespace + "/" + name + " complete").atMost(Duration.ofSeconds(seconds)).until(() -> {
            Job job = client().batch().v1().jobs().inNamespace(namespace).withName(name).get();
            return job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() == 1;
        });
    }

    @Then("no AllocationClaim names a pod of Job {string} in {string}")
    public void noJobClaims(String name, String namespace) {
        await("claims of Job " + name).atMost(WAIT).until(() -> AllocatorSteps.claims().stream()
                .noneMatch(c -> c.getSpec().podRef().namespace().equals(namespace) && c.getSpec().podRef().name().startsWith(name + "-")));
    }

    @Then("pod {string} in {string} is Running on node {string}")
    public void running(String name, String namespace, String node) {
        await("pod " + namespace + "/" + name + " Running").atMost(WAIT).untilAsserted(() -> {
            Pod pod = client().pods().inNamespace(namespace).withName(name).get();
            assertThat(pod).isNotNull();
            assertThat(pod.getSpec().getNodeName()).isEqualTo(node);
            assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        });
        rememberUid(namespace, name);
    }

    @Then("pod {string} in {string} is still the same pod and Running")
    public void sameAndRunning(String name, String namespace) {
        Pod pod = client().pods().inNamespace(namespace).withName(name).get();
        assertThat(pod).as("pod " + namespace + "/" + name).isNotNull();
        assertThat(pod.getMetadata().getUid()).isEqualTo(podUids.get(namespace + "/" + name));
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
    }

    @Then("pod {string} in {string} fails with reason {string} and a message saying {string}")
    public void podFails(String name, String namespace, String reason, String message) {
        await("pod " + namespace + "/" + name + " Failed").atMost(WAIT).untilAsserted(() -> {
            Pod pod = client().pods().inNamespace(namespace).withName(name).get();
            assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(pod.getStatus().getReason()).isEqualTo(reason);
            assertThat(pod.getStatus().getMessage()).contains(message);
        });
    }

    private void rememberUid(String namespace, String name) {
        Pod pod = client().pods().inNamespace(namespace).withName(name).get();
        if (pod != null) {
            podUids.put(namespace + "/" + name, pod.getMetadata().getUid());
        }
    }

    private String uidOf(String namespace, String name) {
        String uid = podUids.get(namespace + "/" + name);
        if (uid == null) {
            rememberUid(namespace, name);
            uid = podUids.get(namespace + "/" + name);
        }
        assertThat(uid).as("UID of pod " + namespace + "/" + name).isNotNull();
        return uid;
    }

    // ---- what containers see ----------------------------------------------------------------------------------

    private static List<AllocationClaim> claimsOfUid(String uid) {
        return AllocatorSteps.claims().stream().filter(c -> uid.equals(c.getSpec().podRef().uid())).toList();
    }

    private Set<String> claimedMigUuids(String namespace, String pod, String container) {
        return claimsOfUid(uidOf(namespace, pod)).stream()
                .filter(c -> container == null || container.equals(c.getSpec().containerName()))
                .map(c -> c.getStatus() == null ? null : c.getStatus().migUUID())
                .collect(Collectors.toSet());
    }

    private ContainerRecord record(String namespace, String pod, String container) {
        Pod p = client().pods().inNamespace(namespace).withName(pod).get();
        EmulatedGpuNode node = node(p.getSpec().getNodeName());
        return node.kubelet().container(namespace, pod, container)
                .orElseThrow(() -> new AssertionError("the kubelet stand-in started no container " + container + " of " + namespace + "/" + pod));
    }

    private static Set<String> visibleDevices(ContainerRecord record) {
        String value = record.env().get("NVIDIA_VISIBLE_DEVICES");
        assertThat(value).as("NVIDIA_VISIBLE_DEVICES of " + record.pod() + "/" + record.container()).isNotBlank();
        return new HashSet<>(Arrays.asList(value.split(",")));
    }

    @Then("container {string} of pod {string} in {string} sees the MIG devices of its claims")
    public void containerSees(String container, String pod, String namespace) {
        ContainerRecord record = record(namespace, pod, container);
        // Eventually: a crossed admission is repaired by re-pointing the claims after the containers started.
        await(pod + "/" + container + " seeing the MIG devices of its claims").atMost(WAIT).untilAsserted(() -> {
            Set<String> claimed = claimedMigUuids(namespace, pod, container);
            assertThat(claimed).isNotEmpty().allSatisfy(u -> assertThat(u).startsWith("MIG-"));
            assertThat(visibleDevices(record)).isEqualTo(claimed);
        });
    }

    @Then("pods {string} in {string} see different MIG devices")
    public void differentDevices(String pods, String namespace) {
        List<Set<String>> seen = AllocatorSteps.podList(pods).stream().map(p -> visibleDevices(record(namespace, p, "main"))).toList();
        Set<String> all = new HashSet<>();
        seen.forEach(all::addAll);
        assertThat(all).hasSize(seen.stream().mapToInt(Set::size).sum());
    }

    @Then("container {string} of pod {string} in {string} has {string} with {int} MIG device(s) and {string} with {int}")
    public void perProfileVariables(String container, String pod, String namespace, String var1, int n1, String var2, int n2) {
        ContainerRecord record = record(namespace, pod, container);
        assertThat(record.env().get(var1)).as(var1).isNotNull();
        assertThat(record.env().get(var1).split(",")).hasSize(n1).allSatisfy(u -> assertThat(u).startsWith("MIG-"));
        assertThat(record.env().get(var2)).as(var2).isNotNull();
        assertThat(record.env().get(var2).split(",")).hasSize(n2).allSatisfy(u -> assertThat(u).startsWith("MIG-"));
    }

    @Then("the kubelet stand-in of node {string} and the node daemon agree on which container holds which device")
    public void agreeOnDevices(String nodeName) {
        // Pods admitted together may be crossed (each container started with the other's device names); the daemon
        // then relabels the specs, keeping the names. Agreement: the spec defining each device a container holds
        // names that container.
        List<ContainerRecord> records = node(nodeName).kubelet().containers();
        assertThat(records).isNotEmpty();
        await("CDI specs naming the containers that hold their devices").atMost(WAIT).untilAsserted(() -> {
            Map<String, JsonNode> specByDevice = new HashMap<>();
            for (JsonNode spec : specs(node(nodeName))) {
                for (JsonNode device : spec.path("devices")) {
                    specByDevice.put(spec.path("kind").asText() + "=" + device.path("name").asText(), spec);
                }
            }
            for (ContainerRecord r : records) {
                assertThat(r.cdiDevices()).as(r.pod() + "/" + r.container()).isNotEmpty().allSatisfy(d -> {
                    JsonNode spec = specByDevice.get(d);
                    assertThat(spec).as("CDI spec defining " + d).isNotNull();
                    assertThat(spec.path("annotations").path("das.inference.redhat.com/pod-uid").asText()).isEqualTo(r.podUid());
                    assertThat(spec.path("annotations").path("das.inference.redhat.com/container").asText()).isEqualTo(r.container());
                });
            }
        });
    }

    // ---- CDI specs --------------------------------------------------------------------------------------------

    @Then("the CDI spec of container {string} of pod {string} in {string} on node {string} carries no hooks")
    public void specWithoutHooks(String container, String name, String namespace, String nodeName) throws IOException {
        String uid = client().pods().inNamespace(namespace).withName(name).get().getMetadata().getUid();
        List<JsonNode> mine = specs(node(nodeName)).stream()
                .filter(spec -> uid.equals(spec.path("annotations").path("das.inference.redhat.com/pod-uid").asText())
                        && container.equals(spec.path("annotations").path("das.inference.redhat.com/container").asText()))
                .toList();
        assertThat(mine).as("CDI specs of " + name + "/" + container).hasSize(1);
        JsonNode spec = mine.getFirst();
        // A hook here runs when the runtime creates or stops the container, which the pod outlives.
        assertThat(spec.path("containerEdits").has("hooks")).as("spec-wide hooks").isFalse();
        assertThat(spec.path("devices")).isNotEmpty()
                .allSatisfy(d -> assertThat(d.path("containerEdits").has("hooks")).as("hooks of device " + d.path("name").asText()).isFalse());
    }

    private static List<JsonNode> specs(EmulatedGpuNode node) throws IOException {
        if (!Files.isDirectory(node.cdiDir())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(node.cdiDir())) {
            return files.filter(f -> f.toString().endsWith(".json")).map(f -> {
                try {
                    return JSON.readTree(f.toFile());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    @Then("node {string} has a CDI spec for container {string} of pod {string} in {string} holding the MIG devices of its claims")
    public void specHolds(String nodeName, String container, String pod, String namespace) {
        String uid = uidOf(namespace, pod);
        await("CDI spec of " + pod + "/" + container).atMost(WAIT).untilAsserted(() -> {
            List<JsonNode> mine = specs(node(nodeName)).stream()
                    .filter(s -> uid.equals(s.path("annotations").path("das.inference.redhat.com/pod-uid").asText())
                            && container.equals(s.path("annotations").path("das.inference.redhat.com/container").asText()))
                    .toList();
            assertThat(mine).hasSize(1);
            Set<String> inSpec = new HashSet<>();
            for (JsonNode device : mine.getFirst().path("devices")) {
                for (JsonNode env : device.path("containerEdits").path("env")) {
                    if (env.asText().startsWith("NVIDIA_VISIBLE_DEVICES=")) {
                        inSpec.addAll(Arrays.asList(env.asText().substring("NVIDIA_VISIBLE_DEVICES=".length()).split(",")));
                    }
                }
            }
            assertThat(inSpec).isEqualTo(claimedMigUuids(namespace, pod, container));
        });
    }

    @Then("node {string} has no CDI spec for pod {string} in {string}")
    public void noSpec(String nodeName, String pod, String namespace) {
        String uid = uidOf(namespace, pod);
        await("no CDI spec of " + pod).atMost(WAIT).untilAsserted(() -> assertThat(specs(node(nodeName)))
                .noneMatch(s -> uid.equals(s.path("annotations").path("das.inference.redhat.com/pod-uid").asText())));
    }

    @Then("the claims pod {string} in {string} had are gone")
    public void claimsGone(String pod, String namespace) {
        String uid = uidOf(namespace, pod);
        await("claims of " + pod + " gone").atMost(WAIT).until(() -> claimsOfUid(uid).isEmpty());
    }

    // ---- GPUs -------------------------------------------------------------------------------------------------

    /** A slice as both sides describe it: GPU, placement and MIG UUID. */
    private record SliceKey(String gpu, int start, int size, String migUuid) {
    }

    private static Set<SliceKey> slicesOf(EmulatedGpuNode node) {
        return node.gpus().slices().stream().map(s -> new SliceKey(s.gpuUuid(), s.start(), s.size(), s.migUuid()))
                .collect(Collectors.toSet());
    }

    private Set<SliceKey> claimedSlices(String pods, String namespace) {
        Set<SliceKey> out = new HashSet<>();
        for (String pod : AllocatorSteps.podList(pods)) {
            for (AllocationClaim c : claimsOfUid(uidOf(namespace, pod))) {
                out.add(new SliceKey(c.getSpec().gpuUUID(), c.getSpec().migPlacement().start(), c.getSpec().migPlacement().size(),
                        c.getStatus() == null ? null : c.getStatus().migUUID()));
            }
        }
        return out;
    }

    @Then("the emulated GPUs of node {string} hold exactly the slices of the claims of pod(s) {string} in {string}")
    public void gpusHoldClaims(String nodeName, String pods, String namespace) {
        await("slices of " + nodeName).atMost(WAIT).untilAsserted(() -> {
            Set<SliceKey> claimed = claimedSlices(pods, namespace);
            assertThat(claimed).isNotEmpty();
            assertThat(slicesOf(node(nodeName))).isEqualTo(claimed);
        });
    }

    /**
     * The invariant checker of the test bed over this scenario's nodes: every transient state (a slice being made or
     * torn down, a status not yet republished) must settle within its grace period, and nothing else may be seen.
     */
    @Then("DAS breaks no invariant on the emulated nodes")
    public void noInvariantBroken() {
        InvariantChecker checker = InvariantChecker.scopedTo(client(), this::nodeStates, Duration.ofSeconds(20), java.time.Clock.systemUTC());
        await("no broken DAS invariant").atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            InvariantChecker.Report report = checker.check();
            assertThat(report.violations()).as("broken invariants").isEmpty();
            assertThat(report.pending()).as("states not yet settled").isEmpty();
        });
    }

    private List<NodeState> nodeStates() {
        return nodes.values().stream()
                .map(n -> new NodeState(n.name(), n.gpus().slices(), new CdiSpecDirectory(n.cdiDir()).list())).toList();
    }

    @Then("the emulated GPUs of node {string} hold no slice within {int} seconds")
    public void noSlices(String nodeName, int seconds) {
        await("no slice on " + nodeName).atMost(Duration.ofSeconds(seconds)).until(() -> slicesOf(node(nodeName)).isEmpty());
    }

    @Then("NodeAccelerator {string} reports {int} memory slice(s) in use")
    public void occupancy(String name, int slices) {
        await("occupancy of " + name).atMost(WAIT).untilAsserted(() -> {
            NodeAcceleratorStatus status = nodeAccelerator(name).getStatus();
            assertThat(status).isNotNull();
            assertThat(status.gpus().stream().mapToInt(NodeAcceleratorStatus.GpuOccupancy::usedMemorySlices).sum()).isEqualTo(slices);
            assertThat(status.conditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Ready");
                assertThat(c.getStatus()).isEqualTo("True");
            });
        });
    }

    @Then("NodeAccelerator {string} is owned by Node {string}")
    public void ownedByNode(String name, String node) {
        String nodeUid = client().nodes().withName(node).get().getMetadata().getUid();
        assertThat(nodeAccelerator(name).getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
            assertThat(ref.getKind()).isEqualTo("Node");
            assertThat(ref.getName()).isEqualTo(node);
            assertThat(ref.getUid()).isEqualTo(nodeUid);
        });
    }

    @When("the node daemon of node {string} is restarted")
    public void restartDaemon(String name) {
        node(name).stopDaemon();
        node(name).startDaemon();
    }

    @When("the node daemon of node {string} is stopped")
    public void stopDaemon(String name) {
        node(name).stopDaemon();
    }

    @When("the node daemon of node {string} is started again")
    public void startDaemon(String name) {
        node(name).startDaemon();
    }

    @When("the slice of pod {string} in {string} vanishes from the emulated GPU")
    public void sliceVanishes(String pod, String namespace) throws Exception {
        String uid = uidOf(namespace, pod);
        for (AllocationClaim c : claimsOfUid(uid)) {
            EmulatedGpuNode node = node(c.getSpec().nodename());
            for (MigSlice s : node.gpus().slices()) {
                if (s.at(c.getSpec().gpuUUID(), c.getSpec().migPlacement().start(), c.getSpec().migPlacement().size())) {
                    node.gpus().destroy(s.gpuUuid(), s.gpuInstanceId());
                }
            }
        }
    }

    @When("an unclaimed {string} instance appears at slice {int} of emulated GPU {int} of node {string}")
    public void unclaimedInstance(String profile, int start, int gpuIndex, String nodeName) throws Exception {
        var gpus = node(nodeName).gpus();
        GpuInventory gpu = gpus.devices().get(gpuIndex);
        GpuProfile p = gpu.profiles().stream().filter(x -> x.name().equals(profile)).findFirst().orElseThrow();
        gpus.create(gpu.uuid(), p, start);
    }

    // ---- restart ----------------------------------------------------------------------------------------------

    /** Pods (UID, phase), claims (name → state and MIG UUID) and slices of a node at one moment. */
    private record Snapshot(Map<String, String> pods, Map<String, String> claims, Set<SliceKey> slices) {
    }

    private Snapshot snapshot(String nodeName) {
        Map<String, String> pods = client().pods().inAnyNamespace().withField("spec.nodeName", nodeName).list().getItems().stream()
                .collect(Collectors.toMap(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(),
                        p -> p.getMetadata().getUid() + " " + p.getStatus().getPhase()));
        Map<String, String> claims = AllocatorSteps.claims().stream().filter(c -> nodeName.equals(c.getSpec().nodename()))
                .collect(Collectors.toMap(c -> c.getMetadata().getName(),
                        c -> c.getStatus().state().apiValue() + " " + c.getStatus().migUUID()));
        return new Snapshot(pods, claims, slicesOf(node(nodeName)));
    }

    @When("I remember the pods, claims and slices of node {string}")
    public void remember(String nodeName) {
        await("claims in use on " + nodeName).atMost(WAIT).until(() -> AllocatorSteps.claims().stream()
                .filter(c -> nodeName.equals(c.getSpec().nodename()))
                .allMatch(c -> c.getStatus() != null && c.getStatus().state() == ClaimState.IN_USE));
        remembered = snapshot(nodeName);
        assertThat(remembered.slices()).isNotEmpty();
    }

    @Then("the pods, claims and slices of node {string} are as remembered")
    public void asRemembered(String nodeName) {
        // Not only right after the restart: for a while, as the restarted daemon reconciles.
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(snapshot(nodeName)).isEqualTo(remembered));
    }

    @When("the kubelet of node {string} restarts")
    public void kubeletRestarts(String name) {
        node(name).kubelet().restartKubelet();
    }

    @Then("the device plugins of node {string} have registered {int} times")
    public void registrations(String name, int times) {
        await("registrations of " + name).atMost(WAIT).until(() -> node(name).daemon().devicePlugins().registrations() == times);
        await(name + " advertises MIG resources again").atMost(WAIT).until(() -> {
            Node n = client().nodes().withName(name).get();
            Map<String, Quantity> allocatable = n.getStatus().getAllocatable();
            return allocatable != null && allocatable.entrySet().stream()
                    .anyMatch(e -> ResourceNames.isDasResource(e.getKey()) && !"0".equals(e.getValue().getAmount()));
        });
    }

    // ---- workloads --------------------------------------------------------------------------------------------

    @When("I create a pod {string} in {string} with these containers:")
    public void podWithContainers(String name, String namespace, io.cucumber.datatable.DataTable table) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata();
        var spec = pod.withNewSpec().withTerminationGracePeriodSeconds(0L);
        for (Map<String, String> row : table.asMaps()) {
            String limits = row.get("limits") == null ? "" : row.get("limits").trim();
            var container = new io.fabric8.kubernetes.api.model.ContainerBuilder().withName(row.get("container"))
                    .withImage("registry.example/workload:1")
                    .withNewResources().withLimits(limits.isEmpty() ? Map.of() : WebhookSteps.quantities(limits)).endResources()
                    .build();
            if ("init".equals(row.get("kind"))) {
                spec.addToInitContainers(container);
            } else {
                spec.addToContainers(container);
            }
        }
        objects.track(client().pods().resource(spec.endSpec().build()).create());
    }

    @Then("container {string} of pod {string} in {string} sees {int} MIG device(s)")
    public void seesCount(String container, String pod, String namespace, int count) {
        assertThat(visibleDevices(record(namespace, pod, container))).hasSize(count).allSatisfy(u -> assertThat(u).startsWith("MIG-"));
    }

    @Then("container {string} of pod {string} in {string} sees no MIG device")
    public void seesNone(String container, String pod, String namespace) {
        ContainerRecord r = record(namespace, pod, container);
        assertThat(r.env()).doesNotContainKey("NVIDIA_VISIBLE_DEVICES");
        assertThat(r.cdiDevices()).isEmpty();
    }

    @Then("container {string} of pod {string} in {string} sees the MIG devices of container {string}")
    public void seesDevicesOf(String container, String pod, String namespace, String other) {
        Set<String> claimed = claimedMigUuids(namespace, pod, other);
        assertThat(claimed).isNotEmpty();
        assertThat(visibleDevices(record(namespace, pod, container))).isEqualTo(claimed);
    }

    @When("I create a Deployment {string} in {string} with {int} replicas asking for {string}")
    public void deployment(String name, String namespace, int replicas, String resources) {
        objects.track(client().apps().deployments().resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withTemplate(template(name, resources)).endSpec().build()).create());
    }

    @When("I create a StatefulSet {string} in {string} with {int} replicas asking for {string}")
    public void statefulSet(String name, String namespace, int replicas, String resources) {
        objects.track(client().apps().statefulSets().resource(new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(name).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withTemplate(template(name, resources)).endSpec().build()).create());
    }

    private static io.fabric8.kubernetes.api.model.PodTemplateSpec template(String app, String resources) {
        return new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", app).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("main").withImage("registry.example/workload:1")
                .withNewResources().withLimits(WebhookSteps.quantities(resources)).endResources().endContainer()
                .endSpec().build();
    }

    @When("I scale {string} {string} in {string} to {int} replicas")
    public void scale(String kind, String name, String namespace, int replicas) {
        switch (kind) {
            case "deployment" -> client().apps().deployments().inNamespace(namespace).withName(name).scale(replicas);
            case "statefulset" -> client().apps().statefulSets().inNamespace(namespace).withName(name).scale(replicas);
            default -> throw new IllegalArgumentException("cannot scale a " + kind);
        }
    }

    private static List<Pod> podsOf(String app, String namespace) {
        return client().pods().inNamespace(namespace).withLabel("app", app).list().getItems();
    }

    @Then("{int} pods of {string} in {string} are Running, each on its own slice")
    public void replicasRunning(int count, String app, String namespace) {
        await(count + " pods of " + app).atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            List<Pod> pods = podsOf(app, namespace);
            assertThat(pods).hasSize(count).allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Running"));
            Set<String> uids = pods.stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
            List<AllocationClaim> claims = AllocatorSteps.claims().stream()
                    .filter(c -> c.getSpec().podRef().namespace().equals(namespace) && c.getSpec().podRef().name().startsWith(app + "-"))
                    .toList();
            // one claim per running replica and none left of the replicas that went
            assertThat(claims).hasSize(count).allSatisfy(c -> {
                assertThat(uids).contains(c.getSpec().podRef().uid());
                assertThat(c.getStatus().state()).isEqualTo(ClaimState.IN_USE);
            });
            assertThat(claims.stream().map(c -> c.getStatus().migUUID()).distinct()).hasSize(count);
            for (Pod p : pods) {
                // an assertion, not orElseThrow: a replica replaced between the two reads is retried, not fatal
                Optional<AllocationClaim> claim = claims.stream()
                        .filter(c -> c.getSpec().podRef().uid().equals(p.getMetadata().getUid())).findFirst();
                assertThat(claim).as("claim of " + p.getMetadata().getName()).isPresent();
                assertThat(visibleDevices(record(namespace, p.getMetadata().getName(), "main")))
                        .containsExactly(claim.get().getStatus().migUUID());
            }
        });
    }

    @Then("the emulated GPUs of node {string} hold exactly the slices of the claims of the pods of {string} in {string}")
    public void gpusHoldAppClaims(String nodeName, String app, String namespace) {
        await("slices of " + nodeName).atMost(WAIT).untilAsserted(() -> {
            Set<SliceKey> claimed = new HashSet<>();
            for (Pod p : podsOf(app, namespace)) {
                for (AllocationClaim c : claimsOfUid(p.getMetadata().getUid())) {
                    claimed.add(new SliceKey(c.getSpec().gpuUUID(), c.getSpec().migPlacement().start(),
                            c.getSpec().migPlacement().size(), c.getStatus() == null ? null : c.getStatus().migUUID()));
                }
            }
            assertThat(claimed).isNotEmpty();
            assertThat(slicesOf(node(nodeName))).isEqualTo(claimed);
        });
    }

    @Then("emulated GPU {int} of node {string} holds one {string} instance")
    public void holdsProfile(int index, String nodeName, String profile) {
        var gpus = node(nodeName).gpus();
        GpuInventory gpu = gpus.devices().get(index);
        int giProfileId = gpu.profiles().stream().filter(p -> p.name().equals(profile)).findFirst().orElseThrow().giProfileId();
        assertThat(gpus.slices()).singleElement().satisfies(s -> {
            assertThat(s.gpuUuid()).isEqualTo(gpu.uuid());
            assertThat(s.giProfileId()).isEqualTo(giProfileId);
            assertThat(s.complete()).isTrue();
        });
    }

    @When("das-scheduler is stopped")
    public void stopScheduler() {
        SharedCluster.get().stopScheduler();
        schedulerStopped = true;
    }

    @When("das-scheduler is started again")
    public void startScheduler() {
        SharedCluster.get().startScheduler();
        schedulerStopped = false;
    }

    @Then("the claims pod {string} in {string} had stay while their slices exist")
    public void claimsStayWhileSlices(String pod, String namespace) {
        String uid = uidOf(namespace, pod);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).untilAsserted(() ->
                assertThat(claimsOfUid(uid)).isNotEmpty().allSatisfy(c ->
                        assertThat(c.getMetadata().getFinalizers()).contains(AllocationClaim.FINALIZER)));
    }
}
