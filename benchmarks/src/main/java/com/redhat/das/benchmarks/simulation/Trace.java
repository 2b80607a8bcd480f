package com.redhat.das.benchmarks.simulation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A workload: requests in arrival order, each for a profile of the cluster's model.
 *
 * <p><b>Offered load</b> is the compute the requests ask for over the time they arrive in, as a share of the
 * cluster's compute slices: {@code Σ computeSlices × duration / (total compute slices × (last arrival − first
 * arrival))}. At 1.0 the cluster would be exactly busy if slices could be packed perfectly; MIG cannot always do that
 * (two {@code 3g} fill all 8 memory slices with 6 of 7 compute slices), which is what the policies are compared on.
 *
 * @param name     what the trace is, for reports
 * @param requests in arrival order, ids 0..n-1
 */
public record Trace(String name, List<Request> requests) {

    public Trace {
        List<Request> sorted = new ArrayList<>(requests);
        sorted.sort(Comparator.comparingDouble(Request::arrival).thenComparingInt(Request::id));
        for (int i = 0; i < sorted.size(); i++) {
            Request r = sorted.get(i);
            if (r.id() != i) {
                sorted.set(i, new Request(i, r.arrival(), r.duration(), r.profile()));
            }
        }
        requests = List.copyOf(sorted);
    }

    /** Seconds between the first and the last arrival. */
    public double arrivalSpan() {
        return requests.isEmpty() ? 0 : requests.getLast().arrival() - requests.getFirst().arrival();
    }

    /** The offered load on {@code cluster} (see the class comment); 0 for fewer than two arrival instants. */
    public double offeredLoad(ClusterSpec cluster) {
        double span = arrivalSpan();
        if (span <= 0) {
            return 0;
        }
        double work = 0;
        for (Request r : requests) {
            work += cluster.profile(r.profile()).computeSlices() * r.duration();
        }
        return work / (cluster.totalComputeSlices() * span);
    }

    /**
     * The same requests with the gaps between arrivals stretched or compressed so that the offered load on
     * {@code cluster} is {@code target}. Durations and the order of arrivals do not change, so traces scaled to
     * different loads differ only in how busy the cluster is.
     */
    public Trace scaledToLoad(ClusterSpec cluster, double target) {
        if (!(target > 0)) {
            throw new IllegalArgumentException("target load must be positive, got " + target);
        }
        double current = offeredLoad(cluster);
        if (current <= 0) {
            throw new IllegalArgumentException("trace " + name + " has no arrival span to scale");
        }
        double factor = current / target;
        double first = requests.getFirst().arrival();
        List<Request> scaled = requests.stream()
                .map(r -> new Request(r.id(), first + (r.arrival() - first) * factor, r.duration(), r.profile()))
                .toList();
        return new Trace(name, scaled);
    }
}
