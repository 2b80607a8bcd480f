package com.redhat.das.node.cdi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one container holds: its pod, and per profile the MIG devices made for it. One CDI spec file carries all of
 * it, so a container asking for two profiles sees every one of its slices.
 *
 * @param podUid    the pod's UID
 * @param namespace the pod's namespace
 * @param podName   the pod's name
 * @param container the container's name
 * @param slices    profile name → the MIG UUIDs of that profile's slices, in claim order
 * @param claims    the names of the AllocationClaims behind the slices
 */
public record ContainerSlices(String podUid, String namespace, String podName, String container,
                              Map<String, List<String>> slices, List<String> claims) {

    public ContainerSlices {
        Objects.requireNonNull(podUid, "podUid");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(podName, "podName");
        Objects.requireNonNull(container, "container");
        slices = Map.copyOf(slices);
        claims = List.copyOf(claims);
    }

    /** Every MIG UUID of the container, profiles in name order. */
    public List<String> allMigUuids() {
        return slices.keySet().stream().sorted().flatMap(p -> slices.get(p).stream()).toList();
    }
}
