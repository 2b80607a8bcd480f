package com.redhat.das.benchmarks.simulation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Discrete-event simulation of one trace on one {@link SimulatedCluster}: arrivals in trace order, departures from a
 * priority queue, simulated time only.
 *
 * <p>Two ways to treat a request that finds no room ({@link Queue}):
 * <ul>
 *   <li>{@link Queue#LOSS}: it is not placed and leaves. The share placed is then purely a property of the policy's
 *       placements: every request meets the cluster exactly as the earlier decisions left it, whatever the load,
 *       and the share stays meaningful above 100 % load.</li>
 *   <li>{@link Queue#FIFO}: it waits in one first-in-first-out queue. Strict head-of-line, no backfilling: a request
 *       that arrives while others wait joins the end of the queue without being tried, and after every departure
 *       the queue is retried from the head until the head does not fit. Requests still waiting after the last arrival
 *       are served as the cluster drains, so every wait is finite. Above 100 % load the queue grows for the whole
 *       trace and the mean wait reflects the trace's length as much as the policy.</li>
 * </ul>
 * In both, a request for a profile the policy can never place ({@link SimulatedCluster#admits}) is turned away at
 * once, rather than block a FIFO queue for ever. At equal times departures come before arrivals.
 *
 * <p>Measurements cover a window that starts at the first arrival after the warm-up share of the trace (the cluster
 * starts empty) and ends at the last arrival. Utilization is integrated over time; fragmentation is the free memory
 * slices on GPUs that cannot host the largest profile waiting (or, when none waits, the largest profile in the
 * trace that the policy can place at all), as a share of all free memory slices, both integrated over the window.
 */
public final class Simulation {

    public enum Queue { LOSS, FIFO }

    private record Departure(double time, long sequence, Request request) {
    }

    private final Trace trace;
    private final ClusterSpec spec;
    private final SimulatedCluster cluster;
    private final Queue queue;
    private final int firstMeasured;
    private final double windowStart;
    private final double windowEnd;
    private final String largestInTrace;

    private final PriorityQueue<Departure> departures =
            new PriorityQueue<>(Comparator.comparingDouble(Departure::time).thenComparingLong(Departure::sequence));
    private final Deque<Request> waiting = new ArrayDeque<>();
    private final Map<String, Integer> waitingByProfile = new TreeMap<>();
    private final List<Double> waits = new ArrayList<>();
    private long sequence;
    private double now;

    private int requests;
    private int placedOnArrival;
    private int turnedAway;
    private int largeRequests;
    private int largePlacedOnArrival;
    private long placements;
    private long placementsAtStart;
    private long createdAtStart;
    private long placementsAtEnd;
    private long createdAtEnd;
    private boolean windowStarted;
    private boolean windowEnded;

    private int usedCompute;
    private int usedMemory;
    private int unableToHost;
    private int freeMemory;
    private double computeIntegral;
    private double memoryIntegral;
    private double unableIntegral;
    private double freeIntegral;

    private final double[] sampleTimes;
    private final double[] sampledCompute;
    private final double[] sampledMemory;
    private int nextSample;

    private Simulation(Trace trace, ClusterSpec spec, SimulatedCluster cluster, Queue queue, double warmup, int samples) {
        if (trace.requests().size() < 2) {
            throw new IllegalArgumentException("trace " + trace.name() + " needs at least 2 requests");
        }
        if (!(warmup >= 0 && warmup < 1)) {
            throw new IllegalArgumentException("warm-up share must be in [0, 1), got " + warmup);
        }
        this.trace = trace;
        this.spec = spec;
        this.cluster = cluster;
        this.queue = queue;
        List<Request> all = trace.requests();
        firstMeasured = Math.min(all.size() - 1, (int) Math.floor(warmup * all.size()));
        windowStart = all.get(firstMeasured).arrival();
        windowEnd = all.getLast().arrival();
        // A profile the policy never admits never waits; the largest it does admit is what its free space is for.
        largestInTrace = all.stream().map(Request::profile).distinct().filter(cluster::admits)
                .reduce(this::larger).orElse(all.getFirst().profile());
        sampleTimes = new double[Math.max(2, samples)];
        for (int i = 0; i < sampleTimes.length; i++) {
            sampleTimes[i] = windowEnd * i / (sampleTimes.length - 1);
        }
        sampledCompute = new double[sampleTimes.length];
        sampledMemory = new double[sampleTimes.length];
    }

    /**
     * Runs {@code trace} on {@code cluster}.
     *
     * @param warmup  share of the trace's requests, from the start, left out of the measurements
     * @param samples points of the utilization series
     */
    static RunResult run(Trace trace, ClusterSpec spec, SimulatedCluster cluster, Queue queue, double warmup,
                         int samples) {
        return new Simulation(trace, spec, cluster, queue, warmup, samples).run();
    }

    private RunResult run() {
        observe();
        List<Request> all = trace.requests();
        int next = 0;
        while (next < all.size() || (queue == Queue.FIFO && !waiting.isEmpty())) {
            double arrival = next < all.size() ? all.get(next).arrival() : Double.POSITIVE_INFINITY;
            Departure departure = departures.peek();
            if (departure != null && departure.time() <= arrival) {
                advanceTo(departure.time());
                departures.poll();
                cluster.release(departure.request());
                if (queue == Queue.FIFO) {
                    serveQueue();
                }
            } else if (next < all.size()) {
                advanceTo(arrival);
                arrive(all.get(next++));
            } else {
                throw new IllegalStateException(cluster.policy() + ": " + waiting.size()
                        + " requests wait on an idle cluster; the head " + waiting.peek() + " can never be placed");
            }
            observe();
        }
        advanceTo(Math.max(now, windowEnd));
        endWindow();
        double window = windowEnd - windowStart;
        double[] sortedWaits = waits.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        boolean fifo = queue == Queue.FIFO;
        return new RunResult(cluster.policy(), queue, requests, placedOnArrival, turnedAway, largeRequests,
                largePlacedOnArrival,
                fifo ? Arrays.stream(sortedWaits).average().orElse(0) : Double.NaN,
                fifo ? percentile(sortedWaits, 0.95) : Double.NaN,
                window > 0 ? computeIntegral / (window * spec.totalComputeSlices()) : 0,
                window > 0 ? memoryIntegral / (window * spec.totalMemorySlices()) : 0,
                freeIntegral > 0 ? unableIntegral / freeIntegral : 0,
                placementsAtEnd - placementsAtStart, createdAtEnd - createdAtStart, cluster.undecided(),
                new RunResult.UtilizationSeries(sampleTimes, sampledCompute, sampledMemory));
    }

    private void arrive(Request request) {
        boolean measured = request.id() >= firstMeasured;
        boolean large = 2 * spec.profile(request.profile()).computeSlices() > spec.model().totalComputeSlices();
        if (measured) {
            requests++;
            largeRequests += large ? 1 : 0;
        }
        if (!cluster.admits(request.profile())) {
            if (measured) {
                turnedAway++;
            }
            return;
        }
        boolean mayTry = queue == Queue.LOSS || waiting.isEmpty();
        if (mayTry && cluster.place(request)) {
            if (measured) {
                placedOnArrival++;
                largePlacedOnArrival += large ? 1 : 0;
            }
            started(request);
        } else if (queue == Queue.FIFO) {
            waiting.addLast(request);
            waitingByProfile.merge(request.profile(), 1, Integer::sum);
        }
    }

    private void serveQueue() {
        while (!waiting.isEmpty() && cluster.place(waiting.peekFirst())) {
            Request request = waiting.pollFirst();
            waitingByProfile.merge(request.profile(), -1, Integer::sum);
            waitingByProfile.remove(request.profile(), 0);
            started(request);
        }
    }

    private void started(Request request) {
        placements++;
        if (request.id() >= firstMeasured) {
            waits.add(now - request.arrival());
        }
        departures.add(new Departure(now + request.duration(), sequence++, request));
    }

    /** Reads the cluster's state after an event; it holds until the next one. */
    private void observe() {
        usedCompute = cluster.usedComputeSlices();
        usedMemory = cluster.usedMemorySlices();
        if (usedCompute > spec.totalComputeSlices() || usedMemory > spec.totalMemorySlices() || usedCompute < 0
                || usedMemory < 0) {
            throw new IllegalStateException(cluster.policy() + " uses " + usedCompute + " compute and " + usedMemory
                    + " memory slices of " + spec.totalComputeSlices() + " and " + spec.totalMemorySlices());
        }
        freeMemory = spec.totalMemorySlices() - usedMemory;
        // Only the window's integral needs it, and it is the one scan over every GPU: skip it after the window.
        unableToHost = now <= windowEnd ? cluster.freeMemorySlicesUnableToHost(largestPending()) : 0;
    }

    private String largestPending() {
        String largest = null;
        for (String profile : waitingByProfile.keySet()) {
            largest = largest == null ? profile : larger(largest, profile);
        }
        return largest == null ? largestInTrace : largest;
    }

    /** The profile with more memory slices, then more compute slices; the first on a tie. */
    private String larger(String a, String b) {
        var pa = spec.profile(a);
        var pb = spec.profile(b);
        int byMemory = Integer.compare(pb.memorySlices(), pa.memorySlices());
        int byCompute = Integer.compare(pb.computeSlices(), pa.computeSlices());
        return byMemory > 0 || (byMemory == 0 && byCompute > 0) ? b : a;
    }

    /** Moves the clock to {@code time}: integrates the state held since {@link #now} and takes due samples. */
    private void advanceTo(double time) {
        while (nextSample < sampleTimes.length && sampleTimes[nextSample] < time) {
            sampledCompute[nextSample] = (double) usedCompute / spec.totalComputeSlices();
            sampledMemory[nextSample] = (double) usedMemory / spec.totalMemorySlices();
            nextSample++;
        }
        if (!windowStarted && time >= windowStart) {
            windowStarted = true;
            placementsAtStart = placements;
            createdAtStart = cluster.slicesCreated();
        }
        if (windowStarted && !windowEnded && time > windowEnd) {
            endWindow();
        }
        double from = Math.max(now, windowStart);
        double to = Math.min(time, windowEnd);
        if (to > from) {
            double dt = to - from;
            computeIntegral += usedCompute * dt;
            memoryIntegral += usedMemory * dt;
            unableIntegral += unableToHost * dt;
            freeIntegral += freeMemory * dt;
        }
        now = time;
    }

    private void endWindow() {
        if (!windowEnded) {
            windowEnded = true;
            placementsAtEnd = placements;
            createdAtEnd = cluster.slicesCreated();
        }
        while (nextSample < sampleTimes.length) {
            sampledCompute[nextSample] = (double) usedCompute / spec.totalComputeSlices();
            sampledMemory[nextSample] = (double) usedMemory / spec.totalMemorySlices();
            nextSample++;
        }
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
