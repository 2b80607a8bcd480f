package com.redhat.das.testbed.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Run in a separate JVM by {@link ManagedProcessTest}: starts a child, reports its pid, then waits to be killed. */
public final class OrphanProbe {

    private OrphanProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path log = dir.resolve("sleep.log");
        ManagedProcess.ensureLog(log);
        ManagedProcess child = ManagedProcess.start("sleep", List.of("sleep", "300"), dir, log, Map.of());
        Path pidFile = dir.resolve("child.pid");
        Files.writeString(dir.resolve("child.pid.tmp"), Long.toString(child.pid()));
        Files.move(dir.resolve("child.pid.tmp"), pidFile);
        Thread.sleep(300_000);
    }
}
