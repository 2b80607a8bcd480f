package com.redhat.das.operator.install;

import com.redhat.das.api.v1alpha1.DASOperatorSpec;
import java.util.Map;
import java.util.Objects;

/**
 * The container image of each component. Defaults come from the operator's environment ({@code RELATED_IMAGE_*}, the
 * names OLM rewrites to digests for disconnected installs); {@code spec.images} in the DASOperator overrides them.
 */
public record ComponentImages(String scheduler, String allocator, String node, String webhook) {

    public static final String SCHEDULER_ENV = "RELATED_IMAGE_SCHEDULER";
    public static final String ALLOCATOR_ENV = "RELATED_IMAGE_ALLOCATOR";
    public static final String NODE_ENV = "RELATED_IMAGE_NODE";
    public static final String WEBHOOK_ENV = "RELATED_IMAGE_WEBHOOK";

    public ComponentImages {
        Objects.requireNonNull(scheduler, "scheduler image");
        Objects.requireNonNull(allocator, "allocator image");
        Objects.requireNonNull(node, "node image");
        Objects.requireNonNull(webhook, "webhook image");
    }

    /**
     * @param fallbackPrefix used for a variable that is not set, e.g. {@code quay.io/das/} + {@code das-node:0.1.0}
     * @param fallbackTag    tag of the fallback names
     */
    public static ComponentImages fromEnvironment(Map<String, String> env, String fallbackPrefix, String fallbackTag) {
        return new ComponentImages(
                env.getOrDefault(SCHEDULER_ENV, fallbackPrefix + "das-scheduler:" + fallbackTag),
                env.getOrDefault(ALLOCATOR_ENV, fallbackPrefix + "das-allocator:" + fallbackTag),
                env.getOrDefault(NODE_ENV, fallbackPrefix + "das-node:" + fallbackTag),
                env.getOrDefault(WEBHOOK_ENV, fallbackPrefix + "das-webhook:" + fallbackTag));
    }

    /** These images with the non-blank fields of {@code overrides} in their place. */
    public ComponentImages overriddenBy(DASOperatorSpec.Images overrides) {
        if (overrides == null) {
            return this;
        }
        return new ComponentImages(pick(overrides.scheduler(), scheduler), pick(overrides.allocator(), allocator),
                pick(overrides.node(), node), pick(overrides.webhook(), webhook));
    }

    private static String pick(String override, String fallback) {
        return override == null || override.isBlank() ? fallback : override;
    }
}
