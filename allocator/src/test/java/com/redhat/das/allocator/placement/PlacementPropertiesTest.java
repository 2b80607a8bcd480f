package com.redhat.das.allocator.placement;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.Slice;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacedInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Random place/release sequences on every catalog model (and two made-up models that take the general code paths),
 * with both policies. The rules are checked from the slices
 * themselves, not through GpuLayout, and a brute-force search decides whether a pod could have been placed.
 */
class PlacementPropertiesTest {

    private static final List<GpuModel> MODELS = Nodes.ALL_MODELS;

    /** Either a pod to place (profile indexes, taken modulo the model's profile count) or a pod to release. */
    record Step(boolean release, List<Integer> profiles, int pick) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> place = Arbitraries.integers().between(0, 1000).list().ofMinSize(1).ofMaxSize(3)
                .map(p -> new Step(false, p, 0));
        Arbitrary<Step> release = Arbitraries.integers().between(0, 1000).map(i -> new Step(true, List.of(), i));
        return Arbitraries.frequencyOf(Tuple.of(3, place), Tuple.of(1, release)).list().ofMinSize(1).ofMaxSize(25);
    }

    @Provide
    Arbitrary<GpuModel> models() {
        return Arbitraries.of(MODELS);
    }

    @Property(tries = 200)
    void placementsKeepEveryRuleAndPackedFindsEveryJointPlacement(@ForAll @IntRange(min = 1, max = 4) int gpuCount,
                                                                  @ForAll("steps") List<Step> steps) {
        // Every model in every try, so that no model depends on the random choice.
        for (GpuModel model : MODELS) {
            for (String name : PlacementPolicies.NAMES) {
                run(PlacementPolicies.byName(name), model, gpuCount, steps);
            }
        }
    }

    private static void run(PlacementPolicy policy, GpuModel model, int gpuCount, List<Step> steps) {
        NodeState node = Nodes.node(model, gpuCount);
        List<PodDemand> pods = new ArrayList<>();
        for (Step step : steps) {
            if (step.release()) {
                if (!pods.isEmpty()) {
                    node = release(node, pods.remove(step.pick() % pods.size()));
                    assertRulesHold(node);
                }
                continue;
            }
            PodDemand pod = demand(model, step.profiles());
            Optional<List<SlicePlacement>> placement = policy.place(node, pod);
            boolean possible = BruteForce.exists(node, pod);
            String context = policy.name() + " on " + model.name() + " " + node.gpus().stream()
                    .map(g -> g.layout().toString()).toList() + " for " + pod.countsByProfile();
            if (policy instanceof PackedPolicy) {
                assertThat(placement.isPresent()).as("packed places exactly when a joint placement exists: %s", context)
                        .isEqualTo(possible);
            } else if (placement.isPresent()) {
                assertThat(possible).as("brute force agrees: %s", context).isTrue();
            }
            if (placement.isEmpty()) {
                assertThat(policy.explain(node, pod)).as(context).isNotBlank().doesNotContain("\n");
                continue;
            }
            assertCoversThePod(node, pod, placement.get(), context);
            assertThat(policy.score(node, pod, placement.get())).as(context).isBetween(0L, 100L);
            node = Nodes.apply(node, pod, placement.get());
            assertRulesHold(node);
            pods.add(pod);
        }
    }

    @Property(tries = 150)
    void sameInputGivesTheSameOutput(@ForAll("models") GpuModel model, @ForAll @IntRange(min = 1, max = 4) int gpuCount,
                                     @ForAll("steps") List<Step> history,
                                     @ForAll List<@IntRange(min = 0, max = 1000) Integer> demandProfiles) {
        NodeState node = build(model, gpuCount, history);
        // The same slices on fresh objects, added in reverse order: equal state, different identities.
        NodeState copy = rebuilt(node);
        PodDemand pod = demand(model, demandProfiles.isEmpty() ? List.of(0) : demandProfiles.subList(0,
                Math.min(3, demandProfiles.size())));
        for (String name : PlacementPolicies.NAMES) {
            PlacementPolicy policy = PlacementPolicies.byName(name);
            Optional<List<SlicePlacement>> first = policy.place(node, pod);
            assertThat(PlacementPolicies.byName(name).place(node, pod)).isEqualTo(first);
            assertThat(policy.place(copy, pod)).isEqualTo(first);
            if (first.isPresent()) {
                long score = policy.score(node, pod, first.get());
                assertThat(policy.score(copy, pod, first.get())).isEqualTo(score);
            } else {
                assertThat(policy.explain(copy, pod)).isEqualTo(policy.explain(node, pod));
            }
        }
    }

    @Property(tries = 200)
    void theSingleSlicePathChoosesWhatTheJointSearchChooses(@ForAll("models") GpuModel model,
                                                            @ForAll @IntRange(min = 1, max = 8) int gpuCount,
                                                            @ForAll("steps") List<Step> history,
                                                            @ForAll @IntRange(min = 0, max = 1000) int profile) {
        NodeState node = build(model, gpuCount, history);
        PodDemand pod = demand(model, List.of(profile));
        assertThat(new PackedPolicy().place(node, pod)).isEqualTo(PackedPolicy.placeJointly(node, pod.slices()));
    }

    /** A node after the history's steps, placed with the packed policy (steps that do not fit are skipped). */
    private static NodeState build(GpuModel model, int gpuCount, List<Step> history) {
        PlacementPolicy packed = new PackedPolicy();
        NodeState node = Nodes.node(model, gpuCount);
        List<PodDemand> pods = new ArrayList<>();
        for (Step step : history) {
            if (step.release()) {
                if (!pods.isEmpty()) {
                    node = release(node, pods.remove(step.pick() % pods.size()));
                }
                continue;
            }
            PodDemand pod = demand(model, step.profiles());
            Optional<List<SlicePlacement>> placement = packed.place(node, pod);
            if (placement.isPresent()) {
                node = Nodes.apply(node, pod, placement.get());
                pods.add(pod);
            }
        }
        return node;
    }

    private static NodeState rebuilt(NodeState node) {
        List<GpuState> gpus = new ArrayList<>();
        for (GpuState gpu : node.gpus()) {
            GpuState fresh = GpuState.empty(gpu.uuid(), gpu.node(), gpu.index(), gpu.model());
            for (Slice slice : gpu.slices().reversed()) {
                fresh = fresh.with(slice);
            }
            gpus.add(fresh);
        }
        return new NodeState(node.name(), gpus, node.version() + 1000);
    }

    private static PodDemand demand(GpuModel model, List<Integer> profileIndexes) {
        List<String> names = model.profileNames();
        String[] profiles = profileIndexes.stream().map(i -> names.get(i % names.size())).toArray(String[]::new);
        return Nodes.pod(profiles);
    }

    private static NodeState release(NodeState node, PodDemand pod) {
        List<GpuState> gpus = new ArrayList<>();
        for (GpuState gpu : node.gpus()) {
            GpuState kept = gpu;
            for (Slice slice : gpu.slices()) {
                if (slice.podUid().equals(pod.uid())) {
                    kept = kept.without(slice.claimName());
                }
            }
            gpus.add(kept);
        }
        return new NodeState(node.name(), gpus, node.version() + 1);
    }

    /** Every slice of the pod exactly once, with its profile, on a GPU that offers it. */
    private static void assertCoversThePod(NodeState node, PodDemand pod, List<SlicePlacement> placements, String context) {
        assertThat(placements).extracting(SlicePlacement::demand).as(context)
                .containsExactlyInAnyOrderElementsOf(pod.slices());
        for (SlicePlacement p : placements) {
            GpuState gpu = node.gpu(p.gpuUuid()).orElseThrow();
            assertThat(p.profile().name()).as(context).isEqualTo(p.demand().profile());
            assertThat(gpu.model().hasProfile(p.profile())).as(context).isTrue();
        }
    }

    /** The placement rules, recomputed from each GPU's slices. */
    private static void assertRulesHold(NodeState node) {
        for (GpuState gpu : node.gpus()) {
            List<PlacedInstance> instances = gpu.slices().stream().map(Slice::instance).toList();
            assertThat(BruteForce.violation(gpu.model(), instances)).as("%s: %s", gpu.uuid(), instances).isNull();
            assertThat(gpu.layout().instances()).containsExactlyInAnyOrderElementsOf(instances);
        }
    }

    /** An independent, exhaustive check of whether slices fit, for small cases. */
    static final class BruteForce {

        private BruteForce() {
        }

        /** Whether some assignment of (GPU, start) to every slice of the pod keeps every rule. */
        static boolean exists(NodeState node, PodDemand pod) {
            List<String> profiles = pod.slices().stream().map(SliceDemand::profile).sorted().toList();
            List<List<PlacedInstance>> perGpu = new ArrayList<>();
            for (GpuState gpu : node.gpus()) {
                perGpu.add(new ArrayList<>(gpu.slices().stream().map(Slice::instance).toList()));
            }
            return search(node, profiles, 0, perGpu, -1, -1);
        }

        private static boolean search(NodeState node, List<String> profiles, int next, List<List<PlacedInstance>> perGpu,
                                      int previousGpu, int previousStart) {
            if (next == profiles.size()) {
                return true;
            }
            boolean sameAsPrevious = next > 0 && profiles.get(next).equals(profiles.get(next - 1));
            for (int g = 0; g < node.gpus().size(); g++) {
                GpuModel model = node.gpus().get(g).model();
                Optional<MigProfile> profile = model.profile(profiles.get(next));
                if (profile.isEmpty()) {
                    continue;
                }
                for (int start : profile.get().starts()) {
                    // Equal slices in ascending (GPU, start) order: every other order is the same placement.
                    if (sameAsPrevious && (g < previousGpu || (g == previousGpu && start <= previousStart))) {
                        continue;
                    }
                    List<PlacedInstance> instances = perGpu.get(g);
                    instances.add(new PlacedInstance(profile.get(), start));
                    boolean found = violation(model, instances) == null
                            && search(node, profiles, next + 1, perGpu, g, start);
                    instances.removeLast();
                    if (found) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** The first broken rule of a GPU's instances, or null. */
        static String violation(GpuModel model, List<PlacedInstance> instances) {
            long occupied = 0;
            int compute = 0;
            int media = 0;
            Map<String, Integer> counts = new HashMap<>();
            for (PlacedInstance i : instances) {
                MigProfile p = i.profile();
                if (!model.hasProfile(p)) {
                    return "profile " + p.name() + " is not one of " + model.name() + "'s";
                }
                if (!p.starts().contains(i.start())) {
                    return i + " starts where " + p.name() + " may not";
                }
                if (i.start() + p.memorySlices() > model.totalMemorySlices()) {
                    return i + " ends beyond the GPU's memory";
                }
                for (int slot = i.start(); slot < i.start() + p.memorySlices(); slot++) {
                    if ((occupied & (1L << slot)) != 0) {
                        return i + " overlaps memory slot " + slot;
                    }
                    occupied |= 1L << slot;
                }
                compute += p.computeSlices();
                media += p.mediaExtensions() ? 1 : 0;
                if (counts.merge(p.name(), 1, Integer::sum) > p.maxInstances()) {
                    return "more than " + p.maxInstances() + " " + p.name();
                }
            }
            if (compute > model.totalComputeSlices()) {
                return "compute " + compute + " > " + model.totalComputeSlices();
            }
            if (media > 1) {
                return media + " media-extension instances";
            }
            if (instances.size() > model.maxGpuInstances()) {
                return instances.size() + " GPU instances";
            }
            return null;
        }
    }
}
