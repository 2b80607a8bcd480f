package com.redhat.das.features.steps;

import com.redhat.das.features.cluster.EmbeddedCluster;
import io.cucumber.java.AfterAll;
import io.cucumber.java.BeforeAll;

/** One embedded cluster for the whole run: starting it costs seconds, scenarios isolate themselves by name. */
public final class SharedCluster {

    private static EmbeddedCluster cluster;

    @BeforeAll
    public static void startCluster() {
        cluster = EmbeddedCluster.start(EmbeddedCluster.Options.defaults());
        cluster.startAllocator("packed");
    }

    @AfterAll
    public static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    static EmbeddedCluster get() {
        if (cluster == null) {
            throw new IllegalStateException("the embedded cluster is not running");
        }
        return cluster;
    }
}
