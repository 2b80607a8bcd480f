package com.redhat.das.benchmarks.soak;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.testbed.Component;
import com.redhat.das.testbed.Testbed;
import com.redhat.das.testbed.Testbed.GpuNodeSpec;
import com.redhat.das.testbed.cluster.SocketRelay;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills and restarts DAS's components at random (SIGKILL, never a graceful stop) and cuts the shim's connection to
 * the allocator, one fault at a time, and measures after each how long until the whole path serves again: a probe
 * pod created once the component is back must run with its slice.
 */
final class FaultInjector {

    enum Kind {
        ALLOCATOR_KILL("kill -9 of the allocator"),
        SCHEDULER_KILL("kill -9 of das-scheduler"),
        NODE_DAEMON_KILL("kill -9 of a node daemon"),
        APISERVER_KILL("kill -9 of the kube-apiserver"),
        SHIM_SOCKET_DROP("shim↔allocator socket cut");

        final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    /**
     * One injected fault.
     *
     * @param at            when it began, in milliseconds since the soak started
     * @param downtimeMs    how long the component stayed down before its restart began (0 for a socket cut)
     * @param restartMs     how long the restart took until the component served again
     * @param convergenceMs from the fault to a probe pod running with its slice; -1 when the probe never ran
     */
    record Fault(int n, Kind kind, String target, long at, long downtimeMs, long restartMs, long convergenceMs, String note) {
    }

    static final String PROBE = "probe";
    private static final Logger LOG = LoggerFactory.getLogger(FaultInjector.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofMinutes(3);

    private final Testbed bed;
    private final List<GpuNodeSpec> nodes;
    private final Random random;
    private final SoakPlan plan;
    private final Instant start;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Kind> bag = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger rejectedProbes = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean stopped;

    FaultInjector(Testbed bed, SoakPlan plan, Instant start) {
        this.bed = bed;
        this.nodes = plan.nodes();
        this.random = new Random(plan.seed() ^ 0x5eed_fa17L);
        this.plan = plan;
        this.start = start;
    }

    /** Injects faults until {@link #stop()}; each kind comes once per round, in a random order. */
    void run() {
        int n = 0;
        while (!stopped) {
            long gap = plan.faultGapMin().toMillis()
                    + (long) (random.nextDouble() * (plan.faultGapMax().toMillis() - plan.faultGapMin().toMillis()));
            if (!pause(gap)) {
                return;
            }
            if (bag.isEmpty()) {
                bag.addAll(Arrays.asList(Kind.values()));
                Collections.shuffle(bag, random);
            }
            Fault f = inject(++n, bag.removeFirst());
            faults.add(f);
            LOG.info("Fault {} {} on {}: down {} ms, restart {} ms, converged {} ms {}", f.n(), f.kind(), f.target(), f.downtimeMs(),
                    f.restartMs(), f.convergenceMs(), f.note());
        }
    }

    void stop() {
        stopped = true;
    }

    List<Fault> faults() {
        return List.copyOf(faults);
    }

    private Fault inject(int n, Kind kind) {
        Instant t0 = Instant.now();
        long downtime = kind == Kind.SHIM_SOCKET_DROP ? 0 : (long) (random.nextDouble() * plan.maxDowntime().toMillis());
        GpuNodeSpec probeNode = nodes.get(random.nextInt(nodes.size()));
        String target;
        String note = "";
        Instant restarted;
        switch (kind) {
            case SHIM_SOCKET_DROP -> {
                target = "shim↔allocator";
                SocketRelay.Drop drop = bed.dropShimConnections(Duration.ofSeconds(10));
                note = drop.connections() + " connection(s) cut" + (drop.midCall() ? " mid-call" : ", no call in flight");
                restarted = Instant.now();
            }
            case NODE_DAEMON_KILL -> {
                // The probe then runs on the node whose daemon died: the fault's own node must serve again.
                target = probeNode.name();
                restarted = killAndRestart(Component.nodeDaemon(probeNode.name()), downtime);
            }
            case ALLOCATOR_KILL -> {
                target = "das-allocator";
                restarted = killAndRestart(Component.ControlPlane.DAS_ALLOCATOR, downtime);
            }
            case SCHEDULER_KILL -> {
                target = "das-scheduler";
                restarted = killAndRestart(Component.ControlPlane.DAS_SCHEDULER, downtime);
            }
            case APISERVER_KILL -> {
                target = "kube-apiserver";
                restarted = killAndRestart(Component.ControlPlane.KUBE_APISERVER, downtime);
            }
            default -> throw new IllegalStateException(kind.name());
        }
        long restartMs = Duration.between(t0, restarted).toMillis() - downtime;
        long convergence = probe(n, kind == Kind.NODE_DAEMON_KILL ? probeNode : null, probeNode, t0);
        return new Fault(n, kind, target, Duration.between(start, t0).toMillis(), downtime, Math.max(0, restartMs), convergence, note);
    }

    private Instant killAndRestart(Component component, long downtimeMs) {
        bed.kill(component);
        pause(downtimeMs);
        bed.restart(component);
        return Instant.now();
    }

    /**
     * Creates a pod asking for the smallest profile of the node's model (pinned to that node when {@code pinTo} is
     * set) and waits until it runs, then deletes it. Returns the time from {@code since} to running.
     */
    private long probe(int n, GpuNodeSpec pinTo, GpuNodeSpec model, Instant since) {
        String name = "probe-" + n;
        MigProfile smallest = MigCatalog.bundled().requireModel(model.model()).profiles().stream().filter(p -> !p.mediaExtensions())
                .min(Comparator.comparingInt(MigProfile::memorySlices).thenComparingInt(MigProfile::computeSlices)).orElseThrow();
        PodSpec spec = ChurnWorkload.spec(new ChurnWorkload.Shape(smallest.name(), 1), "Never");
        spec.setNodeSelector(pinTo == null ? Map.of() : Map.of("kubernetes.io/hostname", pinTo.name()));
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(ChurnWorkload.NAMESPACE)
                .withLabels(Map.of(ChurnWorkload.ROLE_LABEL, PROBE)).endMetadata().withSpec(spec).build();
        Instant deadline = Instant.now().plus(PROBE_TIMEOUT);
        boolean created = false;
        long result = -1;
        int attempt = 0;
        while (Instant.now().isBefore(deadline) && !stoppedHard()) {
            try {
                if (!created) {
                    pod.getMetadata().setName(attempt == 0 ? name : name + "-retry-" + attempt);
                    bed.client().pods().inNamespace(ChurnWorkload.NAMESPACE).resource(pod).create();
                    created = true;
                }
                Pod now = bed.client().pods().inNamespace(ChurnWorkload.NAMESPACE).withName(pod.getMetadata().getName()).get();
                String phase = now == null || now.getStatus() == null ? null : now.getStatus().getPhase();
                if ("Running".equals(phase)) {
                    result = Duration.between(since, Instant.now()).toMillis();
                    break;
                }
                if ("Failed".equals(phase)) {
                    // Refused at admission (the pod is never started without its slice); a user's controller would
                    // make a new pod, and so does the probe. Counted: it is a finding, not convergence.
                    rejectedProbes.incrementAndGet();
                    LOG.warn("Probe {} was refused by the kubelet: {} {}", pod.getMetadata().getName(), now.getStatus().getReason(),
                            now.getStatus().getMessage());
                    deleteProbe(pod.getMetadata().getName());
                    attempt++;
                    created = false;
                }
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    created = true;
                }
            }
            pause(100);
        }
        deleteProbe(pod.getMetadata().getName());
        return result;
    }

    private void deleteProbe(String name) {
        try {
            bed.client().pods().inNamespace(ChurnWorkload.NAMESPACE).withName(name).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            LOG.warn("Could not delete probe {}: {}", name, e.getMessage());
        }
    }

    /** Probe pods the kubelet refused at admission (each then retried with a new pod). */
    int rejectedProbes() {
        return rejectedProbes.get();
    }

    private boolean stoppedHard() {
        return Thread.currentThread().isInterrupted();
    }

    /** Sleeps; false when interrupted or stopped. */
    private boolean pause(long millis) {
        long end = System.currentTimeMillis() + millis;
        try {
            while (System.currentTimeMillis() < end) {
                if (stopped && millis > 1000) {
                    return false;
                }
                Thread.sleep(Math.min(200, Math.max(1, end - System.currentTimeMillis())));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
