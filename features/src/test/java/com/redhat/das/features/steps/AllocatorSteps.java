package com.redhat.das.features.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.LayoutCheck;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.mig.PlacementRules;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import io.cucumber.java.After;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Steps about the DAS allocator and the AllocationClaims it writes. */
public class AllocatorSteps {

    private final Map<String, String> claimUidsBefore = new HashMap<>();

    private static KubernetesClient client() {
        return SharedCluster.get().client();
    }

    static List<AllocationClaim> claims() {
        return client().resources(AllocationClaim.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).list().getItems();
    }

    static List<AllocationClaim> claimsOf(String namespace, String pod) {
        Pod p = client().pods().inNamespace(namespace).withName(pod).get();
        if (p == null) {
            return List.of();
        }
        String uid = p.getMetadata().getUid();
        return claims().stream().filter(c -> uid.equals(c.getSpec().podRef().uid())).toList();
    }

    /** One write to an AllocationClaim seen through a watch: what happened, to which claim, for which pod and node. */
    private record ClaimWrite(Watcher.Action action, String claim, String podUid, String node) {
    }

    private final List<ClaimWrite> claimWrites = new CopyOnWriteArrayList<>();
    private Watch claimWatch;

    @After
    public void stopCountingClaimWrites() {
        if (claimWatch != null) {
            claimWatch.close();
            claimWatch = null;
        }
    }

    @Given("I count the AllocationClaims written from now on")
    public void countClaimWrites() {
        claimWatch = client().resources(AllocationClaim.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, AllocationClaim claim) {
                claimWrites.add(new ClaimWrite(action, claim.getMetadata().getName(),
                        claim.getSpec() == null ? null : claim.getSpec().podRef().uid(), claim.getSpec() == null ? null : claim.getSpec().nodename()));
            }

            @Override
            public void onClose(WatcherException cause) {
                // closed by the scenario's end
            }
        });
    }

    @Then("{int} AllocationClaims were created for pod {string} in {string}, all on the node it is bound to, and none was deleted")
    public void claimsCreatedOnlyOnTheChosenNode(int count, String name, String namespace) {
        Pod pod = await("pod " + namespace + "/" + name + " bound").atMost(Duration.ofSeconds(30))
                .until(() -> client().pods().inNamespace(namespace).withName(name).get(), p -> p != null && p.getSpec().getNodeName() != null);
        String uid = pod.getMetadata().getUid();
        String node = pod.getSpec().getNodeName();
        await("claims of " + name + " seen through the watch").atMost(Duration.ofSeconds(10))
                .until(() -> claimWrites.stream().filter(w -> w.action() == Watcher.Action.ADDED && uid.equals(w.podUid())).count() >= count);
        List<ClaimWrite> mine = claimWrites.stream().filter(w -> uid.equals(w.podUid())).toList();
        assertThat(mine).filteredOn(w -> w.action() == Watcher.Action.ADDED).as("claims created for " + name).hasSize(count)
                .allSatisfy(w -> assertThat(w.node()).as(w.claim()).isEqualTo(node));
        assertThat(mine).filteredOn(w -> w.action() == Watcher.Action.DELETED).as("claims of " + name + " deleted").isEmpty();
    }

    @After
    public void allocatorKeepsRunning() {
        if (!SharedCluster.get().allocatorRunning()) {
            SharedCluster.get().stopAllocator();
            SharedCluster.get().startAllocator("packed");
        }
    }

    @Given("the DAS allocator is stopped")
    public void allocatorStopped() {
        SharedCluster.get().stopAllocator();
    }

    @When("the DAS allocator is killed")
    public void killAllocator() {
        claims().forEach(c -> claimUidsBefore.put(c.getMetadata().getName(), c.getMetadata().getUid()));
        SharedCluster.get().killAllocator();
    }

    @When("the DAS allocator is started again")
    public void restartAllocator() {
        SharedCluster.get().startAllocator("packed");
    }

    @Then("pod {string} in {string} has {int} AllocationClaim(s) in state {string} on node {string}")
    public void podClaims(String pod, String namespace, int count, String state, String node) {
        await("claims of " + namespace + "/" + pod).atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<AllocationClaim> claims = claimsOf(namespace, pod);
            assertThat(claims).hasSize(count).allSatisfy(c -> {
                assertThat(c.getSpec().nodename()).isEqualTo(node);
                assertThat(c.getStatus().state().apiValue()).isEqualTo(state);
                assertThat(c.getMetadata().getFinalizers()).contains(AllocationClaim.FINALIZER);
            });
        });
    }

    @When("the node daemon stand-in marks the claims of pod {string} in {string} as {string}")
    public void markClaims(String pod, String namespace, String state) {
        ClaimState s = java.util.Arrays.stream(ClaimState.values()).filter(v -> v.apiValue().equals(state)).findFirst().orElseThrow();
        for (AllocationClaim c : claimsOf(namespace, pod)) {
            c.setStatus(new com.redhat.das.api.v1alpha1.AllocationClaimStatus(s, null, "MIG-stand-in", List.of()));
            client().resources(AllocationClaim.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).resource(c).updateStatus();
        }
    }

    @Then("the claims of pod {string} in {string} are gone within {int} seconds")
    public void claimsGone(String pod, String namespace, int seconds) {
        String uid = client().pods().inNamespace(namespace).withName(pod).get().getMetadata().getUid();
        await("claims of " + namespace + "/" + pod + " gone").atMost(Duration.ofSeconds(seconds))
                .until(() -> claims().stream().noneMatch(c -> uid.equals(c.getSpec().podRef().uid())));
    }

    @Then("the claims of pod {string} in {string} stay because the node daemon has not torn down their slices")
    public void claimsStay(String pod, String namespace) {
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).untilAsserted(() ->
                assertThat(claimsOf(namespace, pod)).isNotEmpty().allSatisfy(c -> {
                    assertThat(c.getMetadata().getDeletionTimestamp()).as("deletion requested").isNotNull();
                    assertThat(c.getMetadata().getFinalizers()).contains(AllocationClaim.FINALIZER);
                }));
    }

    @Then("pod {string} in {string} has no AllocationClaim")
    public void noClaims(String pod, String namespace) {
        assertThat(claimsOf(namespace, pod)).isEmpty();
    }

    @Then("the pods {string} in {string} all hold slices on the same GPU of node {string}")
    public void sameGpu(String pods, String namespace, String node) {
        Set<String> gpus = podList(pods).stream().flatMap(p -> claimsOf(namespace, p).stream())
                .peek(c -> assertThat(c.getSpec().nodename()).isEqualTo(node))
                .map(c -> c.getSpec().gpuUUID()).collect(Collectors.toSet());
        assertThat(gpus).hasSize(1);
    }

    @Then("GPU {int} of node {string} holds no slice")
    public void gpuUntouched(int index, String node) {
        String uuid = GpuNodeSteps.gpuUuid(node, index);
        assertThat(claims()).noneMatch(c -> uuid.equals(c.getSpec().gpuUUID()));
    }

    @Then("GPU {int} of node {string} holds slices {string}")
    public void gpuHolds(int index, String node, String layout) {
        String uuid = GpuNodeSteps.gpuUuid(node, index);
        String actual = claims().stream().filter(c -> uuid.equals(c.getSpec().gpuUUID()))
                .sorted(java.util.Comparator.comparingInt(c -> c.getSpec().migPlacement().start()))
                .map(c -> c.getSpec().profile() + "@" + c.getSpec().migPlacement().start())
                .collect(Collectors.joining(", "));
        assertThat(actual).isEqualTo(layout);
    }

    @Then("no GPU of node {string} holds overlapping or over-budget slices of model {string}")
    public void layoutsValid(String node, String modelName) {
        GpuModel model = MigCatalog.bundled().requireModel(modelName);
        Map<String, List<AllocationClaim>> byGpu = claims().stream().filter(c -> node.equals(c.getSpec().nodename()))
                .collect(Collectors.groupingBy(c -> c.getSpec().gpuUUID()));
        byGpu.forEach((gpu, claims) -> {
            LayoutCheck check = PlacementRules.of(model).check(claims.stream()
                    .map(c -> PlacedInstance.of(model, c.getSpec().profile(), c.getSpec().migPlacement().start())).toList());
            assertThat(check.isValid()).as("layout of %s: %s", gpu, check.describe()).isTrue();
        });
    }

    @Then("every claim that existed before the crash still exists unchanged")
    public void claimsKept() {
        assertThat(claimUidsBefore).isNotEmpty();
        Map<String, String> now = claims().stream()
                .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c.getMetadata().getUid()));
        claimUidsBefore.forEach((name, uid) -> assertThat(now).containsEntry(name, uid));
    }

    @Then("every pod of {string} holds exactly its {int} slice(s) and no slice is held twice")
    public void eachPodHoldsItsSlices(String namespace, int perPod) {
        List<Pod> pods = client().pods().inNamespace(namespace).list().getItems();
        assertThat(pods).isNotEmpty();
        for (Pod p : pods) {
            List<AllocationClaim> mine = claims().stream().filter(c -> p.getMetadata().getUid().equals(c.getSpec().podRef().uid())).toList();
            assertThat(mine).as("claims of %s", p.getMetadata().getName()).hasSize(perPod)
                    .allSatisfy(c -> assertThat(c.getSpec().nodename()).isEqualTo(p.getSpec().getNodeName()));
        }
        Map<String, Long> slots = claims().stream().collect(Collectors.groupingBy(
                c -> c.getSpec().gpuUUID() + "@" + c.getSpec().migPlacement().start(), Collectors.counting()));
        assertThat(slots).allSatisfy((slot, n) -> assertThat(n).as("claims at %s", slot).isEqualTo(1L));
    }

    @Then("claim states are all {string}")
    public void allStates(String state) {
        assertThat(claims()).allSatisfy(c -> assertThat(c.getStatus().state()).isEqualTo(
                java.util.Arrays.stream(ClaimState.values()).filter(s -> s.apiValue().equals(state)).findFirst().orElseThrow()));
    }

    static List<String> podList(String pods) {
        return java.util.Arrays.stream(pods.split(",\\s*")).toList();
    }
}
