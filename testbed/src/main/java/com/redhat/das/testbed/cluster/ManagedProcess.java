package com.redhat.das.testbed.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A child process of the harness (etcd, kube-apiserver, ...) whose output goes to a log file and which never outlives
 * the JVM.
 *
 * <p>A JVM that is killed cannot run shutdown hooks, so every child is started through {@code setpriv --pdeathsig
 * KILL}: the kernel kills it when its parent goes. The kernel ties that signal to the <em>thread</em> that forked the
 * child, so all children are forked by one platform thread that lives as long as the JVM.
 */
public final class ManagedProcess {

    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "das-process-launcher");
        t.setDaemon(true);
        return t;
    });
    private static final Path SETPRIV = Stream.of("/usr/bin/setpriv", "/bin/setpriv")
            .map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);

    private final String name;
    private final Process process;
    private final Path log;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public static ManagedProcess start(String name, List<String> command, Path workDir, Path log, Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        if (SETPRIV != null) {
            argv.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        try {
            Process p = LAUNCHER.submit(pb::start).get(30, TimeUnit.SECONDS);
            return new ManagedProcess(name, p, log);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out starting " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    /** The exit code; only meaningful once the process has ended. */
    public int exitCode() {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** The last lines of the log, for error messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL after the grace period; children of the process go too. */
    public void stop(long graceSeconds) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /** SIGKILL at once, as a crash would. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void ensureLog(Path log) {
        try {
            Files.createDirectories(log.getParent());
            Files.deleteIfExists(log);
            Files.createFile(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
