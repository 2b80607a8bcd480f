package com.redhat.das.features.steps;

import com.redhat.das.testbed.cluster.EmbeddedCluster;
import io.cucumber.java.AfterAll;
import io.cucumber.java.BeforeAll;

/** One embedded cluster for the whole run: starting it costs seconds, scenarios isolate themselves by name. */
public final class SharedCluster {

    private static EmbeddedCluster cluster;
    private static AdmissionWebhookUnderTest webhook;

    @BeforeAll
    public static void startCluster() {
        cluster = EmbeddedCluster.start(EmbeddedCluster.Options.defaults());
        cluster.startAllocator("packed");
        // Every scenario runs with the webhook in the path of pod creation, as in a real installation.
        webhook = AdmissionWebhookUnderTest.startAndRegister(cluster);
    }

    @AfterAll
    public static void stopCluster() {
        if (webhook != null) {
            webhook.close();
            webhook = null;
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    static AdmissionWebhookUnderTest webhook() {
        if (webhook == null) {
            throw new IllegalStateException("the admission webhook is not running");
        }
        return webhook;
    }

    static EmbeddedCluster get() {
        if (cluster == null) {
            throw new IllegalStateException("the embedded cluster is not running");
        }
        return cluster;
    }
}
