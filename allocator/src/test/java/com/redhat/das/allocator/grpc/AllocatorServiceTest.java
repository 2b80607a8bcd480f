package com.redhat.das.allocator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.redhat.das.allocator.claims.ClaimWriter;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.placement.PlacementEngine;
import com.redhat.das.allocator.placement.PlacementPolicies;
import com.redhat.das.api.allocator.v1.AllocatorGrpc;
import com.redhat.das.api.allocator.v1.Container;
import com.redhat.das.api.allocator.v1.PodRef;
import com.redhat.das.api.allocator.v1.PodRequest;
import com.redhat.das.api.allocator.v1.PreBindRequest;
import com.redhat.das.api.allocator.v1.PreFilterRequest;
import com.redhat.das.api.allocator.v1.PreFilterResponse;
import com.redhat.das.api.allocator.v1.ReserveRequest;
import com.redhat.das.api.allocator.v1.ReserveResponse;
import com.redhat.das.api.allocator.v1.UnreserveRequest;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.api.transport.UnixSocketServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service over a real Unix socket. The API server is fabric8's CRUD mock here (PreBind's writes); the
 * acceptance features run the same service against a real kube-apiserver.
 */
@EnableKubernetesMockClient(crud = true)
class AllocatorServiceTest {

    private static final GpuModel A100 = MigCatalog.bundled().requireModel("A100-40GB");

    KubernetesClient client;
    @TempDir
    Path dir;

    private ClusterModel model;
    private UnixSocketServer server;
    private ManagedChannel channel;
    private EventLoopGroup clientGroup;
    private AllocatorGrpc.AllocatorBlockingStub stub;

    @BeforeEach
    @SuppressWarnings("deprecation")
    void start() {
        model = new ClusterModel(Clock.systemUTC(), Duration.ofSeconds(60), Duration.ofSeconds(300));
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(new ObjectMetaBuilder().withName("n1").withNamespace("das-operator").build());
        na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true,
                IntStream.range(0, 2).mapToObj(i -> GpuInventory.of(A100, "GPU-n1-" + i, i, "A100", 40960)).toList()));
        model.upsertNodeAccelerator(na);
        server = UnixSocketServer.start(dir.resolve("allocator.sock"), new AllocatorService(model,
                new PlacementEngine(model, PlacementPolicies.byName("packed")), new ClaimWriter(client, "das-operator")));
        clientGroup = new EpollEventLoopGroup(1);
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(dir.resolve("allocator.sock").toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(clientGroup).usePlaintext().build();
        stub = AllocatorGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.close();
        clientGroup.shutdownGracefully();
    }

    private static PodRequest pod(String uid, String resource, String count) {
        return PodRequest.newBuilder().setPod(PodRef.newBuilder().setNamespace("team").setName("pod-" + uid).setUid(uid))
                .addContainers(Container.newBuilder().setName("main").setKind(Container.Kind.APP).putLimits(resource, count)).build();
    }

    @Test
    void theSocketIsPrivateToItsOwner() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("allocator.sock")))).isEqualTo("rw-------");
    }

    @Test
    void aReservationIsSeenByTheVeryNextPreFilter() {
        PreFilterResponse before = stub.preFilter(PreFilterRequest.newBuilder().setPod(pod("u1", "mig.das.com/7g.40gb", "1")).build());
        assertThat(before.getFeasibleNodesMap()).containsKey("n1");

        stub.reserve(ReserveRequest.newBuilder().setPod(pod("u1", "mig.das.com/7g.40gb", "1")).setNode("n1").build());
        stub.reserve(ReserveRequest.newBuilder().setPod(pod("u2", "mig.das.com/7g.40gb", "1")).setNode("n1").build());

        PreFilterResponse after = stub.preFilter(PreFilterRequest.newBuilder().setPod(pod("u3", "mig.das.com/7g.40gb", "1")).build());
        assertThat(after.getFeasibleNodesMap()).isEmpty();
        assertThat(after.getRejectedNodesMap()).containsKey("n1");
        assertThat(after.getRejectedNodesMap().get("n1")).contains("7g.40gb");

        stub.unreserve(UnreserveRequest.newBuilder().setPod(pod("u2", "x", "1").getPod()).setNode("n1").build());
        assertThat(stub.preFilter(PreFilterRequest.newBuilder().setPod(pod("u3", "mig.das.com/7g.40gb", "1")).build())
                .getFeasibleNodesMap()).containsKey("n1");
    }

    @Test
    void reserveAnswersTheGpuAndPlacementOfEverySlice() {
        ReserveResponse r = stub.reserve(ReserveRequest.newBuilder().setPod(pod("u1", "mig.das.com/3g.20gb", "2")).setNode("n1").build());
        assertThat(r.getSlicesList()).hasSize(2).allSatisfy(s -> {
            assertThat(s.getProfile()).isEqualTo("3g.20gb");
            assertThat(s.getSize()).isEqualTo(4);
            assertThat(s.getContainer()).isEqualTo("main");
        });
    }

    @Test
    void preBindWritesOneClaimPerSliceAndARetryWritesNoDuplicate() {
        stub.reserve(ReserveRequest.newBuilder().setPod(pod("u1", "mig.das.com/1g.5gb", "2")).setNode("n1").build());
        PreBindRequest bind = PreBindRequest.newBuilder().setPod(pod("u1", "x", "1").getPod()).setNode("n1").build();
        List<String> names = stub.preBind(bind).getClaimNamesList();
        List<String> again = stub.preBind(bind).getClaimNamesList();

        assertThat(again).isEqualTo(names);
        List<AllocationClaim> claims = client.resources(AllocationClaim.class).inNamespace("das-operator").list().getItems();
        assertThat(claims).hasSize(2).allSatisfy(c -> {
            assertThat(c.getSpec().podRef().uid()).isEqualTo("u1");
            assertThat(c.getSpec().nodename()).isEqualTo("n1");
            assertThat(c.getStatus().state()).isEqualTo(ClaimState.CREATED);
            assertThat(c.getMetadata().getFinalizers()).containsExactly(AllocationClaim.FINALIZER);
        });
    }

    @Test
    void preBindWithoutReservationFailsClearly() {
        assertThatThrownBy(() -> stub.preBind(PreBindRequest.newBuilder().setPod(pod("nobody", "x", "1").getPod()).setNode("n1").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("no reservation for the pod");
                });
    }

    @Test
    void badRequestsBecomeThePodsRejection() {
        PreFilterResponse unknown = stub.preFilter(PreFilterRequest.newBuilder().setPod(pod("u1", "mig.das.com/9g.99gb", "1")).build());
        assertThat(unknown.getPodRejection()).startsWith("unknown MIG profile '9g.99gb'; profiles offered on this cluster: 1g.10gb, 1g.5gb");
        PreFilterResponse zero = stub.preFilter(PreFilterRequest.newBuilder().setPod(pod("u1", "mig.das.com/1g.5gb", "0")).build());
        assertThat(zero.getPodRejection()).contains("asks for 0 slices");
        PreFilterResponse notOffered = stub.preFilter(PreFilterRequest.newBuilder().setPod(pod("u1", "mig.das.com/7g.80gb", "1")).build());
        assertThat(notOffered.getPodRejection()).startsWith("no GPU in this cluster offers MIG profile '7g.80gb'");
    }
}
