package com.redhat.das.demo;

import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.cluster.EmbeddedWebhook;
import com.redhat.das.testbed.node.EmulatedGpuNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * Everything the demo started, stopped in reverse order by {@link #close()}: the emulated nodes (kubelet stand-ins
 * and node daemons, with their directories), then the webhook, then the control plane (its processes and directory).
 * Ctrl-C closes the session from another thread while the demo may still be starting things; whatever starts after
 * that is stopped at once.
 */
final class DemoSession implements AutoCloseable {

    private final PrintStream out;
    private EmbeddedCluster cluster;
    private EmbeddedWebhook webhook;
    private final List<EmulatedGpuNode> nodes = new ArrayList<>();
    private boolean closed;

    DemoSession(PrintStream out) {
        this.out = out;
    }

    synchronized EmbeddedCluster cluster(EmbeddedCluster started) {
        refuseWhenClosed(started);
        cluster = started;
        return started;
    }

    synchronized EmbeddedWebhook webhook(EmbeddedWebhook started) {
        refuseWhenClosed(started);
        webhook = started;
        return started;
    }

    synchronized EmulatedGpuNode node(EmulatedGpuNode started) {
        refuseWhenClosed(started);
        nodes.add(started);
        return started;
    }

    synchronized EmbeddedCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the control plane is not running");
        }
        return cluster;
    }

    synchronized boolean closed() {
        return closed;
    }

    private void refuseWhenClosed(AutoCloseable started) {
        if (closed) {
            closeQuietly(started, "a component started while stopping");
            throw new CancellationException("the demo is stopping");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<EmulatedGpuNode> reversed = new ArrayList<>(nodes);
        Collections.reverse(reversed);
        for (EmulatedGpuNode node : reversed) {
            closeQuietly(node, "node " + node.name());
        }
        closeQuietly(webhook, "the admission webhook");
        closeQuietly(cluster, "the control plane");
    }

    private void closeQuietly(AutoCloseable component, String what) {
        if (component == null) {
            return;
        }
        try {
            component.close();
        } catch (Exception e) {
            // Stopping goes on: the rest still has to stop, and the processes die with this JVM anyway.
            out.println("Could not stop " + what + " cleanly: " + e.getMessage());
        }
    }
}
