package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.Slice;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.NvmlConstant;
import com.redhat.das.api.mig.PlacedInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Test fixtures: nodes of catalog GPUs, slices on them, pods. */
final class Nodes {

    static final GpuModel A100 = model("A100-40GB");
    static final GpuModel H100 = model("H100-80GB");
    static final GpuModel A30 = model("A30-24GB");

    /**
     * Made-up models that take the policies' general path: on the first the compute budget, the GPU-instance limit
     * and an instance limit bind before memory does; the second has too many memory slices for lookup tables.
     */
    static final List<GpuModel> SYNTHETIC = List.of(
            new GpuModel("Tight-8", 8, 4, 3, List.of(
                    profile("1g.t", 1, 1, List.of(0, 1, 2, 3, 4, 5, 6, 7), 8, false),
                    profile("1g.t+me", 1, 1, List.of(0, 1, 2, 3, 4, 5, 6, 7), 1, true),
                    profile("2g.t", 2, 2, List.of(0, 2, 4, 6), 2, false),
                    profile("4g.t", 4, 4, List.of(0, 4), 1, false)), false),
            new GpuModel("Wide-16", 16, 8, 8, List.of(
                    profile("1g.w", 1, 2, List.of(0, 2, 4, 6, 8, 10, 12, 14), 8, false),
                    profile("1g.w+me", 1, 2, List.of(0, 2, 4, 6, 8, 10, 12, 14), 1, true),
                    profile("2g.w", 2, 4, List.of(0, 4, 8, 12), 4, false),
                    profile("4g.w", 4, 8, List.of(0, 8), 2, false),
                    profile("8g.w", 8, 16, List.of(0), 1, false)), false));

    /** Every catalog model and the synthetic ones. */
    static final List<GpuModel> ALL_MODELS = java.util.stream.Stream.concat(MigCatalog.bundled().models().stream(),
            SYNTHETIC.stream()).toList();

    private static final AtomicLong CLAIMS = new AtomicLong();
    private static final AtomicLong PODS = new AtomicLong();

    private Nodes() {
    }

    private static MigProfile profile(String name, int compute, int memory, List<Integer> starts, int max,
                                      boolean media) {
        int id = compute * 10 + memory + (media ? 100 : 0);
        return new MigProfile(name, id, new NvmlConstant("GI_" + id, id), new NvmlConstant("CI_" + compute, compute),
                compute, memory, starts, max, media, false, List.of(), null, null);
    }

    static GpuModel model(String name) {
        return MigCatalog.bundled().requireModel(name);
    }

    /** UUIDs that differ in the first 8 characters, as messages shorten them: GPU-0f2a…, GPU-1f2a…. */
    static String uuid(String node, int index) {
        return "GPU-" + Integer.toHexString(index) + "f2a" + Math.abs(node.hashCode() % 10) + "c1-7d0e-4b6a-9e3f-000" + index;
    }

    static NodeState node(String name, GpuModel model, int gpus) {
        List<GpuState> list = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            list.add(GpuState.empty(uuid(name, i), name, i, model));
        }
        return new NodeState(name, list, 1);
    }

    static NodeState node(GpuModel model, int gpus) {
        return node("node-a", model, gpus);
    }

    /** The node with one more slice of {@code profile} at {@code start} on GPU {@code gpu}, held by a pod of its own. */
    static NodeState with(NodeState node, int gpu, String profile, int start) {
        String pod = "existing-" + PODS.incrementAndGet();
        return with(node, gpu, profile, start, pod);
    }

    static NodeState with(NodeState node, int gpu, String profile, int start, String podUid) {
        List<GpuState> gpus = new ArrayList<>(node.gpus());
        GpuState state = gpus.get(gpu);
        Slice slice = new Slice("claim-" + CLAIMS.incrementAndGet(), podUid, "ns/" + podUid, "main",
                PlacedInstance.of(state.model(), profile, start), false);
        gpus.set(gpu, state.with(slice));
        return new NodeState(node.name(), gpus, node.version() + 1);
    }

    /** The node after the pod got {@code placements}. */
    static NodeState apply(NodeState node, PodDemand pod, List<SlicePlacement> placements) {
        List<GpuState> gpus = new ArrayList<>(node.gpus());
        for (SlicePlacement p : placements) {
            for (int g = 0; g < gpus.size(); g++) {
                GpuState state = gpus.get(g);
                if (state.uuid().equals(p.gpuUuid())) {
                    Slice slice = new Slice(pod.uid() + "-" + p.demand().container() + "-" + p.demand().index(),
                            pod.uid(), pod.displayName(), p.demand().container(), new PlacedInstance(p.profile(), p.start()),
                            true);
                    gpus.set(g, state.with(slice));
                }
            }
        }
        return new NodeState(node.name(), gpus, node.version() + 1);
    }

    /** A pod with one container per slice, named c0, c1, ... in the given order. */
    static PodDemand pod(String... profiles) {
        List<SliceDemand> slices = new ArrayList<>();
        for (int i = 0; i < profiles.length; i++) {
            slices.add(new SliceDemand("c" + i, profiles[i], 0));
        }
        String uid = "pod-" + PODS.incrementAndGet();
        return new PodDemand("ns", uid, uid, slices);
    }

    static int gpuIndex(NodeState node, String uuid) {
        for (int g = 0; g < node.gpus().size(); g++) {
            if (node.gpus().get(g).uuid().equals(uuid)) {
                return g;
            }
        }
        throw new IllegalArgumentException(uuid);
    }

    /** A placement as "gpu:profile@start", for readable assertions. */
    static String describe(NodeState node, SlicePlacement p) {
        return gpuIndex(node, p.gpuUuid()) + ":" + p.profile().name() + "@" + p.start();
    }

    static List<String> describe(NodeState node, List<SlicePlacement> placements) {
        return placements.stream().map(p -> describe(node, p)).toList();
    }
}
