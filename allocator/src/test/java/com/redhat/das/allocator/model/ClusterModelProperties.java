package com.redhat.das.allocator.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.ClusterModel.ReservedSlice;
import com.redhat.das.allocator.placement.PlacementPolicies;
import com.redhat.das.allocator.placement.PlacementPolicy;
import com.redhat.das.allocator.placement.SlicePlacement;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.mig.Placement;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.AllocationClaimSpec;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.api.v1alpha1.PodReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random lives of a cluster, on every catalog model: pods are reserved (placed by a policy), bound (their claims
 * arrive through the informer path), released (claims deleted) or abandoned (unreserved, or left to expire). Whatever
 * the order, no slice outlives its pod, no GPU ever holds overlapping slices, more compute than it has, two media-extension slices, or more
 * instances of a profile than the profile allows. Checked from the slices themselves, not through GpuLayout.
 */
class ClusterModelProperties {

    enum Step { RESERVE, BIND, RELEASE, UNRESERVE, EXPIRE }

    @Provide
    Arbitrary<String> models() {
        return Arbitraries.of(MigCatalog.bundled().models().stream().map(GpuModel::name).toList());
    }

    @Provide
    Arbitrary<List<Step>> lives() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.just(Step.RESERVE)),
                net.jqwik.api.Tuple.of(4, Arbitraries.just(Step.BIND)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Step.RELEASE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Step.UNRESERVE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Step.EXPIRE))).list().ofMinSize(5).ofMaxSize(60);
    }

    @Property(tries = 150)
    void noLifeBreaksTheRules(@ForAll("models") String modelName, @ForAll("lives") List<Step> life,
                              @ForAll("policies") String policyName, @ForAll long seed) {
        GpuModel model = MigCatalog.bundled().requireModel(modelName);
        PlacementPolicy policy = PlacementPolicies.byName(policyName);
        ClusterModelTest.MutableClock clock = new ClusterModelTest.MutableClock();
        ClusterModel cluster = new ClusterModel(clock, Duration.ofSeconds(60), Duration.ofSeconds(300));
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(new ObjectMetaBuilder().withName("n").withNamespace("das-operator").build());
        na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true,
                IntStream.range(0, 2).mapToObj(i -> GpuInventory.of(model, "GPU-" + i, i, modelName, 0)).toList()));
        cluster.upsertNodeAccelerator(na);

        java.util.Random random = new java.util.Random(seed);
        List<String> reserved = new ArrayList<>();
        List<String> bound = new ArrayList<>();
        Map<String, List<ReservedSlice>> slicesOf = new HashMap<>();
        int pods = 0;
        for (Step step : life) {
            switch (step) {
                case RESERVE -> {
                    String uid = "u" + (pods++);
                    List<SliceDemand> demand = new ArrayList<>();
                    int n = 1 + random.nextInt(2);
                    for (int i = 0; i < n; i++) {
                        MigProfile p = model.profiles().get(random.nextInt(model.profiles().size()));
                        demand.add(new SliceDemand("c" + i, p.name(), 0));
                    }
                    NodeState node = cluster.node("n").orElseThrow();
                    Optional<List<SlicePlacement>> placed = policy.place(node, new PodDemand("ns", uid, uid, demand));
                    if (placed.isPresent()) {
                        List<ReservedSlice> slices = placed.get().stream().map(p -> new ReservedSlice(p.gpuUuid(),
                                new Slice(uid + "-" + p.demand().container(), uid, "ns/" + uid, p.demand().container(),
                                        new PlacedInstance(p.profile(), p.start()), true))).toList();
                        assertThat(cluster.reserve(uid, "ns/" + uid, "n", node.version(), slices)).isPresent();
                        reserved.add(uid);
                        slicesOf.put(uid, slices);
                    }
                }
                case BIND -> pick(reserved, random).ifPresent(uid -> {
                    reserved.remove(uid);
                    cluster.markBound(uid);
                    slicesOf.get(uid).forEach(s -> cluster.upsertClaim(claim(s, "n")));
                    bound.add(uid);
                });
                case RELEASE -> pick(bound, random).ifPresent(uid -> {
                    bound.remove(uid);
                    slicesOf.get(uid).forEach(s -> cluster.removeClaim(s.slice().claimName()));
                });
                case UNRESERVE -> pick(reserved, random).ifPresent(uid -> {
                    reserved.remove(uid);
                    cluster.unreserve(uid);
                });
                case EXPIRE -> {
                    clock.advance(Duration.ofSeconds(61));
                    cluster.expireReservations().forEach(r -> reserved.remove(r.podUid()));
                }
            }
            cluster.node("n").orElseThrow().gpus().forEach(g -> assertRules(model, g));
            // nothing leaks: every slice belongs to a pod that is reserved or bound right now
            java.util.Set<String> live = new java.util.HashSet<>(reserved);
            live.addAll(bound);
            cluster.node("n").orElseThrow().gpus().forEach(g -> g.slices().forEach(sl ->
                    assertThat(live).as("owner of %s", sl.claimName()).contains(sl.podUid())));
        }
    }

    @Provide
    Arbitrary<String> policies() {
        return Arbitraries.of("packed", "reference");
    }

    private static void assertRules(GpuModel model, GpuState gpu) {
        long occupied = 0;
        int compute = 0;
        int media = 0;
        Map<String, Integer> perProfile = new HashMap<>();
        for (Slice s : gpu.slices()) {
            PlacedInstance i = s.instance();
            assertThat(i.profile().starts()).as("start of %s", i).contains(i.start());
            long mask = new Placement(i.start(), i.profile().memorySlices()).mask();
            assertThat(occupied & mask).as("overlap at %s on %s", i, gpu.uuid()).isZero();
            occupied |= mask;
            compute += i.profile().computeSlices();
            media += i.profile().mediaExtensions() ? 1 : 0;
            perProfile.merge(i.profile().name(), 1, Integer::sum);
        }
        assertThat(compute).isLessThanOrEqualTo(model.totalComputeSlices());
        assertThat(media).isLessThanOrEqualTo(1);
        perProfile.forEach((p, n) -> assertThat(n).isLessThanOrEqualTo(model.requireProfile(p).maxInstances()));
        assertThat(gpu.slices().size()).isLessThanOrEqualTo(model.maxGpuInstances());
    }

    private static AllocationClaim claim(ReservedSlice s, String node) {
        AllocationClaim c = new AllocationClaim();
        c.setMetadata(new ObjectMetaBuilder().withName(s.slice().claimName()).withNamespace("das-operator").build());
        c.setSpec(new AllocationClaimSpec(s.slice().instance().profile().name(), PodReference.pod("ns", s.slice().podUid(), s.slice().podUid()),
                s.slice().container(), s.gpuUuid(), node, new MigPlacement(s.slice().instance().start(), s.slice().instance().profile().memorySlices())));
        return c;
    }

    private static Optional<String> pick(List<String> from, java.util.Random random) {
        return from.isEmpty() ? Optional.empty() : Optional.of(from.get(random.nextInt(from.size())));
    }
}
