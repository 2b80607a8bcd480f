package com.redhat.das.testbed.kubelet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.stream.Stream;

/**
 * What the stand-in knows about one pod bound to its node: where it is in its life, its containers' states, and the
 * pod status that follows from them, rendered as the kubelet's status manager writes it. Used on the sync loop
 * thread only.
 */
final class PodWorker {

    private static final ObjectMapper JSON = new ObjectMapper();

    enum Stage {
        /** Seen, waiting for its turn on the admission thread. */
        AWAITING_ADMISSION,
        /** Admitted (devices allocated); some container has not started yet. */
        STARTING,
        /** Every container runs. */
        RUNNING,
        /** Its containers exited (run-seconds), or it was already terminal when first seen. */
        ENDED,
        /** Admission refused it. */
        REJECTED,
        /** It has a deletionTimestamp: containers stopped, pod deleted or being deleted. */
        TERMINATING
    }

    final String uid;
    Pod pod;
    Stage stage;
    PodAllocation allocation;
    AdmissionRejection rejection;
    Instant startTime;
    String podIp;
    final List<ContainerRun> initContainers = new ArrayList<>();
    final List<ContainerRun> containers = new ArrayList<>();
    /** The pending retry or completion. */
    ScheduledFuture<?> timer;
    /** The status last written, to skip writes that change nothing. */
    String lastWrittenStatus;
    /** Per condition type: the status it has and since when (lastTransitionTime changes only with the status). */
    private final Map<String, String[]> conditionSince = new HashMap<>();

    PodWorker(Pod pod) {
        this.pod = pod;
        this.uid = pod.getMetadata().getUid();
        boolean hasPlainInit = pod.getSpec().getInitContainers().stream().anyMatch(c -> !DeviceManager.isSidecar(c));
        for (Container c : pod.getSpec().getInitContainers()) {
            initContainers.add(new ContainerRun(c, true, "PodInitializing"));
        }
        for (Container c : pod.getSpec().getContainers()) {
            containers.add(new ContainerRun(c, false, hasPlainInit ? "PodInitializing" : "ContainerCreating"));
        }
    }

    String describe() {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    Stream<ContainerRun> allContainers() {
        return Stream.concat(initContainers.stream(), containers.stream());
    }

    /** Regular containers and sidecars: what must run for the pod to be ready. */
    private Stream<ContainerRun> longRunning() {
        return Stream.concat(initContainers.stream().filter(c -> c.sidecar), containers.stream());
    }

    /** The phase the kubelet computes from the container states. */
    String phase() {
        return switch (stage) {
            case AWAITING_ADMISSION, STARTING -> "Pending";
            case RUNNING -> "Running";
            case REJECTED -> "Failed";
            case ENDED, TERMINATING -> containers.stream().allMatch(c -> c.state == ContainerRun.State.TERMINATED && c.exitCode == 0)
                    ? "Succeeded" : "Failed";
        };
    }

    /** The status of a rejected pod: only phase, reason and message, as the kubelet's rejectPod sets it. */
    ObjectNode rejectedStatus() {
        ObjectNode status = JSON.createObjectNode();
        status.put("phase", "Failed");
        status.put("reason", rejection.reason());
        status.put("message", AdmissionRejection.STATUS_MESSAGE_PREFIX + rejection.getMessage());
        return status;
    }

    /** The status of an admitted pod, from its containers' states. */
    ObjectNode status(Instant now) {
        boolean ended = stage == Stage.ENDED || stage == Stage.TERMINATING;
        ObjectNode status = JSON.createObjectNode();
        status.put("phase", phase());
        ArrayNode conditions = status.putArray("conditions");
        condition(conditions, "PodReadyToStartContainers", true, null, null, now);
        List<String> uninitialized = initContainers.stream()
                .filter(c -> c.sidecar ? c.state == ContainerRun.State.WAITING : c.state != ContainerRun.State.TERMINATED)
                .map(c -> c.name).toList();
        if (ended) {
            condition(conditions, "Initialized", true, "PodCompleted", null, now);
        } else {
            condition(conditions, "Initialized", uninitialized.isEmpty(), uninitialized.isEmpty() ? null : "ContainersNotInitialized",
                    uninitialized.isEmpty() ? null : "containers with incomplete status: [" + String.join(" ", uninitialized) + "]", now);
        }
        List<String> unready = longRunning().filter(c -> c.state != ContainerRun.State.RUNNING).map(c -> c.name).toList();
        String notReadyReason = ended ? "PodCompleted" : "ContainersNotReady";
        String notReadyMessage = ended || unready.isEmpty() ? null : "containers with unready status: [" + String.join(" ", unready) + "]";
        condition(conditions, "Ready", unready.isEmpty(), unready.isEmpty() ? null : notReadyReason, notReadyMessage, now);
        condition(conditions, "ContainersReady", unready.isEmpty(), unready.isEmpty() ? null : notReadyReason, notReadyMessage, now);
        condition(conditions, "PodScheduled", true, null, null, now);
        // a rejected pod's reason and message must not survive on an admitted pod of the same UID (strategic merge keeps fields)
        status.putNull("reason");
        status.putNull("message");
        status.put("hostIP", "127.0.0.1");
        status.putArray("hostIPs").addObject().put("ip", "127.0.0.1");
        status.put("podIP", podIp);
        status.putArray("podIPs").addObject().put("ip", podIp);
        status.put("startTime", time(startTime));
        if (!initContainers.isEmpty()) {
            ArrayNode init = status.putArray("initContainerStatuses");
            initContainers.forEach(c -> init.add(c.status()));
        }
        ArrayNode regular = status.putArray("containerStatuses");
        containers.forEach(c -> regular.add(c.status()));
        return status;
    }

    /**
     * A pod condition; under strategic merge conditions merge by type, so an absent reason or message is written as
     * null, which removes what an earlier status had there.
     */
    private void condition(ArrayNode conditions, String type, boolean isTrue, String reason, String message, Instant now) {
        String value = isTrue ? "True" : "False";
        String[] since = conditionSince.get(type);
        if (since == null || !since[0].equals(value)) {
            since = new String[] {value, time(now)};
            conditionSince.put(type, since);
        }
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", value);
        c.putNull("lastProbeTime");
        c.put("lastTransitionTime", since[1]);
        if (reason == null) {
            c.putNull("reason");
        } else {
            c.put("reason", reason);
        }
        if (message == null) {
            c.putNull("message");
        } else {
            c.put("message", message);
        }
    }

    static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** One container as the runtime sees it. */
    static final class ContainerRun {

        enum State { WAITING, RUNNING, TERMINATED }

        final String name;
        final boolean init;
        final boolean sidecar;
        final String image;
        State state = State.WAITING;
        String waitingReason;
        String waitingMessage;
        Instant startedAt;
        Instant finishedAt;
        int exitCode;
        String terminatedReason;
        String containerId;
        /** Failure messages already reported by an event, so a retry loop does not flood the namespace. */
        final Set<String> reportedFailures = new HashSet<>();

        ContainerRun(Container container, boolean init, String initialWaitingReason) {
            this.name = container.getName();
            this.init = init;
            this.sidecar = init && DeviceManager.isSidecar(container);
            this.image = normalizedImage(container.getImage());
            this.waitingReason = initialWaitingReason;
        }

        void waiting(String reason, String message) {
            state = State.WAITING;
            waitingReason = reason;
            waitingMessage = message;
        }

        void running(Instant at, String podUid) {
            state = State.RUNNING;
            startedAt = at;
            containerId = "containerd://" + sha256(podUid + "/" + name);
            waitingReason = null;
            waitingMessage = null;
        }

        void terminated(int code, Instant at) {
            state = State.TERMINATED;
            exitCode = code;
            terminatedReason = code == 0 ? "Completed" : "Error";
            finishedAt = at;
        }

        ObjectNode status() {
            ObjectNode s = JSON.createObjectNode();
            s.put("name", name);
            ObjectNode st = s.putObject("state");
            switch (state) {
                case WAITING -> {
                    ObjectNode w = st.putObject("waiting").put("reason", waitingReason);
                    if (waitingMessage != null) {
                        w.put("message", waitingMessage);
                    }
                }
                case RUNNING -> st.putObject("running").put("startedAt", time(startedAt));
                case TERMINATED -> st.putObject("terminated").put("exitCode", exitCode).put("reason", terminatedReason)
                        .put("startedAt", time(startedAt)).put("finishedAt", time(finishedAt)).put("containerID", containerId);
            }
            s.putObject("lastState");
            // a completed init container counts as ready; a regular one that exited does not
            s.put("ready", state == State.RUNNING || (init && !sidecar && state == State.TERMINATED && exitCode == 0));
            s.put("restartCount", 0);
            s.put("image", image);
            s.put("imageID", containerId == null ? "" : imageId(image));
            if (containerId != null) {
                s.put("containerID", containerId);
            }
            s.put("started", state == State.RUNNING);
            return s;
        }
    }

    /** The image as containerd reports it: registry and tag made explicit. */
    static String normalizedImage(String image) {
        if (image == null || image.isBlank()) {
            return "";
        }
        String name = image;
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        if (slash < 0) {
            name = "docker.io/library/" + name;
        } else if (!first.contains(".") && !first.contains(":") && !first.equals("localhost")) {
            name = "docker.io/" + name;
        }
        String lastPart = name.substring(name.lastIndexOf('/') + 1);
        if (!lastPart.contains(":") && !name.contains("@")) {
            name = name + ":latest";
        }
        return name;
    }

    private static String imageId(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            return image;
        }
        int colon = image.lastIndexOf(':');
        String repository = colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
        return repository + "@sha256:" + sha256(image);
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
