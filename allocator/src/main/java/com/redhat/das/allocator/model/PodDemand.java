package com.redhat.das.allocator.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Every slice one pod needs, placed jointly: all or none.
 *
 * @param namespace pod namespace
 * @param name      pod name
 * @param uid       pod uid
 * @param slices    one entry per slice, in a deterministic order (containers as in the pod, then profile name)
 */
public record PodDemand(String namespace, String name, String uid, List<SliceDemand> slices) {

    public PodDemand {
        Objects.requireNonNull(uid, "uid");
        slices = List.copyOf(slices);
    }

    /** Slices per profile, sorted by profile name; the key placement results are memoised under. */
    public Map<String, Integer> countsByProfile() {
        Map<String, Integer> counts = new TreeMap<>();
        slices.forEach(s -> counts.merge(s.profile(), 1, Integer::sum));
        return counts;
    }

    public String displayName() {
        return namespace + "/" + name;
    }
}
