package com.redhat.das.testbed.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTest {

    @Test
    void childDiesWhenTheJvmThatStartedItIsKilled(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OrphanProbe.class.getName(), dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("probe.log").toFile()).start();
        Path pidFile = dir.resolve("child.pid");
        await("child pid reported").atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile) || !jvm.isAlive());
        assertThat(jvm.isAlive()).as("probe JVM running; its log: %s", dir.resolve("probe.log")).isTrue();
        long childPid = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(ProcessHandle.of(childPid)).hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());

        jvm.destroyForcibly(); // SIGKILL: no shutdown hook runs
        jvm.waitFor();

        await("child of the killed JVM gone").atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE);
    }

    @Test
    void stopEndsTheProcessAndKeepsItsOutput(@TempDir Path dir) {
        Path log = dir.resolve("echo.log");
        ManagedProcess.ensureLog(log);
        ManagedProcess p = ManagedProcess.start("sh", List.of("sh", "-c", "echo started; exec sleep 300"), dir, log, Map.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> p.logTail(5).contains("started"));
        p.stop(5);
        assertThat(p.isAlive()).isFalse();
        assertThat(p.logTail(1)).isEqualTo("started");
    }
}
