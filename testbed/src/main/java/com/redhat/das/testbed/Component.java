package com.redhat.das.testbed;

import com.redhat.das.testbed.cluster.EmbeddedCluster;

/** A part of the test bed that can be killed and restarted by name. */
public sealed interface Component permits Component.ControlPlane, Component.NodeDaemon {

    /** The control plane's processes, each one managed by {@link EmbeddedCluster}. */
    enum ControlPlane implements Component {
        ETCD(EmbeddedCluster.ETCD),
        KUBE_APISERVER(EmbeddedCluster.KUBE_APISERVER),
        KUBE_CONTROLLER_MANAGER(EmbeddedCluster.KUBE_CONTROLLER_MANAGER),
        DAS_SCHEDULER(EmbeddedCluster.SCHEDULER_NAME),
        DAS_ALLOCATOR(EmbeddedCluster.ALLOCATOR);

        private final String process;

        ControlPlane(String process) {
            this.process = process;
        }

        /** The process's name in {@link EmbeddedCluster} and in the log directory. */
        public String process() {
            return process;
        }

        @Override
        public String toString() {
            return process;
        }
    }

    /** The node daemon of one emulated node, in its own JVM. */
    record NodeDaemon(String node) implements Component {
        @Override
        public String toString() {
            return "das-node/" + node;
        }
    }

    static Component nodeDaemon(String node) {
        return new NodeDaemon(node);
    }
}
