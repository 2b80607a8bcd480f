package com.redhat.das.features.steps;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.AllocationClaimStatus;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.api.v1alpha1.PodReference;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Steps about the DAS custom resources themselves. */
public class ApiSteps {

    private static final String GROUP = AllocationClaim.GROUP;
    private final ScenarioObjects objects;
    private KubernetesClientException lastRejection;

    public ApiSteps(ScenarioObjects objects) {
        this.objects = objects;
    }

    private static KubernetesClient client() {
        return SharedCluster.get().client();
    }

    @Then("the custom resources {string} of group {string} are established")
    public void customResourcesEstablished(String plurals, String group) {
        for (String plural : plurals.split(",\\s*")) {
            CustomResourceDefinition crd = client().apiextensions().v1().customResourceDefinitions().withName(plural + "." + group).get();
            assertThat(crd).as("CRD %s.%s", plural, group).isNotNull();
            assertThat(crd.getStatus().getConditions())
                    .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Established=True"));
            assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        }
    }

    @Then("{string} version {string} has a status subresource and the printer columns {string}")
    public void printerColumns(String plural, String version, String columns) {
        CustomResourceDefinitionVersion v = client().apiextensions().v1().customResourceDefinitions()
                .withName(plural + "." + GROUP).get().getSpec().getVersions().stream()
                .filter(x -> x.getName().equals(version)).findFirst().orElseThrow();
        assertThat(v.getSubresources().getStatus()).isNotNull();
        assertThat(v.getAdditionalPrinterColumns()).extracting(c -> c.getName())
                .containsAll(Arrays.asList(columns.split(",\\s*")));
    }

    @When("I create an AllocationClaim {string} for profile {string} of pod {string} on node {string} GPU {string} at start {int} size {int}")
    @Given("an AllocationClaim {string} for profile {string} of pod {string} on node {string} GPU {string} at start {int} size {int}")
    public void createClaim(String name, String profile, String pod, String node, String gpu, int start, int size) {
        String[] nsName = pod.split("/");
        AllocationClaim claim = new AllocationClaim();
        claim.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(EmbeddedCluster.DAS_NAMESPACE).build());
        claim.setSpec(new AllocationClaimSpec(profile, PodReference.pod(nsName[0], nsName[1], "uid-" + name), "main", gpu, node,
                new MigPlacement(start, size)));
        objects.track(client().resource(claim).create());
    }

    @When("I set the state of AllocationClaim {string} to {string} with MIG device {string}")
    public void setClaimState(String name, String state, String migUuid) {
        AllocationClaim claim = claims().withName(name).get();
        ClaimState s = Arrays.stream(ClaimState.values()).filter(v -> v.apiValue().equals(state)).findFirst().orElseThrow();
        claim.setStatus(new AllocationClaimStatus(s, null, migUuid, List.of()));
        claims().resource(claim).updateStatus();
    }

    @When("I try to set the raw state of AllocationClaim {string} to {string}")
    public void setRawClaimState(String name, String state) {
        // Written untyped: the Java enum could not even express the bad value.
        GenericKubernetesResource raw = client().genericKubernetesResources(GROUP + "/v1alpha1", "AllocationClaim")
                .inNamespace(EmbeddedCluster.DAS_NAMESPACE).withName(name).get();
        raw.setAdditionalProperty("status", Map.of("state", state));
        lastRejection = catchRejection(() -> client().genericKubernetesResources(GROUP + "/v1alpha1", "AllocationClaim")
                .inNamespace(EmbeddedCluster.DAS_NAMESPACE).resource(raw).updateStatus());
    }

    @When("I try to move AllocationClaim {string} to start {int}")
    public void moveClaim(String name, int start) {
        AllocationClaim claim = claims().withName(name).get();
        AllocationClaimSpec s = claim.getSpec();
        claim.setSpec(new AllocationClaimSpec(s.profile(), s.podRef(), s.containerName(), s.gpuUUID(), s.nodename(),
                new MigPlacement(start, s.migPlacement().size())));
        lastRejection = catchRejection(() -> claims().resource(claim).update());
    }

    @Then("the API server rejects it with {int} and a message containing {string}")
    public void rejected(int code, String message) {
        assertThat(lastRejection).as("the API server's rejection").isNotNull();
        assertThat(lastRejection.getCode()).isEqualTo(code);
        assertThat(lastRejection.getMessage()).contains(message);
    }

    @Then("AllocationClaim {string} has state {string}")
    public void claimHasState(String name, String state) {
        assertThat(claims().withName(name).get().getStatus().state().apiValue()).isEqualTo(state);
    }

    @Then("reading AllocationClaim {string} back gives profile {string}, node {string}, GPU {string}, placement {int}+{int}, state {string} and MIG device {string}")
    public void claimRoundTrip(String name, String profile, String node, String gpu, int start, int size, String state, String mig) {
        AllocationClaim claim = claims().withName(name).get();
        assertThat(claim.getSpec().profile()).isEqualTo(profile);
        assertThat(claim.getSpec().nodename()).isEqualTo(node);
        assertThat(claim.getSpec().gpuUUID()).isEqualTo(gpu);
        assertThat(claim.getSpec().migPlacement()).isEqualTo(new MigPlacement(start, size));
        assertThat(claim.getStatus().state().apiValue()).isEqualTo(state);
        assertThat(claim.getStatus().migUUID()).isEqualTo(mig);
    }

    @Then("AllocationClaims can be listed by node {string} through a field selector")
    public void claimsByField(String node) {
        List<AllocationClaim> onNode = claims().withField("spec.nodename", node).list().getItems();
        assertThat(onNode).isNotEmpty().allSatisfy(c -> assertThat(c.getSpec().nodename()).isEqualTo(node));
    }

    @When("I publish a NodeAccelerator for node {string} with {int} {string} GPUs")
    public void publishNodeAccelerator(String node, int count, String modelName) {
        GpuModel model = MigCatalog.bundled().requireModel(modelName);
        List<GpuInventory> gpus = IntStream.range(0, count)
                .mapToObj(i -> GpuInventory.of(model, "GPU-" + node + "-" + i, i, "NVIDIA " + modelName, 40960)).toList();
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(new ObjectMetaBuilder().withName(node).withNamespace(EmbeddedCluster.DAS_NAMESPACE).build());
        na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true, gpus));
        objects.track(client().resource(na).serverSideApply());
    }

    @Then("reading NodeAccelerator {string} back lists {int} GPUs offering {string} at start {int} with GPU-instance profile id {int}")
    public void nodeAcceleratorRoundTrip(String node, int count, String profile, int start, int giProfileId) {
        NodeAccelerator na = client().resources(NodeAccelerator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).withName(node).get();
        assertThat(na.getSpec().gpus()).hasSize(count).allSatisfy(gpu -> {
            GpuProfile p = gpu.profiles().stream().filter(x -> x.name().equals(profile)).findFirst().orElseThrow();
            assertThat(p.placements()).contains(new MigPlacement(start, p.memorySlices()));
            assertThat(p.giProfileId()).isEqualTo(giProfileId);
        });
    }

    private static NonNamespaceOperation<AllocationClaim, KubernetesResourceList<AllocationClaim>, Resource<AllocationClaim>> claims() {
        return client().resources(AllocationClaim.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE);
    }

    private static KubernetesClientException catchRejection(Runnable call) {
        try {
            call.run();
            return null;
        } catch (KubernetesClientException e) {
            return e;
        }
    }
}
