package com.redhat.das.benchmarks.simulation;

/**
 * What one simulation run measured, over its measurement window (from the first arrival after the warm-up to the last
 * arrival).
 *
 * @param policy              placement policy
 * @param queue               how requests that find no room are handled
 * @param requests            requests that arrived in the window
 * @param placedOnArrival     of those, placed at the instant they arrived
 * @param turnedAway          of those, for a profile the policy can never place (counted as not placed)
 * @param largeRequests       requests in the window for more than half a GPU ({@code 4g}, {@code 7g})
 * @param largePlacedOnArrival of those, placed on arrival
 * @param meanWaitS           mean seconds from arrival to placement ({@link Simulation.Queue#FIFO}; NaN otherwise)
 * @param p95WaitS            95th percentile of the same (NaN unless FIFO)
 * @param computeUtilization  time-average share of the cluster's compute slices in use
 * @param memoryUtilization   time-average share of its memory slices in use
 * @param fragmentation       share of the free memory slices (integrated over time) that sit on GPUs unable to host
 *                            the largest pending profile (see {@link Simulation})
 * @param placements          slices placed during the window (on arrival or from the queue)
 * @param slicesCreated       MIG slices created during the window
 * @param undecided           arrivals the repack search could not decide within its budget
 * @param series              utilization over the whole run, for plots
 */
public record RunResult(String policy, Simulation.Queue queue, int requests, int placedOnArrival, int turnedAway,
                        int largeRequests, int largePlacedOnArrival,
                        double meanWaitS, double p95WaitS, double computeUtilization, double memoryUtilization,
                        double fragmentation, long placements, long slicesCreated, long undecided,
                        UtilizationSeries series) {

    public double placedShare() {
        return requests == 0 ? 0 : (double) placedOnArrival / requests;
    }

    /** Share of the large requests placed on arrival; NaN when there were none. */
    public double largePlacedShare() {
        return largeRequests == 0 ? Double.NaN : (double) largePlacedOnArrival / largeRequests;
    }

    public double creationsPerPlacement() {
        return placements == 0 ? 0 : (double) slicesCreated / placements;
    }

    /**
     * Compute and memory slices in use, sampled at evenly spaced times.
     *
     * @param times   seconds
     * @param compute share of compute slices in use
     * @param memory  share of memory slices in use
     */
    public record UtilizationSeries(double[] times, double[] compute, double[] memory) {
    }
}
