package com.redhat.das.demo;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT), SIGTERM, and the end of the process that started the demo all stop it in order: nodes, webhook,
 * control plane, so that nothing is left behind. A JVM's default reaction, running shutdown hooks all at once,
 * would stop the API server while the node daemons still talk to it, and they would wait on retries.
 *
 * <p>Under Maven the demo's parent is the Maven JVM, which dies at once on Ctrl-C; if it is killed instead, the demo
 * would otherwise wait for a Ctrl-C nobody can send any more. A second Ctrl-C quits at once: the control plane's
 * processes still die with this JVM (they run under {@code setpriv --pdeathsig}), and the next start removes the
 * directories left behind.
 *
 * <p>{@code sun.misc.Signal} (module jdk.unsupported, kept for exactly this use) is the only way to replace the JVM's
 * reaction to SIGINT; javac warns about it on every build.
 */
final class StopRequests {

    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicInteger signals = new AtomicInteger();

    /**
     * @param stop     stops everything; runs once, on a thread of its own
     * @param exitCode the JVM's exit code once stopped, asked when stopping starts
     */
    void install(Runnable stop, IntSupplier exitCode) {
        Runnable stopThenExit = () -> {
            if (stopping.compareAndSet(false, true)) {
                Thread.ofPlatform().name("das-demo-stop").start(() -> {
                    int code = exitCode.getAsInt();
                    stop.run();
                    System.exit(code);
                });
            }
        };
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (signals.incrementAndGet() > 1) {
                        Runtime.getRuntime().halt(130);
                    }
                    stopThenExit.run();
                });
            } catch (IllegalArgumentException e) {
                // the signal does not exist here, or the JVM reserves it; the shutdown hooks remain
            }
        }
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(stopThenExit));
    }

    /** Whether a stop is under way; the demo's main thread then leaves the exit to it. */
    boolean stopping() {
        return stopping.get();
    }
}
