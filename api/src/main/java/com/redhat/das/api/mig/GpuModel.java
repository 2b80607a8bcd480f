package com.redhat.das.api.mig;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A MIG-capable GPU model: its slice budgets and the GPU-instance profiles it offers.
 *
 * <p>The bundled {@link MigCatalog} provides one per known model; the node daemon can build one from what NVML reports
 * on the actual GPU (which is authoritative when the two differ). Nothing here refers to the catalog file.
 *
 * @param name               model name, e.g. {@code "A100-40GB"}
 * @param totalMemorySlices  memory slices (placement slots): 8 on A100/H100/H200/B200, 4 on A30
 * @param totalComputeSlices compute (SM) slices: 7, or 4 on A30
 * @param maxGpuInstances    most GPU instances the GPU holds at once
 * @param profiles           the profiles, names unique within the model
 * @param documented         true when NVIDIA's MIG user guide documents this model's profiles
 */
public record GpuModel(
        String name,
        int totalMemorySlices,
        int totalComputeSlices,
        int maxGpuInstances,
        List<MigProfile> profiles,
        boolean documented) {

    public GpuModel {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("model name must not be blank");
        }
        if (totalMemorySlices < 1 || totalMemorySlices > Placement.MAX_MEMORY_SLICES) {
            throw new IllegalArgumentException(name + ": totalMemorySlices out of range: " + totalMemorySlices);
        }
        if (totalComputeSlices < 1) {
            throw new IllegalArgumentException(name + ": totalComputeSlices must be >= 1, got " + totalComputeSlices);
        }
        if (maxGpuInstances < 1) {
            throw new IllegalArgumentException(name + ": maxGpuInstances must be >= 1, got " + maxGpuInstances);
        }
        profiles = List.copyOf(profiles);
        Set<String> names = new HashSet<>();
        for (MigProfile profile : profiles) {
            if (!names.add(profile.name())) {
                throw new IllegalArgumentException(name + ": duplicate profile " + profile.name());
            }
            int lastStart = profile.starts().getLast();
            if (lastStart + profile.memorySlices() > totalMemorySlices) {
                throw new IllegalArgumentException(name + ": " + profile.name() + " at start " + lastStart
                        + " would end beyond memory slice " + (totalMemorySlices - 1));
            }
            if (profile.computeSlices() > totalComputeSlices) {
                throw new IllegalArgumentException(name + ": " + profile.name() + " needs " + profile.computeSlices()
                        + " compute slices, the GPU has " + totalComputeSlices);
            }
        }
    }

    /** The profile of this model with the given name (names are exact, e.g. {@code "1g.5gb+me"}). */
    public Optional<MigProfile> profile(String profileName) {
        for (MigProfile profile : profiles) {
            if (profile.name().equals(profileName)) {
                return Optional.of(profile);
            }
        }
        return Optional.empty();
    }

    /** Like {@link #profile(String)}, failing with a message naming the model's profiles. */
    public MigProfile requireProfile(String profileName) {
        return profile(profileName).orElseThrow(() -> new IllegalArgumentException(
                name + " has no MIG profile " + profileName + "; it has " + profileNames()));
    }

    /** The profile with the given NVML GPU-instance profile id (ids are per model). */
    public Optional<MigProfile> profileById(int giProfileId) {
        for (MigProfile profile : profiles) {
            if (profile.giProfileId() == giProfileId) {
                return Optional.of(profile);
            }
        }
        return Optional.empty();
    }

    public List<String> profileNames() {
        return profiles.stream().map(MigProfile::name).toList();
    }

    /** Whether {@code profile} is one of this model's profiles (same data, not merely the same name). */
    public boolean hasProfile(MigProfile profile) {
        for (MigProfile own : profiles) {
            if (own == profile || own.equals(profile)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + "(" + totalMemorySlices + "m/" + totalComputeSlices + "c, " + profiles.size() + " profiles)";
    }
}
