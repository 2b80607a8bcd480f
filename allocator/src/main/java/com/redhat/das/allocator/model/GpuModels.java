package com.redhat.das.allocator.model;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.NvmlConstant;
import com.redhat.das.api.mig.PlacementRules;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.api.v1alpha1.MigPlacement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPU models as node daemons publish them. The inventory, not the catalog, is the truth: it is what NVML reported on
 * that GPU. Equal inventories share one {@link PlacementRules}, so a cluster of thousands of identical GPUs keeps one
 * set of precomputed masks.
 */
public final class GpuModels {

    private final Map<GpuModel, PlacementRules> rules = new ConcurrentHashMap<>();

    /** The placement rules of a published GPU. */
    public PlacementRules rulesOf(GpuInventory gpu) {
        return rules.computeIfAbsent(modelOf(gpu), PlacementRules::of);
    }

    static GpuModel modelOf(GpuInventory gpu) {
        List<MigProfile> profiles = gpu.profiles() == null ? List.of() : gpu.profiles().stream()
                .filter(p -> p.placements() != null && !p.placements().isEmpty()).map(GpuModels::profileOf).toList();
        String name = gpu.model() != null && !gpu.model().isBlank() ? gpu.model() : gpu.productName();
        return new GpuModel(name, gpu.memorySlices(), gpu.computeSlices(), Math.max(1, gpu.maxGpuInstances()), profiles, true);
    }

    private static MigProfile profileOf(GpuProfile p) {
        List<Integer> starts = p.placements() == null ? List.of()
                : p.placements().stream().map(MigPlacement::start).distinct().sorted().toList();
        return new MigProfile(p.name(), p.giProfileId(),
                new NvmlConstant("NVML_GPU_INSTANCE_PROFILE(" + p.giProfileConstant() + ")", p.giProfileConstant()),
                new NvmlConstant("NVML_COMPUTE_INSTANCE_PROFILE(" + p.ciProfileId() + ")", p.ciProfileId()),
                p.computeSlices(), p.memorySlices(), starts, Math.max(1, p.maxInstances()), p.mediaExtensions(), true,
                List.of(), p.memoryMiB(), null);
    }
}
