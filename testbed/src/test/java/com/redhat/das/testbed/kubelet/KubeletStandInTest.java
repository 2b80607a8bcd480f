package com.redhat.das.testbed.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DevicePluginOptions;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegisterRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegistrationGrpc;
import com.redhat.das.api.kubelet.podresources.v1.AllocatableResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.ContainerDevices;
import com.redhat.das.api.kubelet.podresources.v1.GetPodResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.ListPodResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.PodResources;
import com.redhat.das.api.kubelet.podresources.v1.PodResourcesListerGrpc;
import com.redhat.das.api.transport.UnixSocketChannel;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kubelet stand-in against a real control plane, with test device plugins speaking the real device-plugin API
 * over Unix sockets. Each test uses its own resource names and pods, so they share one cluster and one node.
 */
class KubeletStandInTest {

    private static final String NS = "kubelet-stand-in";
    private static final String NODE = "stand-in-node";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedCluster cluster;
    private static KubernetesClient client;
    private static Path root;
    private static KubeletStandIn kubelet;

    @BeforeAll
    static void startClusterAndKubelet() throws Exception {
        cluster = EmbeddedCluster.start(EmbeddedCluster.Options.defaults());
        client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        // pods cannot be created before the service account controller made "default"
        await().atMost(WAIT).until(() -> client.serviceAccounts().inNamespace(NS).withName("default").get() != null);
        // Unix socket paths are short (107 bytes): a short root under /tmp
        root = Files.createTempDirectory(Path.of("/tmp"), "kubelet-");
        kubelet = KubeletStandIn.start(client, NODE, root.resolve("n1"), KubeletStandIn.Options.defaults()
                .withHeartbeatInterval(Duration.ofSeconds(1)).withContainerStartRetryInterval(Duration.ofMillis(300))
                .withNodeLabels(Map.of("das.test/role", "gpu")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (kubelet != null) {
            kubelet.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (root != null) {
            try (var files = Files.walk(root)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void registersTheNodeAndKeepsItsLeaseAndHeartbeatFresh() {
        Node node = client.nodes().withName(NODE).get();
        assertThat(node.getMetadata().getLabels()).containsEntry("kubernetes.io/hostname", NODE).containsEntry("kubernetes.io/os", "linux")
                .containsEntry("das.test/role", "gpu");
        assertThat(node.getStatus().getCapacity()).containsEntry("cpu", new Quantity("64")).containsEntry("memory", new Quantity("512Gi"))
                .containsEntry("pods", new Quantity("250"));
        assertThat(node.getStatus().getAllocatable()).containsKeys("cpu", "memory", "pods");
        assertThat(ready(node).getStatus()).isEqualTo("True");

        Lease lease = client.leases().inNamespace(KubeletStandIn.NODE_LEASE_NAMESPACE).withName(NODE).get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(NODE);
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
        assertThat(lease.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(node.getMetadata().getUid()));

        ZonedDateTime renewed = lease.getSpec().getRenewTime();
        String heartbeat = ready(node).getLastHeartbeatTime();
        await("lease renewed and heartbeat refreshed").atMost(WAIT).until(() ->
                client.leases().inNamespace(KubeletStandIn.NODE_LEASE_NAMESPACE).withName(NODE).get().getSpec().getRenewTime().isAfter(renewed)
                        && !ready(client.nodes().withName(NODE).get()).getLastHeartbeatTime().equals(heartbeat));
        // the node lifecycle controller saw the node Ready and lifted the not-ready taint every new node gets
        kubelet.awaitNodeSchedulable(WAIT);
    }

    @Test
    void podGetsItsDevicesThroughAllocateAndCdiRunsAndGivesThemBackWhenDeleted() throws Exception {
        String resource = "test.das.com/slice";
        String cdiKind = "test.das.com/device";
        writeSpec("slice.json", cdiKind, 3);
        try (TestDevicePlugin plugin = new TestDevicePlugin(kubelet.devicePluginDir(), resource, cdiKind,
                DevicePluginOptions.newBuilder().setGetPreferredAllocationAvailable(true).setPreStartRequired(true).build(), 3).start()) {
            awaitNodeResource(resource, "3", "3");

            create(pod("two-slices", Map.of(), List.of(), List.of(container("main", resource, 2))));
            Pod running = awaitPhase("two-slices", "Running");

            // GetPreferredAllocation was asked, and its choice (highest IDs) taken
            assertThat(plugin.preferredAllocationRequests).singleElement().satisfies(r -> {
                assertThat(r.getContainerRequests(0).getAvailableDeviceIDsList()).containsExactlyInAnyOrder("dev-0", "dev-1", "dev-2");
                assertThat(r.getContainerRequests(0).getAllocationSize()).isEqualTo(2);
            });
            assertThat(plugin.allocateRequests).singleElement()
                    .satisfies(r -> assertThat(r.getContainerRequests(0).getDevicesIdsList()).containsExactly("dev-2", "dev-1"));
            assertThat(plugin.preStartRequests).singleElement()
                    .satisfies(r -> assertThat(r.getDevicesIdsList()).containsExactly("dev-2", "dev-1"));

            ContainerRecord record = kubelet.container(NS, "two-slices", "main").orElseThrow();
            assertThat(record.podUid()).isEqualTo(running.getMetadata().getUid());
            assertThat(record.deviceIds()).isEqualTo(Map.of(resource, List.of("dev-2", "dev-1")));
            assertThat(record.cdiDevices()).containsExactly(cdiKind + "=dev-2", cdiKind + "=dev-1");
            // Allocate's env, then the spec's, then each device's: the last device's VISIBLE wins
            assertThat(record.env()).containsEntry("TEST_DEVICES", "dev-2,dev-1").containsEntry("SPEC_LEVEL", "yes")
                    .containsEntry("VISIBLE", "dev-1");
            assertThat(record.deviceNodes()).containsExactly("/dev/test-dev-2", "/dev/test-dev-1");

            ContainerStatus main = running.getStatus().getContainerStatuses().get(0);
            assertThat(main.getReady()).isTrue();
            assertThat(main.getState().getRunning().getStartedAt()).isNotBlank();
            assertThat(main.getContainerID()).matches("containerd://[0-9a-f]{64}");
            assertThat(main.getImage()).isEqualTo("docker.io/library/busybox:latest");
            assertThat(running.getStatus().getHostIP()).isEqualTo("127.0.0.1");
            assertThat(running.getStatus().getPodIP()).startsWith("10.244.");
            assertThat(running.getStatus().getConditions()).filteredOn(c -> Set.of("Ready", "ContainersReady", "Initialized", "PodScheduled")
                    .contains(c.getType())).hasSize(4).allSatisfy(c -> assertThat(c.getStatus()).isEqualTo("True"));

            try (UnixSocketChannel channel = UnixSocketChannel.open(kubelet.podResourcesSocket())) {
                var podResources = PodResourcesListerGrpc.newBlockingStub(channel.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
                PodResources listed = podResources.list(ListPodResourcesRequest.getDefaultInstance()).getPodResourcesList().stream()
                        .filter(p -> p.getName().equals("two-slices")).findFirst().orElseThrow();
                assertThat(listed.getNamespace()).isEqualTo(NS);
                assertThat(deviceIds(listed.getContainers(0).getDevicesList(), resource)).containsExactlyInAnyOrder("dev-2", "dev-1");
                assertThat(podResources.get(GetPodResourcesRequest.newBuilder().setPodNamespace(NS).setPodName("two-slices").build())
                        .getPodResources().getContainers(0).getName()).isEqualTo("main");
                assertThat(deviceIds(podResources.getAllocatableResources(AllocatableResourcesRequest.getDefaultInstance()).getDevicesList(),
                        resource)).containsExactlyInAnyOrder("dev-0", "dev-1", "dev-2");
                assertThatThrownBy(() -> podResources.get(GetPodResourcesRequest.newBuilder().setPodNamespace(NS).setPodName("nope").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getDescription())
                                .isEqualTo("pod nope in namespace " + NS + " not found"));

                // an ordinary delete (grace period 30 s): the kubelet stops the containers and deletes the pod for good
                client.pods().inNamespace(NS).withName("two-slices").delete();
                await("pod deleted by the kubelet").atMost(WAIT).until(() -> client.pods().inNamespace(NS).withName("two-slices").get() == null);
                await("devices released").atMost(WAIT).until(() -> kubelet.allocatedDevices(NS, "two-slices").isEmpty());
                assertThat(podResources.list(ListPodResourcesRequest.getDefaultInstance()).getPodResourcesList())
                        .noneMatch(p -> p.getName().equals("two-slices"));
            }

            // all three are free again
            create(pod("three-slices", Map.of(), List.of(), List.of(container("main", resource, 3))));
            awaitPhase("three-slices", "Running");
            assertThat(kubelet.allocatedDevices(NS, "three-slices")).containsOnlyKeys(resource);
            assertThat(kubelet.allocatedDevices(NS, "three-slices").get(resource)).containsExactlyInAnyOrder("dev-0", "dev-1", "dev-2");
        }
    }

    @Test
    void aFailingAllocateFailsThePodAsTheKubeletDoes() {
        String resource = "test.das.com/failing";
        try (TestDevicePlugin plugin = new TestDevicePlugin(kubelet.devicePluginDir(), resource, "test.das.com/failing",
                DevicePluginOptions.getDefaultInstance(), 2).start()) {
            awaitNodeResource(resource, "2", "2");
            plugin.failAllocate(Status.INTERNAL.withDescription("no slice for you"));

            Pod pod = create(pod("allocate-fails", Map.of(), List.of(), List.of(container("main", resource, 1))));
            Pod failed = awaitPhase("allocate-fails", "Failed");

            String message = "Allocate failed due to rpc error: code = Internal desc = no slice for you, which is unexpected";
            assertThat(failed.getStatus().getReason()).isEqualTo(KubeletStandIn.UNEXPECTED_ADMISSION_ERROR);
            assertThat(failed.getStatus().getMessage()).isEqualTo("Pod was rejected: " + message);
            await("warning event").atMost(WAIT).until(() -> eventsOf(pod).stream().anyMatch(e -> "Warning".equals(e.getType())
                    && KubeletStandIn.UNEXPECTED_ADMISSION_ERROR.equals(e.getReason()) && message.equals(e.getMessage())
                    && "kubelet".equals(e.getSource().getComponent())));
            assertThat(kubelet.allocatedDevices(NS, "allocate-fails")).isEmpty();
            assertThat(kubelet.container(NS, "allocate-fails", "main")).isEmpty();
        }
    }

    @Test
    void tooFewFreeDevicesFailThePodNamingTheResource() {
        String resource = "test.das.com/scarce";
        try (TestDevicePlugin plugin = new TestDevicePlugin(kubelet.devicePluginDir(), resource, "test.das.com/scarce",
                DevicePluginOptions.getDefaultInstance(), 1).start()) {
            awaitNodeResource(resource, "1", "1");

            create(pod("wants-two", Map.of(), List.of(), List.of(container("main", resource, 2))));
            Pod failed = awaitPhase("wants-two", "Failed");

            assertThat(failed.getStatus().getReason()).isEqualTo(KubeletStandIn.UNEXPECTED_ADMISSION_ERROR);
            assertThat(failed.getStatus().getMessage()).contains("requested number of devices unavailable for " + resource
                    + ". Requested: 2, Available: 1");
            assertThat(plugin.allocateRequests).isEmpty();
        }
    }

    @Test
    void aContainerWhoseCdiDeviceIsUnknownWaitsUntilTheSpecAppears() throws Exception {
        String resource = "test.das.com/late";
        String cdiKind = "test.das.com/late-device";
        try (TestDevicePlugin plugin = new TestDevicePlugin(kubelet.devicePluginDir(), resource, cdiKind,
                DevicePluginOptions.getDefaultInstance(), 1).start()) {
            awaitNodeResource(resource, "1", "1");

            create(pod("spec-later", Map.of(), List.of(), List.of(container("main", resource, 1))));
            await("container waiting on its CDI device").atMost(WAIT).until(() -> {
                Pod p = client.pods().inNamespace(NS).withName("spec-later").get();
                return p.getStatus().getContainerStatuses() != null && !p.getStatus().getContainerStatuses().isEmpty()
                        && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                        && "CreateContainerError".equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason());
            });
            Pod waiting = client.pods().inNamespace(NS).withName("spec-later").get();
            assertThat(waiting.getStatus().getPhase()).isEqualTo("Pending");
            assertThat(waiting.getStatus().getContainerStatuses().get(0).getState().getWaiting().getMessage())
                    .isEqualTo("failed to inject CDI devices: unresolvable CDI devices " + cdiKind + "=dev-0");
            assertThat(waiting.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
                    .satisfies(c -> assertThat(c.getReason()).isEqualTo("ContainersNotReady"));
            assertThat(kubelet.container(NS, "spec-later", "main")).isEmpty();

            writeSpec("late.json", cdiKind, 1);

            Pod running = awaitPhase("spec-later", "Running");
            assertThat(kubelet.container(NS, "spec-later", "main").orElseThrow().env()).containsEntry("VISIBLE", "dev-0");
            // the retry did not allocate again
            assertThat(plugin.allocateRequests).hasSize(1);
            assertThat(running.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
                    .satisfies(c -> assertThat(c.getReason()).isNull());
        }
    }

    @Test
    void initContainerDevicesPassToTheNextContainerAndTheJobLikePodSucceeds() {
        String resource = "test.das.com/shared";
        try (TestDevicePlugin plugin = new TestDevicePlugin(kubelet.devicePluginDir(), resource, "test.das.com/shared",
                DevicePluginOptions.getDefaultInstance(), 1).start()) {
            plugin.allocateWith(r -> com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateResponse.newBuilder()
                    .putEnvs("SHARED", String.join(",", r.getDevicesIdsList())).build());
            awaitNodeResource(resource, "1", "1");

            create(pod("init-then-main", Map.of(KubeletStandIn.RUN_SECONDS_ANNOTATION, "1"),
                    List.of(container("prepare", resource, 1)), List.of(container("main", resource, 1))));
            Pod done = awaitPhase("init-then-main", "Succeeded");

            assertThat(kubelet.container(NS, "init-then-main", "prepare").orElseThrow().initContainer()).isTrue();
            assertThat(kubelet.container(NS, "init-then-main", "prepare").orElseThrow().env()).containsEntry("SHARED", "dev-0");
            assertThat(kubelet.container(NS, "init-then-main", "main").orElseThrow().env()).containsEntry("SHARED", "dev-0");
            assertThat(plugin.allocateRequests).hasSize(2);
            assertThat(done.getStatus().getInitContainerStatuses()).singleElement()
                    .satisfies(s -> assertThat(s.getState().getTerminated().getExitCode()).isZero());
            assertThat(done.getStatus().getContainerStatuses()).singleElement().satisfies(s -> {
                assertThat(s.getState().getTerminated().getExitCode()).isZero();
                assertThat(s.getState().getTerminated().getReason()).isEqualTo("Completed");
            });
            await("devices of the finished pod released").atMost(WAIT).until(() -> kubelet.allocatedDevices(NS, "init-then-main").isEmpty());
        }
    }

    @Test
    void aNonZeroExitCodeFailsThePod() {
        create(pod("exits-3", Map.of(KubeletStandIn.RUN_SECONDS_ANNOTATION, "0.2", KubeletStandIn.EXIT_CODE_ANNOTATION, "3"),
                List.of(), List.of(new ContainerBuilder().withName("main").withImage("quay.io/example/app:1.0").build())));

        Pod failed = awaitPhase("exits-3", "Failed");

        assertThat(failed.getStatus().getContainerStatuses()).singleElement().satisfies(s -> {
            assertThat(s.getState().getTerminated().getExitCode()).isEqualTo(3);
            assertThat(s.getState().getTerminated().getReason()).isEqualTo("Error");
            assertThat(s.getImage()).isEqualTo("quay.io/example/app:1.0");
        });
    }

    @Test
    void aPluginThatGoesAwayLeavesCapacityButNoAllocatableUntilItRegistersAgain() {
        String resource = "test.das.com/flaky";
        try (TestDevicePlugin plugin = new TestDevicePlugin(kubelet.devicePluginDir(), resource, "test.das.com/flaky",
                DevicePluginOptions.getDefaultInstance(), 2).start()) {
            awaitNodeResource(resource, "2", "2");
            plugin.setDevices(List.of(TestDevicePlugin.device("dev-0", "Healthy"), TestDevicePlugin.device("dev-1", "Unhealthy")));
            awaitNodeResource(resource, "2", "1");

            plugin.stopServing();
            awaitNodeResource(resource, "2", "0");
            assertThat(kubelet.registeredResources()).doesNotContain(resource);

            plugin.setDevices(List.of(TestDevicePlugin.device("dev-0", "Healthy"), TestDevicePlugin.device("dev-1", "Healthy")));
            plugin.start();
            awaitNodeResource(resource, "2", "2");
            assertThat(kubelet.registeredResources()).contains(resource);
            assertThat(kubelet.registrationCount(resource)).isEqualTo(2);
        }
    }

    @Test
    void registrationRefusesOtherApiVersionsAndInvalidResourceNames() {
        try (UnixSocketChannel channel = UnixSocketChannel.open(kubelet.registrationSocket())) {
            var registration = RegistrationGrpc.newBlockingStub(channel.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> registration.register(RegisterRequest.newBuilder().setVersion("v1alpha").setEndpoint("x.sock")
                    .setResourceName("test.das.com/x").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
                        assertThat(e.getStatus().getDescription())
                                .isEqualTo("requested API version \"v1alpha\" is not supported by kubelet. Supported versions are [\"v1beta1\"]");
                    });
            assertThatThrownBy(() -> registration.register(RegisterRequest.newBuilder().setVersion("v1beta1").setEndpoint("x.sock")
                    .setResourceName("gpu").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).isEqualTo("the ResourceName \"gpu\" is invalid"));
        }
    }

    @Test
    void podsAlreadyBoundWhenTheKubeletStartsAreAdmittedOldestFirst() throws Exception {
        String node = "late-node";
        // names sort the other way round, so only the creation time can put "zz-older" first
        Pod older = create(podOn(node, "zz-older"));
        Instant olderCreated = Instant.parse(older.getMetadata().getCreationTimestamp());
        await("a new second for a distinct creationTimestamp").atMost(Duration.ofSeconds(3))
                .until(() -> Instant.now().getEpochSecond() > olderCreated.getEpochSecond());
        create(podOn(node, "aa-newer"));

        try (KubeletStandIn late = KubeletStandIn.start(client, node, root.resolve("n2"), KubeletStandIn.Options.defaults())) {
            await().atMost(WAIT).until(() -> late.containers().size() == 2);
            assertThat(late.containers()).extracting(ContainerRecord::pod).containsExactly("zz-older", "aa-newer");
        }
    }

    @Test
    void afterAKubeletRestartPluginsRegisterAgainAndRunningPodsKeepTheirDevices() throws Exception {
        String node = "restart-node";
        String resource = "test.das.com/restart";
        try (KubeletStandIn restarting = KubeletStandIn.start(client, node, root.resolve("n3"), KubeletStandIn.Options.defaults()
                .withContainerStartRetryInterval(Duration.ofMillis(300)));
             TestDevicePlugin plugin = new TestDevicePlugin(restarting.devicePluginDir(), resource, "test.das.com/restart-device",
                     DevicePluginOptions.getDefaultInstance(), 2).start().reRegisterAfterKubeletRestarts()) {
            writeSpec(restarting.cdiDir(), "restart.json", "test.das.com/restart-device", 2);
            awaitNodeResource(node, resource, "2", "2");
            create(podOn(node, "before-restart", container("main", resource, 1)));
            awaitPhase("before-restart", "Running");
            List<String> held = restarting.allocatedDevices(NS, "before-restart").get(resource);

            restarting.restartKubelet();

            await("the plugin registered again").atMost(WAIT).until(() -> plugin.registrations() == 2 && restarting.registrationCount(resource) == 2);
            awaitNodeResource(node, resource, "2", "2");
            assertThat(restarting.allocatedDevices(NS, "before-restart")).containsEntry(resource, held);
            try (UnixSocketChannel channel = UnixSocketChannel.open(restarting.podResourcesSocket())) {
                assertThat(PodResourcesListerGrpc.newBlockingStub(channel.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .list(ListPodResourcesRequest.getDefaultInstance()).getPodResourcesList())
                        .anySatisfy(p -> assertThat(p.getName()).isEqualTo("before-restart"));
            }

            // the checkpoint kept the running pod's device: the next pod gets the other one
            create(podOn(node, "after-restart", container("main", resource, 1)));
            awaitPhase("after-restart", "Running");
            assertThat(restarting.allocatedDevices(NS, "after-restart").get(resource)).doesNotContainAnyElementsOf(held);
            assertThat(client.pods().inNamespace(NS).withName("before-restart").get().getStatus().getPhase()).isEqualTo("Running");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static NodeCondition ready(Node node) {
        return node.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
    }

    private static void awaitNodeResource(String resource, String capacity, String allocatable) {
        awaitNodeResource(NODE, resource, capacity, allocatable);
    }

    private static void awaitNodeResource(String node, String resource, String capacity, String allocatable) {
        await(node + " " + resource + " capacity " + capacity + ", allocatable " + allocatable).atMost(WAIT).until(() -> {
            Node n = client.nodes().withName(node).get();
            return new Quantity(capacity).equals(n.getStatus().getCapacity().get(resource))
                    && new Quantity(allocatable).equals(n.getStatus().getAllocatable().get(resource));
        });
    }

    /** A spec for devices dev-0..dev-(n-1) of {@code kind}: a spec-level env and per device VISIBLE and a device node. */
    private static void writeSpec(String file, String kind, int devices) throws Exception {
        writeSpec(kubelet.cdiDir(), file, kind, devices);
    }

    private static void writeSpec(Path dir, String file, String kind, int devices) throws Exception {
        String deviceEntries = java.util.stream.IntStream.range(0, devices).mapToObj(i -> """
                {"name": "dev-%d", "containerEdits": {"env": ["VISIBLE=dev-%d"], "deviceNodes": [{"path": "/dev/test-dev-%d"}]}}"""
                .formatted(i, i, i)).collect(Collectors.joining(","));
        Path tmp = dir.resolve("." + file + ".tmp");
        Files.writeString(tmp, """
                {"cdiVersion": "0.6.0", "kind": "%s", "containerEdits": {"env": ["SPEC_LEVEL=yes"]}, "devices": [%s]}
                """.formatted(kind, deviceEntries));
        Files.move(tmp, dir.resolve(file), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<String> deviceIds(List<ContainerDevices> devices, String resource) {
        return devices.stream().filter(d -> d.getResourceName().equals(resource)).flatMap(d -> d.getDeviceIdsList().stream()).toList();
    }

    private static Container container(String name, String resource, int count) {
        return new ContainerBuilder().withName(name).withImage("busybox")
                .withNewResources().addToLimits(resource, new Quantity(Integer.toString(count))).endResources().build();
    }

    private static Pod pod(String name, Map<String, String> annotations, List<Container> init, List<Container> containers) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withAnnotations(annotations).endMetadata()
                .withNewSpec().withNodeName(NODE).withRestartPolicy("Never").withInitContainers(init).withContainers(containers).endSpec()
                .build();
    }

    private static Pod podOn(String node, String name, Container... containers) {
        List<Container> list = containers.length == 0 ? List.of(new ContainerBuilder().withName("main").withImage("busybox").build())
                : List.of(containers);
        return new PodBuilder(pod(name, Map.of(), List.of(), list)).editSpec().withNodeName(node).endSpec().build();
    }

    private static Pod create(Pod pod) {
        return client.pods().inNamespace(NS).resource(pod).create();
    }

    private static Pod awaitPhase(String name, String phase) {
        await("pod " + name + " " + phase).atMost(WAIT).until(() -> {
            Pod p = client.pods().inNamespace(NS).withName(name).get();
            return p != null && p.getStatus() != null && phase.equals(p.getStatus().getPhase());
        });
        return client.pods().inNamespace(NS).withName(name).get();
    }

    private static List<Event> eventsOf(Pod pod) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> pod.getMetadata().getUid().equals(e.getInvolvedObject().getUid())).toList();
    }
}
