package com.redhat.das.api.mig;

import java.util.Objects;

/**
 * A GPU instance of {@code profile} that starts at memory slice {@code start}: one entry of a GPU's layout.
 *
 * @param profile the GPU-instance profile
 * @param start   first memory slice; whether the profile allows it is checked by {@link PlacementRules}
 */
public record PlacedInstance(MigProfile profile, int start) {

    public PlacedInstance {
        Objects.requireNonNull(profile, "profile");
        if (start < 0) {
            throw new IllegalArgumentException("start must be >= 0, got " + start);
        }
    }

    /** Convenience for tests and fixtures: the named profile of {@code model} at {@code start}. */
    public static PlacedInstance of(GpuModel model, String profileName, int start) {
        return new PlacedInstance(model.requireProfile(profileName), start);
    }

    public Placement placement() {
        return profile.placementAt(start);
    }

    @Override
    public String toString() {
        return profile.name() + "@" + start;
    }
}
