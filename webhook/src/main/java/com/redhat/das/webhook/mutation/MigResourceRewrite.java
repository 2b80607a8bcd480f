package com.redhat.das.webhook.mutation;

import com.redhat.das.api.mig.ResourceNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Renames NVIDIA device-plugin MIG resources to DAS resources ({@code nvidia.com/mig-1g.5gb} →
 * {@code mig.das.com/1g.5gb}). Only {@code nvidia.com/mig-*} is touched: the reference rewrote every
 * {@code nvidia.com/*} resource, which made whole-GPU ({@code nvidia.com/gpu}) pods unschedulable.
 */
public final class MigResourceRewrite {

    private MigResourceRewrite() {
    }

    /** The DAS name for an NVIDIA MIG resource name, or empty when the name is not one. */
    public static Optional<String> dasName(String resourceName) {
        if (!ResourceNames.isNvidiaMigResource(resourceName)) {
            return Optional.empty();
        }
        return ResourceNames.profileName(resourceName).map(ResourceNames::resourceName);
    }

    /** A copy of {@code resources} with MIG resources renamed; order and every other entry kept. */
    public static <Q> Map<String, Q> rename(Map<String, Q> resources) {
        Map<String, Q> out = new LinkedHashMap<>();
        resources.forEach((name, quantity) -> out.put(dasName(name).orElse(name), quantity));
        return out;
    }
}
