package com.redhat.das.operator;

import com.redhat.das.operator.install.ComponentImages;
import com.redhat.das.operator.reconciler.DASOperatorReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The operator: the DASOperator controller on the Java Operator SDK, watching the one namespace DAS is installed in.
 * {@link Main} runs it in its pod; the acceptance suite runs it in-process against the embedded cluster.
 */
public final class OperatorProcess implements AutoCloseable {

    /** The lease that lets only one operator replica reconcile. */
    public static final String LEASE_NAME = "das-operator";

    /**
     * @param namespace      where the DASOperator and the components live
     * @param images         the components' images unless the DASOperator overrides them
     * @param leaderElection whether to take the lease before reconciling (off for a single in-process operator)
     */
    public record Settings(String namespace, ComponentImages images, boolean leaderElection) {
        public Settings {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(images, "images");
        }
    }

    private final Operator operator;

    private OperatorProcess(Operator operator) {
        this.operator = operator;
    }

    public static OperatorProcess start(KubernetesClient client, Settings settings) {
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client).withCloseClientOnStop(false)
                    .withReconciliationTerminationTimeout(Duration.ofSeconds(10));
            if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(LEASE_NAME, settings.namespace()));
            }
        });
        operator.register(new DASOperatorReconciler(settings.images(), Clock.systemUTC()),
                c -> c.settingNamespace(settings.namespace()));
        operator.start();
        return new OperatorProcess(operator);
    }

    /** Started, and every informer healthy. */
    public boolean ready() {
        var info = operator.getRuntimeInfo();
        return info.isStarted() && info.allEventSourcesAreHealthy();
    }


    @Override
    public void close() {
        operator.stop();
    }
}
