package com.redhat.das.api.mig;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/** Shared test data: catalog models, profiles by NVML role, and small synthetic models. */
final class MigFixtures {

    /** The models with 8 memory slices and 7 compute slices, which all share one layout. */
    static final List<String> EIGHT_SLICE_MODELS = List.of(
            "A100-40GB", "A100-80GB", "H100-80GB", "H100-94GB", "H100-96GB", "H200-141GB", "B200-180GB",
            "GB200-186GB");

    // NVML_GPU_INSTANCE_PROFILE_* values: the role of a profile, independent of its per-model name and id.
    static final int ONE_SLICE = 0;
    static final int TWO_SLICE = 1;
    static final int THREE_SLICE = 2;
    static final int FOUR_SLICE = 3;
    static final int SEVEN_SLICE = 4;
    static final int ONE_SLICE_MEDIA = 7;
    static final int TWO_SLICE_MEDIA = 8;
    static final int ONE_SLICE_DOUBLE_MEMORY = 9;

    private MigFixtures() {
    }

    static MigCatalog catalog() {
        return MigCatalog.bundled();
    }

    static GpuModel model(String name) {
        return catalog().requireModel(name);
    }

    /** The model's profile with the given NVML GPU-instance profile constant value. */
    static MigProfile byRole(GpuModel model, int nvmlGiConstantValue) {
        return model.profiles().stream()
                .filter(p -> p.nvmlGiConstant().value() == nvmlGiConstantValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError(model.name() + " has no profile with constant "
                        + nvmlGiConstantValue));
    }

    static PlacedInstance at(GpuModel model, int nvmlGiConstantValue, int start) {
        return new PlacedInstance(byRole(model, nvmlGiConstantValue), start);
    }

    static List<PlacedInstance> each(GpuModel model, int nvmlGiConstantValue, int... starts) {
        List<PlacedInstance> result = new ArrayList<>();
        for (int start : starts) {
            result.add(at(model, nvmlGiConstantValue, start));
        }
        return result;
    }

    @SafeVarargs
    static List<PlacedInstance> layout(List<PlacedInstance>... parts) {
        List<PlacedInstance> result = new ArrayList<>();
        for (List<PlacedInstance> part : parts) {
            result.addAll(part);
        }
        return result;
    }

    static MigProfile syntheticProfile(String name, int computeSlices, int memorySlices, List<Integer> starts,
            int maxInstances, boolean mediaExtensions) {
        return new MigProfile(name, 100 + computeSlices * 10 + memorySlices,
                new NvmlConstant("NVML_GPU_INSTANCE_PROFILE_TEST", 0),
                new NvmlConstant("NVML_COMPUTE_INSTANCE_PROFILE_TEST", 0),
                computeSlices, memorySlices, starts, maxInstances, mediaExtensions, false, List.of(), null, null);
    }

    static List<Integer> range(int fromInclusive, int toExclusive) {
        return IntStream.range(fromInclusive, toExclusive).boxed().toList();
    }

    /**
     * 8 memory slices but only 3 compute slices and at most 3 GPU instances, so memory-disjoint layouts can break
     * the compute and instance-count rules (no catalog model can).
     */
    static GpuModel tightSyntheticModel() {
        return new GpuModel("synthetic-8m-3c", 8, 3, 3, List.of(
                syntheticProfile("1g.1gb", 1, 1, range(0, 8), 8, false),
                syntheticProfile("1g.1gb+me", 1, 1, range(0, 8), 2, true),
                syntheticProfile("2g.2gb", 2, 2, List.of(0, 2, 4, 6), 4, false),
                syntheticProfile("1g.2gb", 1, 2, List.of(0, 2, 4, 6), 2, false)), false);
    }
}
