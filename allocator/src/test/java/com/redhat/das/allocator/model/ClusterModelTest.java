package com.redhat.das.allocator.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.ClusterModel.ReservedSlice;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.api.v1alpha1.PodReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterModelTest {

    private static final GpuModel A100 = MigCatalog.bundled().requireModel("A100-40GB");

    private final MutableClock clock = new MutableClock();
    private final ClusterModel model = new ClusterModel(clock, Duration.ofSeconds(60), Duration.ofSeconds(300));

    static NodeAccelerator accelerator(String node, int gpus) {
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(new ObjectMetaBuilder().withName(node).withNamespace("das-operator").build());
        na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true,
                java.util.stream.IntStream.range(0, gpus).mapToObj(i -> GpuInventory.of(A100, "GPU-" + node + "-" + i, i, "A100", 40960)).toList()));
        return na;
    }

    static AllocationClaim claim(String name, String node, String gpu, String profile, int start, String podUid) {
        AllocationClaim c = new AllocationClaim();
        c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("das-operator").build());
        c.setSpec(new AllocationClaimSpec(profile, PodReference.pod("ns", "p-" + podUid, podUid), "main", gpu, node,
                new MigPlacement(start, A100.requireProfile(profile).memorySlices())));
        return c;
    }

    private ReservedSlice reserved(String claim, String gpu, String profile, int start, String podUid) {
        return new ReservedSlice(gpu, new Slice(claim, podUid, "ns/p", "main", PlacedInstance.of(A100, profile, start), true));
    }

    @Test
    void claimsOccupyTheirGpuOnceTheNodeIsKnownWhateverTheEventOrder() {
        model.upsertClaim(claim("c1", "n1", "GPU-n1-0", "3g.20gb", 4, "u1"));
        assertThat(model.node("n1")).isEmpty();
        model.upsertNodeAccelerator(accelerator("n1", 2));
        GpuState gpu = model.node("n1").orElseThrow().gpu("GPU-n1-0").orElseThrow();
        assertThat(gpu.layout().occupiedMemorySlices()).isEqualTo(0b1111_0000L);
        assertThat(gpu.slices()).extracting(Slice::claimName).containsExactly("c1");
        model.removeClaim("c1");
        assertThat(model.node("n1").orElseThrow().gpu("GPU-n1-0").orElseThrow().isEmpty()).isTrue();
    }

    @Test
    void anAssumedSliceIsReplacedByItsClaimNotCountedTwice() {
        model.upsertNodeAccelerator(accelerator("n1", 1));
        long version = model.node("n1").orElseThrow().version();
        assertThat(model.reserve("u1", "ns/p", "n1", version, List.of(reserved("c1", "GPU-n1-0", "1g.5gb", 6, "u1")))).isPresent();
        assertThat(model.node("n1").orElseThrow().gpus().getFirst().slices()).singleElement().satisfies(s -> assertThat(s.assumed()).isTrue());

        model.markBound("u1");
        model.upsertClaim(claim("c1", "n1", "GPU-n1-0", "1g.5gb", 6, "u1"));

        GpuState gpu = model.node("n1").orElseThrow().gpus().getFirst();
        assertThat(gpu.slices()).singleElement().satisfies(s -> assertThat(s.assumed()).isFalse());
        assertThat(gpu.layout().usedComputeSlices()).isEqualTo(1);
    }

    @Test
    void aBoundReservationEndsWithItsClaimsAndDoesNotOutliveThem() {
        model.upsertNodeAccelerator(accelerator("n1", 1));
        model.reserve("u1", "ns/p", "n1", model.node("n1").orElseThrow().version(), List.of(reserved("c1", "GPU-n1-0", "7g.40gb", 0, "u1")));
        model.markBound("u1");
        model.upsertClaim(claim("c1", "n1", "GPU-n1-0", "7g.40gb", 0, "u1"));
        assertThat(model.reservation("u1")).isEmpty();

        model.removeClaim("c1");

        assertThat(model.node("n1").orElseThrow().usedComputeSlices()).isZero();
    }

    @Test
    void aReservationComputedOnAnOldVersionIsRefused() {
        model.upsertNodeAccelerator(accelerator("n1", 1));
        long stale = model.node("n1").orElseThrow().version();
        model.upsertClaim(claim("c0", "n1", "GPU-n1-0", "1g.5gb", 6, "u0"));
        assertThat(model.reserve("u1", "ns/p", "n1", stale, List.of(reserved("c1", "GPU-n1-0", "1g.5gb", 6, "u1")))).isEmpty();
        assertThat(model.reservation("u1")).isEmpty();
    }

    @Test
    void unreservedAndExpiredReservationsFreeTheirSlots() {
        model.upsertNodeAccelerator(accelerator("n1", 1));
        model.reserve("u1", "ns/a", "n1", model.node("n1").orElseThrow().version(), List.of(reserved("c1", "GPU-n1-0", "4g.20gb", 0, "u1")));
        model.reserve("u2", "ns/b", "n1", model.node("n1").orElseThrow().version(), List.of(reserved("c2", "GPU-n1-0", "3g.20gb", 4, "u2")));
        assertThat(model.node("n1").orElseThrow().usedComputeSlices()).isEqualTo(7);

        model.unreserve("u1");
        assertThat(model.node("n1").orElseThrow().usedComputeSlices()).isEqualTo(3);

        clock.advance(Duration.ofSeconds(61));
        assertThat(model.expireReservations()).extracting(ClusterModel.Reservation::podUid).containsExactly("u2");
        assertThat(model.node("n1").orElseThrow().usedComputeSlices()).isZero();
    }

    @Test
    void aConflictingClaimIsNotAllowedToCorruptTheLayout() {
        model.upsertNodeAccelerator(accelerator("n1", 1));
        model.upsertClaim(claim("c1", "n1", "GPU-n1-0", "4g.20gb", 0, "u1"));
        model.upsertClaim(claim("c2", "n1", "GPU-n1-0", "2g.10gb", 2, "u2"));
        GpuState gpu = model.node("n1").orElseThrow().gpus().getFirst();
        assertThat(gpu.slices()).extracting(Slice::claimName).containsExactly("c1");
    }

    @Test
    void offeredProfilesFollowTheInventories() {
        assertThat(model.offeredProfiles()).isEmpty();
        model.upsertNodeAccelerator(accelerator("n1", 1));
        assertThat(model.offeredProfiles()).contains("1g.5gb", "7g.40gb", "1g.5gb+me");
        model.removeNodeAccelerator("n1");
        assertThat(model.offeredProfiles()).isEmpty();
        assertThat(model.nodes()).isEmpty();
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
