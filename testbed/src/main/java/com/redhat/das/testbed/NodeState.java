package com.redhat.das.testbed;

import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import java.util.List;

/**
 * What exists on one emulated node, read from the node itself rather than from the API: the MIG slices on its
 * emulated GPUs and the CDI specs in its spec directory.
 */
public record NodeState(String node, List<MigSlice> slices, List<CdiSpecDirectory.StoredSpec> cdiSpecs) {

    public NodeState {
        slices = List.copyOf(slices);
        cdiSpecs = List.copyOf(cdiSpecs);
    }
}
