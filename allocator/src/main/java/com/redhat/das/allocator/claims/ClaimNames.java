package com.redhat.das.allocator.claims;

import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.mig.ResourceNames;

/**
 * Claim names are derived from the pod and the slice, never random: a PreBind retried after a crash writes the same
 * names, so it finds its earlier claims instead of creating duplicates.
 */
public final class ClaimNames {

    private ClaimNames() {
    }

    /** {@code <pod uid>-<container>-<profile>-<index>}, e.g. {@code 6f1c…-main-1g.5gb-plus-me-0}. */
    public static String of(String podUid, SliceDemand slice) {
        String profile = ResourceNames.resourceName(slice.profile()).substring(ResourceNames.DAS_PREFIX.length());
        return (podUid + "-" + slice.container() + "-" + profile + "-" + slice.index()).toLowerCase(java.util.Locale.ROOT);
    }
}
