package com.redhat.das.testbed.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The harness's promise: after close() no process and no directory of the cluster is left. */
class EmbeddedClusterLifecycleTest {

    @Test
    void closeLeavesNoProcessAndNoDirectory() throws Exception {
        EmbeddedCluster cluster = EmbeddedCluster.start(EmbeddedCluster.Options.defaults());
        Path dir = cluster.directory();
        List<Long> pids = cluster.processIds();
        assertThat(pids).hasSize(4);
        assertThat(cluster.client().getKubernetesVersion().getGitVersion()).isEqualTo(cluster.binaries().kubernetesVersion());
        assertThat(Files.readString(cluster.kubeconfig())).contains(cluster.apiServerUrl());

        cluster.close();

        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse());
        assertThat(dir).doesNotExist();
    }

    @Test
    void staleDirectoriesOfDeadJvmsAreRemoved(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        Path stale = Files.createDirectory(root.resolve("das-cluster-stale"));
        Files.writeString(stale.resolve("owner.pid"), "999999999");
        Path live = Files.createDirectory(root.resolve("das-cluster-live"));
        Files.writeString(live.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));

        EmbeddedCluster.removeStaleDirectories(root);

        assertThat(stale).doesNotExist();
        assertThat(live).exists();
    }
}
