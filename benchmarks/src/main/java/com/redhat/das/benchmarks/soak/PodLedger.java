package com.redhat.das.benchmarks.soak;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What happened to every pod of the soak, from a watch: when it was first seen, when it first ran, how it ended. The
 * watch is an informer, so it lists again after the API server comes back from a kill.
 */
final class PodLedger implements AutoCloseable {

    /** One pod's life as far as the watch saw it. */
    static final class Entry {
        final String name;
        final Instant created;
        final boolean owned;
        volatile Instant running;
        volatile String phase;
        volatile String reason;
        volatile boolean deleting;
        volatile boolean gone;

        Entry(String name, Instant created, boolean owned) {
            this.name = name;
            this.created = created;
            this.owned = owned;
        }

        boolean alive() {
            return !gone && !deleting && !"Succeeded".equals(phase) && !"Failed".equals(phase);
        }

        boolean ended() {
            return "Succeeded".equals(phase) || "Failed".equals(phase);
        }
    }

    private final Map<String, Entry> byUid = new ConcurrentHashMap<>();
    private final SharedIndexInformer<Pod> informer;
    private final String role;

    /** Watches the pods of {@code namespace} labelled {@code das.soak/role=role}. */
    PodLedger(KubernetesClient client, String namespace, String role) {
        this.role = role;
        this.informer = client.pods().inNamespace(namespace).withLabel(ChurnWorkload.ROLE_LABEL, role)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                        record(pod);
                    }

                    @Override
                    public void onUpdate(Pod oldPod, Pod pod) {
                        record(pod);
                    }

                    @Override
                    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                        Entry e = record(pod);
                        e.gone = true;
                    }
                }, 0);
    }

    private Entry record(Pod pod) {
        // First seen, not creationTimestamp: the API server writes that in whole seconds.
        Entry e = byUid.computeIfAbsent(pod.getMetadata().getUid(), uid -> new Entry(pod.getMetadata().getName(), Instant.now(),
                !pod.getMetadata().getOwnerReferences().isEmpty()));
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        e.phase = phase;
        e.reason = pod.getStatus() == null ? null : pod.getStatus().getReason();
        e.deleting = pod.getMetadata().getDeletionTimestamp() != null;
        if ("Running".equals(phase) && e.running == null) {
            e.running = Instant.now();
        }
        return e;
    }

    String role() {
        return role;
    }

    /** Pods seen at all. */
    int seen() {
        return byUid.size();
    }

    /** Pods that reached Running. */
    int run() {
        return (int) byUid.values().stream().filter(e -> e.running != null).count();
    }

    int succeeded() {
        return (int) byUid.values().stream().filter(e -> "Succeeded".equals(e.phase)).count();
    }

    int failed() {
        return (int) byUid.values().stream().filter(e -> "Failed".equals(e.phase)).count();
    }

    /** Pods the kubelet refused at admission ({@code UnexpectedAdmissionError}: Allocate found no slice for them). */
    int rejectedAtAdmission() {
        return (int) byUid.values().stream().filter(e -> "Failed".equals(e.phase) && "UnexpectedAdmissionError".equals(e.reason)).count();
    }

    /** Pods neither ended nor being deleted. */
    int alive() {
        return (int) byUid.values().stream().filter(Entry::alive).count();
    }

    /** Alive pods that have never run. */
    int waiting() {
        return (int) byUid.values().stream().filter(e -> e.alive() && e.running == null).count();
    }

    /** Names of pods without an owner that have ended and still exist, for the workload to delete. */
    List<String> endedBarePods() {
        return byUid.values().stream().filter(e -> !e.owned && !e.gone && !e.deleting && e.ended()).map(e -> e.name).toList();
    }

    /** Names of pods without an owner that are alive, for the workload to delete mid-run. */
    List<String> aliveBarePods() {
        return byUid.values().stream().filter(e -> !e.owned && e.alive()).map(e -> e.name).sorted().toList();
    }

    /** Time from first sight to first Running of every pod that ran, in milliseconds. */
    List<Long> startLatenciesMillis() {
        List<Long> out = new ArrayList<>();
        for (Entry e : byUid.values()) {
            if (e.running != null) {
                out.add(Math.max(0, Duration.between(e.created, e.running).toMillis()));
            }
        }
        return out;
    }

    /** Whether the pod of that name has run, seen through the watch. */
    boolean hasRun(String name) {
        return byUid.values().stream().anyMatch(e -> e.name.equals(name) && e.running != null);
    }

    @Override
    public void close() {
        informer.close();
    }
}
