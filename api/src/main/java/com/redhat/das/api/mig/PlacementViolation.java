package com.redhat.das.api.mig;

import java.util.Objects;

/**
 * Why a GPU instance cannot be part of a layout.
 *
 * @param reason   the rule that is broken
 * @param instance the instance that breaks it (the later one, when two instances conflict)
 * @param message  a sentence for logs, events and status conditions
 */
public record PlacementViolation(Reason reason, PlacedInstance instance, String message) {

    /** The placement rules, in the order they are checked for each instance. */
    public enum Reason {
        /** The profile is not one of the GPU model's profiles (e.g. taken from another model). */
        UNKNOWN_PROFILE,
        /** The profile cannot start at that memory slice (e.g. a 1g at slice 7, a 4g at slice 4). */
        START_NOT_ALLOWED,
        /** Its memory slices overlap those of another instance. */
        MEMORY_OVERLAP,
        /** More instances of the profile than its {@code maxInstances}. */
        MAX_INSTANCES,
        /** More than one media-extension ({@code +me}) instance on the GPU. */
        MEDIA_EXTENSIONS,
        /** More compute slices in use than the GPU has. */
        COMPUTE_BUDGET,
        /** More GPU instances than the GPU's {@code maxGpuInstances}. */
        GPU_INSTANCE_LIMIT
    }

    public PlacementViolation {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return reason + ": " + message;
    }
}
