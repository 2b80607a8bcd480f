package com.redhat.das.benchmarks.simulation;

import java.util.Objects;

/**
 * One pod of a trace: it arrives, asks for one MIG slice, and holds it for {@code duration} seconds once placed.
 *
 * @param id       position in the trace, from 0
 * @param arrival  seconds from the start of the trace
 * @param duration seconds the slice is held
 * @param profile  MIG profile name of the cluster's model
 */
public record Request(int id, double arrival, double duration, String profile) {

    public Request {
        Objects.requireNonNull(profile, "profile");
        if (!(arrival >= 0) || !(duration > 0) || Double.isInfinite(arrival) || Double.isInfinite(duration)) {
            throw new IllegalArgumentException("request " + id + ": arrival must be >= 0 and duration > 0 (finite), got "
                    + arrival + " and " + duration);
        }
    }
}
