package com.redhat.das.testbed.kubelet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DeviceSpec;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Mount;
import com.redhat.das.testbed.kubelet.PodAllocation.ContainerAllocation;
import com.redhat.das.testbed.kubelet.PodWorker.ContainerRun;
import com.redhat.das.testbed.kubelet.PodWorker.Stage;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's pod side for one node: watches the pods bound to it, admits them one at a time (oldest first),
 * "starts" their containers (PreStartContainer, CDI injection), reports their status, ends them and deletes them.
 *
 * <p>Everything runs on one thread, the sync loop, as the kubelet's admission runs on its sync loop: a slow Allocate
 * delays the next admission and the handling of deletions, as it does on a real node, and no two steps of a pod's
 * life can interleave.
 */
final class PodSyncLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PodSyncLoop.class);
    /** Gives every node of the JVM its own fake pod network, 10.244.<n>.0/24. */
    private static final AtomicInteger NODE_INDEX = new AtomicInteger();
    private static final Comparator<PodWorker> ADMISSION_ORDER = Comparator
            .comparing((PodWorker w) -> creationTime(w.pod))
            .thenComparing(w -> w.pod.getMetadata().getNamespace())
            .thenComparing(w -> w.pod.getMetadata().getName())
            .thenComparing(w -> w.uid);

    private final KubernetesClient client;
    private final String nodeName;
    private final DeviceManager devices;
    private final CdiResolver cdi;
    private final PodStatusWriter writer;
    private final Duration containerStartRetryInterval;
    private final Clock clock;
    private final ScheduledExecutorService loop;
    private final int nodeIndex = NODE_INDEX.getAndIncrement() % 250;
    private final List<ContainerRecord> records = new CopyOnWriteArrayList<>();
    // sync loop thread only
    private final Map<String, PodWorker> workers = new HashMap<>();
    private final TreeSet<PodWorker> awaitingAdmission = new TreeSet<>(ADMISSION_ORDER);
    private int nextPodIp = 2;
    private SharedIndexInformer<Pod> informer;
    private volatile boolean synced;

    PodSyncLoop(KubernetesClient client, String nodeName, DeviceManager devices, CdiResolver cdi, Duration containerStartRetryInterval,
                Clock clock) {
        this.client = client;
        this.nodeName = nodeName;
        this.devices = devices;
        this.cdi = cdi;
        this.writer = new PodStatusWriter(client, nodeName, clock);
        this.containerStartRetryInterval = containerStartRetryInterval;
        this.clock = clock;
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kubelet-sync-loop-" + nodeName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching; returns once the pods already bound are listed (they are then admitted oldest first). */
    void start() {
        informer = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                submit(() -> onPod(pod));
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                submit(() -> onPod(pod));
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                submit(() -> onPodGone(pod));
            }
        }, 0);
        // the initial list is queued by now: admitting only from here on lets it be admitted in creation order
        synced = true;
        submit(this::admitNext);
    }

    List<ContainerRecord> records() {
        return List.copyOf(records);
    }

    /** The latest record of that container (pod names repeat; the newest pod wins). */
    Optional<ContainerRecord> record(String namespace, String pod, String container) {
        ContainerRecord found = null;
        for (ContainerRecord r : records) {
            if (r.namespace().equals(namespace) && r.pod().equals(pod) && r.container().equals(container)) {
                found = r;
            }
        }
        return Optional.ofNullable(found);
    }

    private void submit(Runnable task) {
        try {
            loop.execute(() -> runSafely(task));
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void schedule(PodWorker w, Runnable task, Duration delay) {
        try {
            w.timer = loop.schedule(() -> runSafely(task), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private static void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("kubelet sync loop step failed", e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Pod events

    private void onPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodWorker w = workers.get(uid);
        boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
        if (w == null) {
            w = new PodWorker(pod);
            workers.put(uid, w);
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                // ended before this kubelet saw it (an earlier stand-in ran it): nothing to run, nothing to free
                w.stage = Stage.ENDED;
            } else {
                w.stage = Stage.AWAITING_ADMISSION;
                if (!deleting) {
                    awaitingAdmission.add(w);
                    LOG.info("Pod {} bound to node {}: queued for admission", w.describe(), nodeName);
                    if (synced) {
                        submit(this::admitNext);
                    }
                }
            }
        }
        w.pod = pod;
        if (deleting && w.stage != Stage.TERMINATING) {
            terminate(w);
        }
    }

    private void onPodGone(Pod pod) {
        PodWorker w = workers.remove(pod.getMetadata().getUid());
        if (w == null) {
            return;
        }
        awaitingAdmission.remove(w);
        cancelTimer(w);
        devices.release(w.uid);
        LOG.info("Pod {} is gone from the API", w.describe());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Admission

    private void admitNext() {
        if (!synced) {
            return;
        }
        PodWorker w = awaitingAdmission.pollFirst();
        if (w == null) {
            return;
        }
        admit(w);
        if (!awaitingAdmission.isEmpty()) {
            // one pod per step, so events queued meanwhile (a deletion, an older pod) are seen before the next
            submit(this::admitNext);
        }
    }

    private void admit(PodWorker w) {
        LOG.info("Admitting pod {} (uid {}, created {})", w.describe(), w.uid, w.pod.getMetadata().getCreationTimestamp());
        try {
            // the kubelet's resource allocation admit handler runs before its predicates (node resources fit)
            w.allocation = devices.allocatePod(w.pod);
            checkExtendedResourcesFit(w);
        } catch (AdmissionRejection r) {
            reject(w, r);
            return;
        }
        w.stage = Stage.STARTING;
        w.startTime = clock.instant();
        w.podIp = "10.244." + nodeIndex + "." + (nextPodIp++ % 250 + 2);
        LOG.info("Admitted pod {}: devices {}", w.describe(), summary(w.allocation));
        startContainers(w);
    }

    /**
     * The kubelet's predicate for extended resources that no device plugin serves: the node must advertise enough of
     * them in its allocatable, counting what the admitted pods already request.
     */
    private void checkExtendedResourcesFit(PodWorker w) throws AdmissionRejection {
        Map<String, Long> requested = extendedRequests(w.pod);
        requested.keySet().removeIf(devices::isDevicePluginResource);
        if (requested.isEmpty()) {
            return;
        }
        Node node = client.nodes().withName(nodeName).get();
        Map<String, Quantity> allocatable = node == null || node.getStatus() == null || node.getStatus().getAllocatable() == null
                ? Map.of() : node.getStatus().getAllocatable();
        for (Map.Entry<String, Long> e : requested.entrySet()) {
            String resource = e.getKey();
            long capacity = allocatable.containsKey(resource) ? allocatable.get(resource).getNumericalAmount().longValue() : 0;
            long used = workers.values().stream().filter(o -> o != w && (o.stage == Stage.STARTING || o.stage == Stage.RUNNING))
                    .mapToLong(o -> extendedRequests(o.pod).getOrDefault(resource, 0L)).sum();
            if (e.getValue() + used > capacity) {
                throw new AdmissionRejection("OutOf" + resource, String.format(
                        "Node didn't have enough resource: %s, requested: %d, used: %d, capacity: %d", resource, e.getValue(), used, capacity));
            }
        }
    }

    /** A pod's effective extended-resource requests: the larger of its long-running containers' sum and any init container. */
    private static Map<String, Long> extendedRequests(Pod pod) {
        Map<String, Long> sum = new TreeMap<>();
        Map<String, Long> initMax = new TreeMap<>();
        for (Container c : pod.getSpec().getInitContainers()) {
            Map<String, Long> target = DeviceManager.isSidecar(c) ? sum : null;
            DeviceManager.deviceRequests(c).forEach((r, n) -> {
                if (target != null) {
                    target.merge(r, (long) n, Long::sum);
                } else {
                    initMax.merge(r, (long) n, Math::max);
                }
            });
        }
        for (Container c : pod.getSpec().getContainers()) {
            DeviceManager.deviceRequests(c).forEach((r, n) -> sum.merge(r, (long) n, Long::sum));
        }
        initMax.forEach((r, n) -> sum.merge(r, n, Math::max));
        return sum;
    }

    private void reject(PodWorker w, AdmissionRejection rejection) {
        devices.release(w.uid);
        w.stage = Stage.REJECTED;
        w.rejection = rejection;
        LOG.warn("Rejected pod {}: {} {}", w.describe(), rejection.reason(), rejection.getMessage());
        writeStatus(w, w.rejectedStatus());
        writer.event(w.pod, "Warning", rejection.reason(), rejection.getMessage());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Containers

    /**
     * Starts what can start: init containers one after the other, each running to completion (or staying up, for a
     * sidecar), then every regular container. A container that cannot start stays waiting and the whole pass is
     * retried later, as the kubelet's pod worker does.
     */
    private void startContainers(PodWorker w) {
        if (w.stage != Stage.STARTING || workers.get(w.uid) != w) {
            return;
        }
        w.timer = null;
        for (ContainerRun c : w.initContainers) {
            if (c.state == ContainerRun.State.TERMINATED || (c.sidecar && c.state == ContainerRun.State.RUNNING)) {
                continue;
            }
            if (!startContainer(w, c)) {
                writeStatus(w);
                schedule(w, () -> startContainers(w), containerStartRetryInterval);
                return;
            }
            if (!c.sidecar) {
                c.terminated(0, clock.instant());
                LOG.info("Init container {} of pod {} completed", c.name, w.describe());
            }
        }
        boolean allStarted = true;
        for (ContainerRun c : w.containers) {
            if (c.state != ContainerRun.State.RUNNING && !startContainer(w, c)) {
                allStarted = false;
            }
        }
        if (!allStarted) {
            writeStatus(w);
            schedule(w, () -> startContainers(w), containerStartRetryInterval);
            return;
        }
        w.stage = Stage.RUNNING;
        writeStatus(w);
        scheduleCompletion(w);
    }

    /** The runtime's part of starting one container; false (and the container waiting) when it cannot. */
    private boolean startContainer(PodWorker w, ContainerRun c) {
        ContainerAllocation allocation = w.allocation.container(c.name);
        try {
            devices.preStartContainer(w.uid, c.name);
            ContainerEdits edits = new ContainerEdits();
            List<String> cdiDevices = new ArrayList<>();
            Map<String, String> annotations = new LinkedHashMap<>();
            for (String resource : new TreeSet<>(allocation.responses().keySet())) {
                ContainerAllocateResponse response = allocation.responses().get(resource);
                new TreeMap<>(response.getEnvsMap()).forEach(edits::setEnv);
                for (DeviceSpec d : response.getDevicesList()) {
                    edits.addDeviceNode(d.getContainerPath(), d.getHostPath());
                }
                for (Mount m : response.getMountsList()) {
                    edits.addMount(m.getContainerPath(), m.getHostPath());
                }
                annotations.putAll(response.getAnnotationsMap());
                response.getCdiDevicesList().forEach(d -> cdiDevices.add(d.getName()));
            }
            try {
                cdi.inject(edits, cdiDevices);
            } catch (UnresolvableCdiDevicesException e) {
                throw new ContainerStartFailure(ContainerStartFailure.CREATE_CONTAINER_ERROR, "failed to inject CDI devices: " + e.getMessage());
            }
            c.running(clock.instant(), w.uid);
            ContainerRecord record = new ContainerRecord(w.pod.getMetadata().getNamespace(), w.pod.getMetadata().getName(), w.uid, c.name,
                    c.init, allocation.deviceIds(), cdiDevices, edits.env(), edits.deviceNodes(), edits.mounts(), annotations, c.startedAt);
            records.add(record);
            LOG.info("Started container {} of pod {}: devices {}, CDI devices {}, env {}", c.name, w.describe(), allocation.deviceIds(),
                    cdiDevices, edits.env());
            return true;
        } catch (ContainerStartFailure f) {
            c.waiting(f.reason(), f.getMessage());
            if (c.reportedFailures.add(f.getMessage())) {
                LOG.warn("Container {} of pod {} cannot start: {}: {}", c.name, w.describe(), f.reason(), f.getMessage());
                writer.event(w.pod, "Warning", "Failed", "Error: " + f.getMessage());
            }
            return false;
        }
    }

    /** The test's way to let a pod finish: {@value KubeletStandIn#RUN_SECONDS_ANNOTATION} seconds after it runs. */
    private void scheduleCompletion(PodWorker w) {
        String runSeconds = annotation(w.pod, KubeletStandIn.RUN_SECONDS_ANNOTATION);
        if (runSeconds == null) {
            return;
        }
        try {
            Duration after = Duration.ofMillis(new BigDecimal(runSeconds.trim()).multiply(BigDecimal.valueOf(1000)).longValueExact());
            schedule(w, () -> complete(w), after);
        } catch (ArithmeticException | NumberFormatException e) {
            LOG.warn("Pod {}: ignoring {}=\"{}\", not a number of seconds", w.describe(), KubeletStandIn.RUN_SECONDS_ANNOTATION, runSeconds);
        }
    }

    private void complete(PodWorker w) {
        if (w.stage != Stage.RUNNING || workers.get(w.uid) != w) {
            return;
        }
        w.timer = null;
        int exitCode = exitCode(w.pod);
        Instant now = clock.instant();
        for (ContainerRun c : w.containers) {
            c.terminated(exitCode, now);
        }
        // sidecars are stopped after the main containers and do not decide the phase
        w.initContainers.stream().filter(c -> c.sidecar && c.state == ContainerRun.State.RUNNING).forEach(c -> c.terminated(0, now));
        w.stage = Stage.ENDED;
        writeStatus(w);
        // a pod that ended is no longer active: the kubelet hands its devices to the next pods
        devices.release(w.uid);
    }

    private static int exitCode(Pod pod) {
        String value = annotation(pod, KubeletStandIn.EXIT_CODE_ANNOTATION);
        try {
            return value == null ? 0 : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            LOG.warn("Pod {}: ignoring {}=\"{}\", not an integer", pod.getMetadata().getName(), KubeletStandIn.EXIT_CODE_ANNOTATION, value);
            return 0;
        }
    }

    /**
     * A pod with a deletionTimestamp: its containers stop (exit 0), its status says so, and the kubelet deletes it
     * for good with grace period 0 and its UID as precondition; then its devices are free.
     */
    private void terminate(PodWorker w) {
        Stage before = w.stage;
        w.stage = Stage.TERMINATING;
        awaitingAdmission.remove(w);
        cancelTimer(w);
        if (before == Stage.STARTING || before == Stage.RUNNING) {
            Instant now = clock.instant();
            w.allContainers().filter(c -> c.state == ContainerRun.State.RUNNING).forEach(c -> c.terminated(0, now));
            writeStatus(w);
        }
        LOG.info("Pod {} is being deleted: containers stopped, deleting it with grace period 0", w.describe());
        try {
            if (!writer.deleteNow(w.pod)) {
                LOG.info("Pod {} was already replaced by a newer pod of that name", w.describe());
            }
        } catch (KubernetesClientException e) {
            LOG.warn("Deleting pod {} failed: {}", w.describe(), e.getMessage());
        }
        devices.release(w.uid);
    }

    private void cancelTimer(PodWorker w) {
        if (w.timer != null) {
            w.timer.cancel(false);
            w.timer = null;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Status

    private void writeStatus(PodWorker w) {
        writeStatus(w, w.status(clock.instant()));
    }

    private void writeStatus(PodWorker w, ObjectNode status) {
        String json = status.toString();
        if (json.equals(w.lastWrittenStatus)) {
            return;
        }
        try {
            if (writer.patchStatus(w.pod, status)) {
                w.lastWrittenStatus = json;
                LOG.info("Pod {} status: {}{}", w.describe(), status.path("phase").asText(), containerSummary(w));
            }
        } catch (KubernetesClientException e) {
            LOG.warn("Writing the status of pod {} failed ({}); retrying", w.describe(), e.getMessage());
            try {
                loop.schedule(() -> runSafely(() -> {
                    if (workers.get(w.uid) == w) {
                        writeStatus(w);
                    }
                }), 1, TimeUnit.SECONDS);
            } catch (RejectedExecutionException closed) {
                // closed
            }
        }
    }

    private static String containerSummary(PodWorker w) {
        if (w.stage == Stage.REJECTED) {
            return " (rejected: " + w.rejection.reason() + ")";
        }
        StringBuilder out = new StringBuilder(" (");
        w.allContainers().forEach(c -> {
            out.append(out.length() > 2 ? ", " : "").append(c.name).append(' ').append(c.state.name().toLowerCase(java.util.Locale.ROOT));
            if (c.state == ContainerRun.State.WAITING && c.waitingReason != null) {
                out.append(' ').append(c.waitingReason);
            }
        });
        return out.append(')').toString();
    }

    private static String summary(PodAllocation allocation) {
        Map<String, Map<String, List<String>>> out = new TreeMap<>();
        allocation.containers().forEach((name, c) -> {
            if (!c.deviceIds().isEmpty()) {
                out.put(name, c.deviceIds());
            }
        });
        return out.toString();
    }

    private static String annotation(Pod pod, String key) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(key);
    }

    private static Instant creationTime(Pod pod) {
        String created = pod.getMetadata().getCreationTimestamp();
        return created == null ? Instant.MAX : Instant.parse(created);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
