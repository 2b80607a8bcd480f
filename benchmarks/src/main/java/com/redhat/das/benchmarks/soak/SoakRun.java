package com.redhat.das.benchmarks.soak;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.testbed.NodeState;
import com.redhat.das.testbed.Testbed;
import com.redhat.das.testbed.Testbed.GpuNodeSpec;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.invariants.InvariantChecker;
import com.redhat.das.testbed.invariants.Violation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One soak: the test bed with the plan's emulated nodes and a relay on the shim's socket, the churn workload, the
 * fault injector and the invariant checker running side by side until the plan's pod count or time is reached; then
 * the workload stops, the cluster settles, everything is deleted, and whatever is left over is counted as leaked.
 */
public final class SoakRun {

    private static final Logger LOG = LoggerFactory.getLogger(SoakRun.class);
    /** Longer than any legitimate transient here: a kill's downtime, the restart, informers listing again. */
    static final Duration GRACE = Duration.ofSeconds(45);
    private static final Duration CHECK_EVERY = Duration.ofSeconds(2);
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration TICK = Duration.ofMillis(150);

    private SoakRun() {
    }

    public static SoakReport run(SoakPlan plan) {
        Testbed.Builder builder = Testbed.builder().withSocketRelay();
        for (GpuNodeSpec node : plan.nodes()) {
            builder.emulatedNode(node.name(), node.model(), node.gpus());
        }
        LOG.info("Soak {}: seed {}, {} pods or {}, nodes {}", plan.name(), plan.seed(), plan.pods(), plan.maxDuration(), plan.nodes());
        try (Testbed bed = builder.start()) {
            return new Session(bed, plan).run();
        }
    }

    /** The state of one run, shared by the workload (this thread), the checker thread and the fault thread. */
    private static final class Session {
        private final Testbed bed;
        private final SoakPlan plan;
        private final Instant start = Instant.now();
        private final InvariantChecker checker;
        private final Map<String, Violation> violations = new LinkedHashMap<>();
        private final List<SoakReport.Sample> timeline = new CopyOnWriteArrayList<>();
        private final AtomicInteger checks = new AtomicInteger();
        private final AtomicInteger skipped = new AtomicInteger();
        private volatile boolean checking = true;
        private PodLedger ledger;

        Session(Testbed bed, SoakPlan plan) {
            this.bed = bed;
            this.plan = plan;
            this.checker = new InvariantChecker(bed.client(), bed::nodeStates, GRACE, Clock.systemUTC());
        }

        SoakReport run() {
            ChurnWorkload workload;
            FaultInjector injector = new FaultInjector(bed, plan, start);
            Thread faultThread;
            Thread checkThread;
            ledger = new PodLedger(bed.client(), ChurnWorkload.NAMESPACE, ChurnWorkload.WORKLOAD);
            try {
                workload = new ChurnWorkload(bed.client(), ledger, plan.nodes(), plan.seed(), plan.maxLivePods());
                workload.createNamespace();
                checkThread = Thread.ofPlatform().daemon().name("soak-checker").start(this::checkContinuously);
                faultThread = Thread.ofPlatform().daemon().name("soak-faults").start(injector::run);

                Instant end = start.plus(plan.maxDuration());
                while (ledger.run() < plan.pods() && Instant.now().isBefore(end)) {
                    workload.tick();
                    sleep(TICK);
                }
                LOG.info("Soak {}: {} pods run in {} s; stopping faults and settling", plan.name(), ledger.run(), elapsed().toSeconds());
                injector.stop();
                join(faultThread, Duration.ofMinutes(6));

                // Deployments never end on their own; without them every pod left ends within seconds if DAS places it.
                workload.deleteDeployments();
                boolean settled = waitUntil(SETTLE_TIMEOUT, () -> {
                    workload.cleanUp();
                    return ledger.waiting() == 0;
                });
                int stuck = settled ? 0 : ledger.waiting();
                if (!settled) {
                    LOG.error("Soak {}: {} pods still wait to run {} after the workload stopped", plan.name(), stuck, SETTLE_TIMEOUT);
                }
                workload.deleteEverything();
                Map<String, Integer> left = new LinkedHashMap<>();
                waitUntil(SETTLE_TIMEOUT, () -> {
                    left.putAll(leftOver());
                    return left.values().stream().allMatch(v -> v == 0);
                });
                checking = false;
                join(checkThread, Duration.ofSeconds(30));
                // What is left now is left for good: no grace.
                for (Violation v : checker.snapshot()) {
                    violations.putIfAbsent("final " + v.kind() + " " + v.subject(), v);
                }
                return report(workload, injector.faults(), injector.rejectedProbes(), stuck, left);
            } finally {
                checking = false;
                injector.stop();
                ledger.close();
            }
        }

        private void checkContinuously() {
            while (checking) {
                try {
                    InvariantChecker.Report r = checker.check();
                    checks.incrementAndGet();
                    synchronized (violations) {
                        for (Violation v : r.violations()) {
                            if (violations.putIfAbsent(v.kind() + " " + v.subject(), v) == null) {
                                LOG.error("Soak {}: invariant broken at {} s: {}", plan.name(), elapsed().toSeconds(), v);
                            }
                        }
                    }
                    timeline.add(new SoakReport.Sample(elapsed().toMillis(), ledger.alive(), ledger.run(), r.claims(), r.slices()));
                    if (checks.get() % 30 == 0) {
                        LOG.info("Soak {}: {} s, {} pods run, {} alive, {} claims, {} slices, {} violation(s) so far", plan.name(),
                                elapsed().toSeconds(), ledger.run(), ledger.alive(), r.claims(), r.slices(), violations.size());
                    }
                } catch (RuntimeException e) {
                    // The API server is down or restarting: nothing to read.
                    skipped.incrementAndGet();
                }
                sleep(CHECK_EVERY);
            }
        }

        private Map<String, Integer> leftOver() {
            Map<String, Integer> left = new LinkedHashMap<>();
            try {
                left.put("pods", bed.client().pods().inNamespace(ChurnWorkload.NAMESPACE).list().getItems().size());
                left.put("claims", bed.client().resources(AllocationClaim.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE).list().getItems().size());
            } catch (RuntimeException e) {
                left.put("pods", -1);
                left.put("claims", -1);
            }
            List<NodeState> nodes = bed.nodeStates();
            left.put("slices", nodes.stream().mapToInt(n -> n.slices().size()).sum());
            left.put("cdiSpecs", nodes.stream().mapToInt(n -> n.cdiSpecs().size()).sum());
            return left;
        }

        private SoakReport report(ChurnWorkload workload, List<FaultInjector.Fault> faults, int rejectedProbes, int stuck,
                                  Map<String, Integer> left) {
            List<String> found;
            int lost;
            int duplicated;
            synchronized (violations) {
                found = violations.values().stream().map(Violation::toString).toList();
                lost = (int) violations.values().stream().filter(v -> v.kind() == Violation.Kind.RUNNING_CONTAINER_WITHOUT_SLICE
                        || v.kind() == Violation.Kind.CLAIM_PLACEMENT_DIFFERS_FROM_SLICE).map(Violation::subject).distinct().count();
                duplicated = (int) violations.values().stream().filter(v -> v.kind() == Violation.Kind.DUPLICATE_CLAIM
                        || v.kind() == Violation.Kind.EXCESS_CLAIMS)
                        .map(Violation::subject).distinct().count();
            }
            List<Long> convergence = new ArrayList<>();
            faults.stream().filter(f -> f.convergenceMs() >= 0).forEach(f -> convergence.add(f.convergenceMs()));
            return new SoakReport(plan.name(), plan.seed(), elapsed().toMillis(), ledger.seen(), ledger.run(), ledger.succeeded(), ledger.failed(),
                    workload.created(), workload.apiErrors(), SoakReport.countPerKind(faults), faults, SoakReport.perKind(faults),
                    SoakReport.Percentiles.of(convergence), SoakReport.Percentiles.of(ledger.startLatenciesMillis()), checks.get(), skipped.get(),
                    found, lost, duplicated, left, stuck, ledger.rejectedAtAdmission() + rejectedProbes, List.copyOf(timeline));
        }

        private Duration elapsed() {
            return Duration.between(start, Instant.now());
        }
    }

    private static boolean waitUntil(Duration timeout, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                LOG.debug("settling: {}", e.toString());
            }
            sleep(Duration.ofMillis(500));
        }
        return false;
    }

    private static void join(Thread thread, Duration timeout) {
        try {
            thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("soak interrupted", e);
        }
    }

    /** Runs the plan and writes its report; exits 1 when DAS broke an invariant. */
    public static void main(String[] args) {
        boolean longRun = args.length > 0 && args[0].equals("long");
        String[] options = longRun || (args.length > 0 && args[0].equals("smoke")) ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        Path out = Path.of("docs", "benchmarks");
        SoakPlan plan = (longRun ? SoakPlan.longRun(out) : SoakPlan.smoke(out)).with(options);
        if (System.getProperty("das.cluster.logs") == null) {
            System.setProperty("das.cluster.logs", Path.of("benchmarks", "target", plan.name() + "-logs").toString());
        }
        SoakReport report = run(plan);
        List<Path> files = report.write(plan.out());
        System.out.printf("%s: %d pods run (%d seen) in %d s; faults %s; convergence p50 %d ms, p99 %d ms; violations %d; lost %d;"
                        + " duplicated %d; left at end %s; stuck %d; refused at admission %d%n", report.name(), report.podsRun(), report.podsSeen(), report.durationMs() / 1000,
                report.faultsPerKind(), report.convergence().p50(), report.convergence().p99(), report.violations().size(), report.claimsLost(),
                report.claimsDuplicated(), report.leftAtEnd(), report.stuckPods(), report.rejectedAtAdmission());
        report.violations().forEach(v -> System.out.println("  violation: " + v));
        files.forEach(f -> System.out.println("  wrote " + f));
        System.exit(report.clean() ? 0 : 1);
    }
}
