package com.redhat.das.allocator.model;

import java.util.Objects;

/**
 * One MIG slice a pod needs: a profile name for one container. A container asking for {@code mig.das.com/1g.5gb: 2}
 * yields two demands with indexes 0 and 1.
 *
 * @param container the container that will see the slice
 * @param profile   MIG profile name, e.g. {@code 3g.20gb} or {@code 1g.5gb+me}
 * @param index     position among this container's slices (names the claim)
 */
public record SliceDemand(String container, String profile, int index) {
    public SliceDemand {
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(profile, "profile");
    }
}
