package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.mig.MigProfile;

/**
 * Where one demanded slice goes on a node.
 *
 * @param demand  the slice
 * @param gpuUuid the GPU
 * @param profile the GPU model's profile for the demand's profile name
 * @param start   first memory slice
 */
public record SlicePlacement(SliceDemand demand, String gpuUuid, MigProfile profile, int start) {
}
