package com.redhat.das.demo;

import static org.awaitility.Awaitility.await;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.testbed.cluster.ControlPlaneBinaries;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import com.redhat.das.testbed.cluster.EmbeddedWebhook;
import com.redhat.das.testbed.node.EmulatedGpuNode;
import com.redhat.das.demo.SampleSet.Sample;
import com.redhat.das.testbed.kubelet.KubeletStandIn;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The one-command demo: an embedded control plane with emulated GPU nodes and the whole DAS stack, the sample
 * workloads applied as a user would apply them, and a report of where every slice went, read back from the
 * cluster's AllocationClaims and NodeAccelerators. Then the samples are deleted, the slices shown gone, and
 * everything stopped; or, with {@code --keep-running}, the cluster stays up for kubectl until Ctrl-C.
 *
 * <p>No static logger on purpose: slf4j-simple reads its settings (the log file the build passes) when the first
 * logger is made, and {@link #main} first prepares that file ({@link DemoLogging}).
 */
@Command(name = "das-demo", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Brings up a Kubernetes control plane on this machine with emulated GPU nodes and the whole DAS stack "
                    + "(admission webhook, das-scheduler, allocator, node daemons), applies the sample workloads and "
                    + "shows which pod got which node, GPU and MIG slots, as the cluster's AllocationClaims and "
                    + "NodeAccelerators say. Then it deletes the samples, shows their slices gone, and stops everything.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "  0:every sample pod started",
            "  1:a sample pod did not start, or the cluster did not come up",
            "  2:bad options or samples",
            "130:stopped by Ctrl-C before the report (with --keep-running, Ctrl-C after it ends with 0 or 1)"})
public final class Demo implements Callable<Integer> {

    static final String NODE_PREFIX = "gpu-node-";
    static final int MAX_NODES = 16;
    static final int MAX_GPUS_PER_NODE = 8;
    private static final String FIELD_MANAGER = "das-demo";
    /** The node daemon's default: how long Allocate waits for the claims das-scheduler writes at PreBind. */
    private static final Duration CLAIM_WAIT = Duration.ofSeconds(20);
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(500);
    /** How long a stuck picture (pods unschedulable, nothing changing) is watched before it is reported. */
    private static final Duration STUCK_AFTER = Duration.ofSeconds(30);

    @Option(names = "--nodes", defaultValue = "2", paramLabel = "N",
            description = "emulated GPU nodes, named gpu-node-1 ... gpu-node-N (1 to 16; default: ${DEFAULT-VALUE})")
    int nodes;

    @Option(names = "--gpus", defaultValue = "2", paramLabel = "N",
            description = "GPUs per node (1 to 8; default: ${DEFAULT-VALUE})")
    int gpusPerNode;

    @Option(names = "--model", defaultValue = "A100-40GB", paramLabel = "MODEL", completionCandidates = CatalogModels.class,
            description = "GPU model: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--samples", paramLabel = "DIR",
            description = "directory whose *.yaml files are applied, in name order (default: samples/ of this repository)")
    Path samplesDirectory;

    @Option(names = "--keep-running",
            description = "after the report, keep the cluster and the samples running, print the kubeconfig, and wait for Ctrl-C")
    boolean keepRunning;

    @Option(names = "--timeout", defaultValue = "180", paramLabel = "SECONDS",
            description = "how long to wait for the sample pods to start (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--translate-profiles", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "when MODEL lacks a profile the samples ask for (they are written for A100-40GB), ask for "
                    + "MODEL's profile of the same shape instead (default: on; --no-translate-profiles applies the "
                    + "samples exactly as written)")
    boolean translateProfiles;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = "--logs", hidden = true, paramLabel = "DIR", description = "where the build keeps the components' logs")
    Path logs;

    @Spec
    CommandSpec spec;

    private final PrintStream out;
    private final Instant started = Instant.now();
    private final StopRequests stops = new StopRequests();
    /** The exit code a Ctrl-C leads to: 130 until the demo waits for exactly that (--keep-running). */
    private volatile int exitCodeOnStop = 130;
    private GpuModel gpuModel;

    Demo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        DemoLogging.configure();
        CommandLine command = new CommandLine(new Demo(System.out)).setParameterExceptionHandler((e, ignored) -> {
            // the message alone; the whole usage text would bury it
            e.getCommandLine().getErr().println("das-demo: " + e.getMessage());
            e.getCommandLine().getErr().println("--help lists the options (through Maven: -Ddemo.args=--help).");
            return 2;
        });
        System.exit(command.execute(args));
    }

    /** The catalog's model names, for the help text and shell completion. */
    static final class CatalogModels implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return MigCatalog.bundled().modelNames().iterator();
        }
    }

    @Override
    public Integer call() {
        gpuModel = validatedModel();
        validateCounts();
        KubernetesSerialization serialization = new KubernetesSerialization();
        SampleSet written;
        try {
            written = SampleSet.load(samplesDirectory(), serialization);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("das-demo: " + e.getMessage() + " (--samples)");
            return 2;
        }
        SortedMap<String, Set<String>> requested = written.requestedProfiles(serialization);
        ProfileTranslation translation = translateProfiles
                ? ProfileTranslation.plan(MigCatalog.bundled(), requested.keySet(), gpuModel)
                : new ProfileTranslation(Optional.empty(), gpuModel.name(), Map.of(),
                        new TreeSet<>(requested.keySet().stream().filter(p -> gpuModel.profile(p).isEmpty()).toList()));
        SampleSet samples = written.translated(translation, serialization);

        out.printf("DAS demo: %d emulated node%s (%s) with %d %s GPU%s each; samples from %s (%s objects)%n", nodes,
                nodes == 1 ? "" : "s", nodeNames().size() <= 3 ? String.join(", ", nodeNames())
                        : nodeNames().getFirst() + " ... " + nodeNames().getLast(),
                gpusPerNode, gpuModel.name(), gpusPerNode == 1 ? "" : "s", display(written.directory()),
                samples.samples().stream().map(Sample::file).distinct().count() + " files, " + samples.samples().size());
        explainProfiles(translation, requested);
        out.println();

        DemoSession session = new DemoSession(out);
        stops.install(() -> {
            out.println();
            step("Stopping: emulated nodes, admission webhook, allocator and control plane");
            session.close();
            step("Stopped; nothing of the demo is left running." + logsHint());
        }, () -> exitCodeOnStop);
        int code;
        String why;
        try {
            code = run(session, samples);
            why = "not every sample pod started (see above)";
        } catch (CancellationException e) {
            code = 130;
            why = "stopped";
        } catch (RuntimeException e) {
            if (!stops.stopping()) {
                out.println();
                out.println("The demo failed: " + e.getMessage());
            }
            code = 1;
            why = "the demo failed (see above)";
        }
        if (stops.stopping()) {
            // the stop thread closes everything and exits with its own code
            parkForever();
        }
        step("Stopping: emulated nodes, admission webhook, allocator and control plane");
        session.close();
        step("Stopped; nothing of the demo is left running. The demo took "
                + Duration.between(started, Instant.now()).toSeconds() + " s." + logsHint());
        if (code != 0) {
            out.println("The demo ends with exit code " + code + ": " + why + ".");
        }
        return code;
    }

    private int run(DemoSession session, SampleSet samples) {
        Path cacheRoot = ControlPlaneBinaries.defaultCacheRoot();
        step("Control-plane binaries: using the cache " + display(cacheRoot) + " (a first run builds etcd, kube-apiserver,"
                + " kube-controller-manager and das-scheduler with Go: about 10 minutes on two cores)");
        new ControlPlaneBinaries(ControlPlaneBinaries.locateRepoRoot(), cacheRoot).ensureBuilt();
        step("Starting the control plane: etcd, kube-apiserver, kube-controller-manager, das-scheduler");
        EmbeddedCluster cluster = session.cluster(EmbeddedCluster.start(EmbeddedCluster.Options.defaults()));
        KubernetesClient client = cluster.client();
        step("Control plane up: API server " + cluster.apiServerUrl() + "; das-scheduler leads");
        cluster.startAllocator("packed");
        step("Allocator up (placement policy packed); das-scheduler's DAS plugin calls it on " + cluster.allocatorSocket());
        EmbeddedWebhook webhook = session.webhook(EmbeddedWebhook.startAndRegister(cluster));
        step("Admission webhook up at " + webhook.baseUri() + ", registered as MutatingWebhookConfiguration "
                + EmbeddedWebhook.CONFIGURATION_NAME);
        startNodes(session, client);

        List<String> applyProblems = apply(client, samples);
        boolean allStarted = awaitStarted(client, samples) && applyProblems.isEmpty();
        ClusterState state = awaitSettled(client, samples);
        printState("Where the slices went (AllocationClaims in " + EmbeddedCluster.DAS_NAMESPACE + ")", state, true);
        if (!allStarted) {
            diagnose(client, samples, applyProblems);
        }
        awaitJobs(client, samples);
        if (keepRunning) {
            exitCodeOnStop = allStarted ? 0 : 1;
            printKubectlHints(cluster, samples);
            parkForever();
        }
        deleteSamples(client, samples);
        return allStarted ? 0 : 1;
    }

    // ---- nodes --------------------------------------------------------------------------------------------------

    private void startNodes(DemoSession session, KubernetesClient client) {
        List<EmulatedGpuNode> started = new ArrayList<>();
        for (String name : nodeNames()) {
            started.add(session.node(EmulatedGpuNode.start(client, name, gpuModel.name(), gpusPerNode, CLAIM_WAIT)));
        }
        for (EmulatedGpuNode node : started) {
            // Ready for pods when the kubelet advertises the plugins' devices, the node daemon has published the
            // GPUs, and the node lifecycle controller has lifted the not-ready taint every new node gets.
            await(node.name() + " advertises MIG resources").atMost(Duration.ofMinutes(1)).pollInterval(POLL)
                    .ignoreExceptions().until(() -> {
                        Node n = client.nodes().withName(node.name()).get();
                        return n != null && n.getStatus().getAllocatable() != null
                                && n.getStatus().getAllocatable().keySet().stream().anyMatch(ResourceNames::isDasResource);
                    });
            await("NodeAccelerator " + node.name()).atMost(Duration.ofMinutes(1)).pollInterval(POLL).ignoreExceptions()
                    .until(() -> {
                        NodeAccelerator na = client.resources(NodeAccelerator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE)
                                .withName(node.name()).get();
                        return na != null && na.getStatus() != null && na.getStatus().gpus() != null;
                    });
            node.kubelet().awaitNodeSchedulable(Duration.ofMinutes(1));
            step(node.name() + ": " + gpusPerNode + " emulated " + gpuModel.name() + " GPU" + (gpusPerNode == 1 ? "" : "s")
                    + ", kubelet stand-in and DAS node daemon ready");
        }
    }

    private List<String> nodeNames() {
        return IntStream.rangeClosed(1, nodes).mapToObj(i -> NODE_PREFIX + i).toList();
    }

    // ---- samples ------------------------------------------------------------------------------------------------

    /** Applies every sample with server-side apply, as {@code kubectl apply --server-side -f samples/} would. */
    private List<String> apply(KubernetesClient client, SampleSet samples) {
        List<String> problems = new ArrayList<>();
        Set<String> declared = samples.samples().stream().filter(s -> s.object() instanceof Namespace)
                .map(s -> s.object().getMetadata().getName()).collect(Collectors.toSet());
        for (String namespace : samples.namespaces()) {
            if (!declared.contains(namespace)) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                        .fieldManager(FIELD_MANAGER).serverSideApply();
                awaitDefaultServiceAccount(client, namespace);
                step("Created namespace " + namespace + " (the samples use it without declaring it)");
            }
        }
        for (Sample sample : samples.samples()) {
            try {
                client.resource(sample.object()).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
                step("Applied " + sample.file() + ": " + sample.describe());
                if (sample.object() instanceof Namespace) {
                    awaitDefaultServiceAccount(client, sample.object().getMetadata().getName());
                }
            } catch (KubernetesClientException e) {
                String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
                problems.add(sample.file() + ": " + sample.describe() + " was refused: " + reason);
                step("Could not apply " + sample.file() + ": " + sample.describe() + ": " + reason);
            }
        }
        return problems;
    }

    /** Pods cannot be created in a namespace before the service-account controller has made its "default". */
    private static void awaitDefaultServiceAccount(KubernetesClient client, String namespace) {
        await("service account default in " + namespace).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> client.serviceAccounts().inNamespace(namespace).withName("default").get() != null);
    }

    /** The pods a sample should have, and those it has. */
    record Progress(Sample sample, List<Pod> pods) {
        long started() {
            return pods.stream().filter(Demo::startedOrDone).count();
        }

        boolean complete() {
            return started() >= sample.expectedPods();
        }
    }

    private static boolean startedOrDone(Pod pod) {
        String phase = phase(pod);
        return phase.equals("Running") || phase.equals("Succeeded");
    }

    private static String phase(Pod pod) {
        return Optional.ofNullable(pod.getStatus()).map(s -> s.getPhase()).orElse("Pending");
    }

    private List<Progress> progress(KubernetesClient client, SampleSet samples) {
        return samples.samples().stream().filter(s -> s.expectedPods() > 0).map(s -> new Progress(s, podsOf(client, s))).toList();
    }

    private static List<Pod> podsOf(KubernetesClient client, Sample sample) {
        HasMetadata object = sample.object();
        String namespace = Objects.requireNonNullElse(object.getMetadata().getNamespace(), "default");
        if (object instanceof Pod) {
            Pod pod = client.pods().inNamespace(namespace).withName(object.getMetadata().getName()).get();
            return pod == null ? List.of() : List.of(pod);
        }
        LabelSelector selector = switch (object) {
            case Deployment d -> d.getSpec().getSelector();
            case ReplicaSet r -> r.getSpec().getSelector();
            case StatefulSet s -> s.getSpec().getSelector();
            // the Job controller writes the selector (controller-uid) into the stored object
            case Job j -> Optional.ofNullable(client.batch().v1().jobs().inNamespace(namespace).withName(j.getMetadata().getName()).get())
                    .map(stored -> stored.getSpec().getSelector()).orElse(null);
            default -> null;
        };
        if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
            return List.of();
        }
        return client.pods().inNamespace(namespace).withLabels(selector.getMatchLabels()).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    /**
     * Waits until every sample has its pods Running (or, for a Job, Succeeded). Gives up at the timeout, or earlier
     * when some pods cannot be placed and nothing has changed for a while: then waiting longer would not help.
     */
    private boolean awaitStarted(KubernetesClient client, SampleSet samples) {
        int expected = samples.expectedPods();
        step("Waiting for the " + expected + " sample pods to run (webhook, das-scheduler and allocator, claims written"
                + " at PreBind, kubelet admission, node daemon creates the slices)");
        Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
        long lastStarted = -1;
        String lastPicture = "";
        Instant pictureSince = Instant.now();
        while (true) {
            List<Progress> progress = progress(client, samples);
            long startedPods = progress.stream().mapToLong(p -> Math.min(p.started(), p.sample().expectedPods())).sum();
            if (startedPods != lastStarted) {
                step("  " + startedPods + " of " + expected + " sample pods started");
                lastStarted = startedPods;
            }
            if (progress.stream().allMatch(Progress::complete)) {
                return true;
            }
            String picture = progress.stream().flatMap(p -> p.pods().stream())
                    .map(p -> p.getMetadata().getName() + "=" + phase(p) + "/" + scheduledReason(p))
                    .sorted().collect(Collectors.joining(","));
            if (!picture.equals(lastPicture)) {
                lastPicture = picture;
                pictureSince = Instant.now();
            }
            // pods that cannot be placed or have failed, or a workload whose controller cannot create its pods
            boolean stuck = progress.stream().anyMatch(p -> p.pods().size() < p.sample().expectedPods())
                    || progress.stream().flatMap(p -> p.pods().stream())
                    .anyMatch(p -> "Unschedulable".equals(scheduledReason(p)) || "Failed".equals(phase(p)));
            if (stuck && Duration.between(pictureSince, Instant.now()).compareTo(STUCK_AFTER) > 0) {
                step("  nothing has changed for " + STUCK_AFTER.toSeconds() + " s and some pods cannot be placed");
                return false;
            }
            if (Instant.now().isAfter(deadline)) {
                step("  not every sample pod started within " + timeoutSeconds + " s (--timeout)");
                return false;
            }
            sleep(POLL);
        }
    }

    private static String scheduledReason(Pod pod) {
        return conditions(pod).stream().filter(c -> "PodScheduled".equals(c.getType()))
                .map(c -> "True".equals(c.getStatus()) ? "Scheduled" : Objects.requireNonNullElse(c.getReason(), "NotScheduled"))
                .findFirst().orElse("-");
    }

    private static List<PodCondition> conditions(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getConditions() == null ? List.of() : pod.getStatus().getConditions();
    }

    /** Says, for every sample that did not start, what the cluster says about it. */
    private void diagnose(KubernetesClient client, SampleSet samples, List<String> applyProblems) {
        out.println("What did not start, and why:");
        applyProblems.forEach(p -> out.println("  " + p));
        for (Progress p : progress(client, samples)) {
            if (p.complete()) {
                continue;
            }
            String namespace = p.sample().object().getMetadata().getNamespace();
            // a missing Pod was refused when applied, and that is said above
            if (p.pods().size() < p.sample().expectedPods() && !(p.sample().object() instanceof Pod)) {
                out.println("  " + p.sample().describe() + " (" + p.sample().file() + ") has " + p.pods().size() + " of "
                        + p.sample().expectedPods() + " pods");
                // e.g. a ReplicaSet's FailedCreate when the webhook refused its pods
                warnings(client, namespace, e -> !"Pod".equals(e.getInvolvedObject().getKind())
                        && e.getInvolvedObject().getName().startsWith(p.sample().object().getMetadata().getName()))
                        .forEach(line -> out.println("      " + line));
            }
            for (Pod pod : p.pods()) {
                if (startedOrDone(pod)) {
                    continue;
                }
                String name = pod.getMetadata().getName();
                out.println("  pod " + namespace + "/" + name + " (" + p.sample().file() + ") is " + phase(pod)
                        + Optional.ofNullable(pod.getSpec().getNodeName()).map(n -> " on " + n).orElse(""));
                List<String> said = new ArrayList<>();
                conditions(pod).stream().filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                        .forEach(c -> {
                            out.println("      PodScheduled: " + c.getReason() + ": " + c.getMessage());
                            said.add(c.getMessage());
                        });
                if (pod.getStatus() != null && pod.getStatus().getReason() != null) {
                    out.println("      " + pod.getStatus().getReason() + ": " + pod.getStatus().getMessage());
                    said.add(pod.getStatus().getMessage());
                }
                // events that say more than the status (the scheduler's FailedScheduling repeats its condition)
                warnings(client, namespace, e -> "Pod".equals(e.getInvolvedObject().getKind())
                        && name.equals(e.getInvolvedObject().getName())
                        && said.stream().noneMatch(m -> m != null && e.getMessage() != null && e.getMessage().strip().equals(m.strip())))
                        .forEach(line -> out.println("      " + line));
            }
        }
        out.println();
    }

    /** The latest Warning event per object and reason, oldest first: {@code ReplicaSet x: FailedCreate: message}. */
    private static List<String> warnings(KubernetesClient client, String namespace, Predicate<Event> about) {
        Map<String, Event> latest = new LinkedHashMap<>();
        client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType()) && e.getInvolvedObject() != null && about.test(e))
                .sorted(Comparator.comparing(Demo::eventTime))
                .forEach(e -> latest.put(e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName() + "/" + e.getReason(), e));
        return latest.values().stream().map(e -> "event on " + e.getInvolvedObject().getKind() + " " + e.getInvolvedObject().getName()
                + ": " + e.getReason() + ": " + Objects.requireNonNullElse(e.getMessage(), "").strip()).toList();
    }

    private static String eventTime(Event e) {
        return Objects.requireNonNullElse(e.getLastTimestamp(), Objects.requireNonNullElse(e.getEventTime() == null ? null
                : e.getEventTime().getTime(), ""));
    }

    // ---- report -------------------------------------------------------------------------------------------------

    private static ClusterState read(KubernetesClient client, SampleSet samples) {
        List<Pod> pods = new ArrayList<>();
        for (String namespace : samples.namespaces()) {
            pods.addAll(client.pods().inNamespace(namespace).list().getItems());
        }
        List<AllocationClaim> claims = client.resources(AllocationClaim.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE)
                .list().getItems();
        List<NodeAccelerator> accelerators = client.resources(NodeAccelerator.class).inNamespace(EmbeddedCluster.DAS_NAMESPACE)
                .list().getItems();
        return new ClusterState(pods, claims, accelerators);
    }

    /** Reads the cluster until no slice is being created or destroyed (or gives up and returns the last read). */
    private static ClusterState awaitSettled(KubernetesClient client, SampleSet samples) {
        return awaitState(() -> read(client, samples), ClusterState::settled, SETTLE_TIMEOUT);
    }

    private static ClusterState awaitState(Supplier<ClusterState> read, Predicate<ClusterState> done, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        ClusterState state = read.get();
        while (!done.test(state) && Instant.now().isBefore(deadline)) {
            sleep(POLL);
            state = read.get();
        }
        return state;
    }

    private void printState(String title, ClusterState state, boolean withTable) {
        out.println();
        if (withTable) {
            out.println(title);
            out.print(DemoReport.allocationTable(state));
            out.println();
        }
        out.println("GPU occupancy (NodeAccelerator status: one character per memory slot, '.' free, else the size of the"
                + " slice holding it)");
        out.print(DemoReport.occupancyMap(state));
        out.println();
        out.println(DemoReport.claimCount(state, EmbeddedCluster.DAS_NAMESPACE) + "; "
                + (state.gpus().stream().allMatch(state::agrees)
                        ? "every GPU holds exactly the slices its claims say."
                        : "NOT every GPU holds the slices its claims say (see MATCHES CLAIMS)."));
        out.println();
    }

    /** A Job's pod ends by itself; its slice is destroyed then, which is worth seeing before everything goes. */
    private void awaitJobs(KubernetesClient client, SampleSet samples) {
        // a Job whose pod never started would only run out the clock
        List<Sample> jobs = samples.samples().stream().filter(s -> s.object() instanceof Job)
                .filter(s -> podsOf(client, s).stream().anyMatch(Demo::startedOrDone)).toList();
        if (jobs.isEmpty()) {
            return;
        }
        String names = jobs.stream().map(Sample::describe).collect(Collectors.joining(", "));
        String runSeconds = jobs.stream().map(j -> runSeconds((Job) j.object())).distinct().collect(Collectors.joining(" or "));
        step("Waiting for " + names + " to finish (the emulated kubelet ends its pod after " + runSeconds
                + " s, as the pod's " + KubeletStandIn.RUN_SECONDS_ANNOTATION + " annotation asks)");
        try {
            await("Jobs finished").atMost(Duration.ofSeconds(timeoutSeconds)).pollInterval(POLL).ignoreExceptions()
                    .until(() -> jobs.stream().allMatch(j -> finished(client, j)));
        } catch (ConditionTimeoutException e) {
            step("  " + names + " did not finish within " + timeoutSeconds + " s");
            return;
        }
        ClusterState state = awaitSettled(client, samples);
        step(names + " finished: the node daemon destroyed its pod's slice and deleted the claims");
        printState("", state, false);
    }

    private static String runSeconds(Job job) {
        return Optional.ofNullable(job.getSpec().getTemplate().getMetadata())
                .map(m -> m.getAnnotations() == null ? null : m.getAnnotations().get(KubeletStandIn.RUN_SECONDS_ANNOTATION))
                .orElse("?");
    }

    private static boolean finished(KubernetesClient client, Sample job) {
        Job stored = client.batch().v1().jobs().inNamespace(job.object().getMetadata().getNamespace())
                .withName(job.object().getMetadata().getName()).get();
        List<JobCondition> conditions = stored == null || stored.getStatus() == null || stored.getStatus().getConditions() == null
                ? List.of() : stored.getStatus().getConditions();
        return conditions.stream().anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                && "True".equals(c.getStatus()));
    }

    private void printKubectlHints(EmbeddedCluster cluster, SampleSet samples) {
        String kubectl = "kubectl --kubeconfig " + cluster.kubeconfig();
        out.println("The cluster keeps running with the samples. Its kubeconfig: " + cluster.kubeconfig());
        out.println("  " + kubectl + " get allocationclaims -n " + EmbeddedCluster.DAS_NAMESPACE);
        out.println("  " + kubectl + " get nodeaccelerators -n " + EmbeddedCluster.DAS_NAMESPACE);
        for (String namespace : samples.namespaces()) {
            out.println("  " + kubectl + " get pods -n " + namespace + " -o wide");
        }
        out.println("Press Ctrl-C to stop everything.");
        out.flush();
    }

    /** Deletes the samples (newest first) and shows every slice gone. */
    private void deleteSamples(KubernetesClient client, SampleSet samples) {
        step("Deleting the samples");
        List<Sample> reversed = new ArrayList<>(samples.samples());
        Collections.reverse(reversed);
        for (Sample sample : reversed) {
            try {
                client.resource(sample.object()).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            } catch (KubernetesClientException e) {
                step("  could not delete " + sample.describe() + ": " + e.getMessage());
            }
        }
        ClusterState state = awaitState(() -> read(client, samples), s -> s.pods().isEmpty() && s.empty(), Duration.ofMinutes(2));
        step(state.pods().isEmpty() && state.empty()
                ? "Samples deleted: their pods are gone, every slice destroyed, every claim deleted"
                : "Not everything is gone after 2 minutes: " + state.pods().size() + " pods left");
        printState("", state, false);
    }

    // ---- options --------------------------------------------------------------------------------------------------

    private GpuModel validatedModel() {
        MigCatalog catalog = MigCatalog.bundled();
        return catalog.model(model)
                .or(() -> catalog.models().stream().filter(m -> m.name().equalsIgnoreCase(model)).findFirst())
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "Unknown GPU model '" + model
                        + "' (--model); the MIG catalog has: " + String.join(", ", catalog.modelNames())));
    }

    private void validateCounts() {
        // Every emulated node is a kubelet stand-in and a node daemon in this JVM; more would only slow a small machine.
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new ParameterException(spec.commandLine(), "--nodes must be between 1 and " + MAX_NODES + ", got " + nodes);
        }
        if (gpusPerNode < 1 || gpusPerNode > MAX_GPUS_PER_NODE) {
            throw new ParameterException(spec.commandLine(),
                    "--gpus (GPUs per node) must be between 1 and " + MAX_GPUS_PER_NODE + ", got " + gpusPerNode);
        }
        if (timeoutSeconds < 10) {
            throw new ParameterException(spec.commandLine(), "--timeout must be at least 10 seconds, got " + timeoutSeconds);
        }
    }

    private Path samplesDirectory() {
        if (samplesDirectory != null) {
            return samplesDirectory.toAbsolutePath().normalize();
        }
        return ControlPlaneBinaries.locateRepoRoot().resolve("samples");
    }

    /** Says which profiles the samples ask for, how they map onto the model, and which cannot be placed. */
    private void explainProfiles(ProfileTranslation translation, SortedMap<String, Set<String>> requested) {
        if (translation.renamesAnything()) {
            out.println("The samples ask for " + translation.sourceModel().orElse("other") + " profiles; "
                    + translation.targetModel() + " offers the same shapes under other names, so the demo asks for "
                    + translation.renames().entrySet().stream().map(e -> e.getKey() + " -> " + e.getValue())
                    .collect(Collectors.joining(", ")) + " (--no-translate-profiles applies the samples as written).");
        }
        for (String profile : translation.unplaceable()) {
            out.println("Note: " + translation.targetModel() + " offers no MIG profile " + profile
                    + (translation.sourceModel().isPresent() ? " nor one of its shape" : "") + " (it offers "
                    + String.join(", ", MigCatalog.bundled().requireModel(translation.targetModel()).profileNames())
                    + "), so these samples cannot be placed and will stay Pending: "
                    + String.join("; ", requested.get(profile)));
        }
    }

    // ---- output -------------------------------------------------------------------------------------------------

    private void step(String text) {
        double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
        out.printf("[%6.1fs] %s%n", seconds, text);
        out.flush();
    }

    private String logsHint() {
        return logs == null ? "" : " Component logs: " + display(logs);
    }

    /** A path relative to the working directory when it lies below it, as a user would type it. */
    private static String display(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path here = Path.of("").toAbsolutePath();
        Path home = Path.of(System.getProperty("user.home"));
        if (absolute.startsWith(here) && !absolute.equals(here)) {
            return here.relativize(absolute) + (Files.isDirectory(absolute) ? "/" : "");
        }
        if (absolute.startsWith(home)) {
            return "~/" + home.relativize(absolute);
        }
        return absolute.toString();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
    }

    private static void parkForever() {
        while (true) {
            LockSupport.park();
        }
    }
}
