package com.redhat.das.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The DASOperator's conditions, from what the workloads report and what the last reconciliation found.
 * {@code lastTransitionTime} moves only when a condition's status changes (the reference rewrote it on every sync,
 * so nobody could tell since when a component was down).
 */
public final class InstallationStatus {

    public static final String AVAILABLE = "Available";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";

    private InstallationStatus() {
    }

    /** What a reconciliation concluded besides the workloads' state. */
    public sealed interface Outcome {
        /** Everything applied. */
        record Applied() implements Outcome { }

        /** Something could not be applied or the spec cannot be; {@code reason} is a CamelCase condition reason. */
        record Failed(String reason, String message) implements Outcome { }

        /** {@code managementState: Unmanaged}: the operator leaves everything as it is. */
        record Unmanaged() implements Outcome { }

        /** {@code managementState: Removed}: the components were removed. */
        record Removed() implements Outcome { }
    }

    /** One workload's readiness in words, for the conditions' messages. */
    record Workload(String name, boolean present, boolean available, boolean rolling, String summary) {

        static Workload of(String name, Optional<Deployment> deployment) {
            if (deployment.isEmpty()) {
                return new Workload(name, false, false, false, name + " not created");
            }
            Deployment d = deployment.get();
            int desired = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            var s = d.getStatus();
            int available = s == null || s.getAvailableReplicas() == null ? 0 : s.getAvailableReplicas();
            int updated = s == null || s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas();
            long observed = s == null || s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
            long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
            boolean rolling = observed < generation || updated < desired || available < desired;
            return new Workload(name, true, available >= 1, rolling, name + " " + available + "/" + desired + " available");
        }

        static Workload ofDaemonSet(String name, Optional<DaemonSet> daemonSet) {
            if (daemonSet.isEmpty()) {
                return new Workload(name, false, false, false, name + " not created");
            }
            DaemonSet d = daemonSet.get();
            var s = d.getStatus();
            int desired = s == null || s.getDesiredNumberScheduled() == null ? 0 : s.getDesiredNumberScheduled();
            int available = s == null || s.getNumberAvailable() == null ? 0 : s.getNumberAvailable();
            int updated = s == null || s.getUpdatedNumberScheduled() == null ? 0 : s.getUpdatedNumberScheduled();
            long observed = s == null || s.getObservedGeneration() == null ? 0 : s.getObservedGeneration();
            long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
            boolean rolling = observed < generation || updated < desired || available < desired;
            String summary = desired == 0 ? name + " on no node (no node matches its node selector)"
                    : name + " " + available + "/" + desired + " nodes available";
            return new Workload(name, true, available == desired, rolling, summary);
        }
    }

    /**
     * @param previous   the conditions now in the DASOperator's status
     * @param generation the spec generation these conditions describe
     */
    static List<Condition> conditions(List<Condition> previous, Outcome outcome, List<Workload> workloads, long generation,
                                      Instant now) {
        String states = String.join("; ", workloads.stream().map(Workload::summary).toList());
        boolean allAvailable = workloads.stream().allMatch(Workload::available);
        boolean rolling = workloads.stream().anyMatch(w -> w.present() && w.rolling());
        List<Condition> next = new ArrayList<>();
        switch (outcome) {
            case Outcome.Unmanaged u -> {
                next.add(condition(AVAILABLE, allAvailable, allAvailable ? "AsExpected" : "ComponentsNotAvailable", states));
                next.add(condition(PROGRESSING, false, "Unmanaged", "managementState is Unmanaged: the operator leaves the components as they are"));
                next.add(condition(DEGRADED, false, "Unmanaged", "managementState is Unmanaged"));
            }
            case Outcome.Removed r -> {
                next.add(condition(AVAILABLE, false, "Removed", "managementState is Removed: the DAS components were removed"));
                next.add(condition(PROGRESSING, false, "Removed", "managementState is Removed"));
                next.add(condition(DEGRADED, false, "Removed", "managementState is Removed"));
            }
            case Outcome.Applied a -> {
                next.add(condition(AVAILABLE, allAvailable, allAvailable ? "AsExpected" : "ComponentsNotAvailable", states));
                next.add(condition(PROGRESSING, rolling, rolling ? "RollingOut" : "AsExpected", states));
                next.add(condition(DEGRADED, false, "AsExpected", "all components applied"));
            }
            case Outcome.Failed f -> {
                next.add(condition(AVAILABLE, allAvailable, allAvailable ? "AsExpected" : "ComponentsNotAvailable", states));
                next.add(condition(PROGRESSING, rolling, rolling ? "RollingOut" : "AsExpected", states));
                next.add(condition(DEGRADED, true, f.reason(), f.message()));
            }
        }
        for (Condition c : next) {
            c.setObservedGeneration(generation);
            Optional<Condition> before = previous == null ? Optional.empty()
                    : previous.stream().filter(p -> Objects.equals(p.getType(), c.getType())).findFirst();
            c.setLastTransitionTime(before.filter(p -> Objects.equals(p.getStatus(), c.getStatus()))
                    .map(Condition::getLastTransitionTime)
                    .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString()));
        }
        return next;
    }

    private static Condition condition(String type, boolean status, String reason, String message) {
        return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
                .withMessage(message).build();
    }
}
