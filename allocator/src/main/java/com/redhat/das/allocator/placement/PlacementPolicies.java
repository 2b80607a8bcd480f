package com.redhat.das.allocator.placement;

import java.util.List;
import java.util.Locale;

/** The placement policies by configuration name. */
public final class PlacementPolicies {

    /** The policy used when none is configured. */
    public static final String DEFAULT = PackedPolicy.NAME;

    /** Valid names, the default first. */
    public static final List<String> NAMES = List.of(PackedPolicy.NAME, ReferencePolicy.NAME);

    private PlacementPolicies() {
    }

    /**
     * The policy called {@code name} ({@value PackedPolicy#NAME} or {@value ReferencePolicy#NAME}, case-insensitive);
     * null or blank means the default, {@value PackedPolicy#NAME}.
     *
     * @throws IllegalArgumentException for any other name, listing the valid ones
     */
    public static PlacementPolicy byName(String name) {
        String key = name == null || name.isBlank() ? DEFAULT : name.strip().toLowerCase(Locale.ROOT);
        return switch (key) {
            case PackedPolicy.NAME -> new PackedPolicy();
            case ReferencePolicy.NAME -> new ReferencePolicy();
            default -> throw new IllegalArgumentException(
                    "unknown placement policy '" + name + "'; valid policies: " + String.join(", ", NAMES)
                            + " (default " + DEFAULT + ")");
        };
    }
}
