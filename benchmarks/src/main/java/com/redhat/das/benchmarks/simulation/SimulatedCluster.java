package com.redhat.das.benchmarks.simulation;

/**
 * A cluster under one placement policy, as the simulator drives it: requests come and go, and the simulator reads
 * how full and how fragmented the GPUs are between events. Implementations are not thread-safe; one per run.
 */
interface SimulatedCluster {

    /** The policy's name in reports. */
    String policy();

    /**
     * Whether a request for {@code profile} could be placed on the empty cluster. A request that never could is
     * turned away at once instead of waiting forever (static partitions without a {@code 7g} instance never host a
     * {@code 7g}).
     */
    boolean admits(String profile);

    /** Places the request's slice now if the policy finds room; the slice stays until {@link #release}. */
    boolean place(Request request);

    /** Frees the slice of a placed request. */
    void release(Request request);

    /** MIG slices created so far: one per placement, plus every slice a repack moved to another GPU. */
    long slicesCreated();

    int usedComputeSlices();

    int usedMemorySlices();

    /**
     * Free memory slices on GPUs where no instance of {@code profile} can be placed now: capacity that exists but
     * cannot serve that request.
     */
    int freeMemorySlicesUnableToHost(String profile);

    /** Search outcomes the repack bound could not decide within its budget (0 for every other policy). */
    default long undecided() {
        return 0;
    }
}
