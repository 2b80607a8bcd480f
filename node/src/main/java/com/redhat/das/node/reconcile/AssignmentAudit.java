package com.redhat.das.node.reconcile;

import com.redhat.das.api.kubelet.podresources.v1.ContainerDevices;
import com.redhat.das.api.kubelet.podresources.v1.ContainerResources;
import com.redhat.das.api.kubelet.podresources.v1.ListPodResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.PodResources;
import com.redhat.das.api.kubelet.podresources.v1.PodResourcesListerGrpc;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.transport.UnixSocketChannel;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.node.lifecycle.SliceProvisioner.Assignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks Allocate's guesses against the kubelet's record. Allocate infers the admitted container (the kubelet does
 * not name it); the pod-resources API says afterwards which container holds which device IDs. If the device IDs
 * handed out for container A are held by container B, the two were crossed: the CDI device name given to B is A's.
 * The repair rewrites the two specs so that each device name resolves to the slices of the container that really
 * holds it; claims, which bind slices to pods, stay as they are.
 */
public final class AssignmentAudit {

    private static final Logger LOG = LoggerFactory.getLogger(AssignmentAudit.class);

    /** A container as the kubelet names it. */
    record Holder(String namespace, String pod, String container) {
    }

    /** One crossing found: device IDs handed out for {@code assumed} are held by {@code actual}. */
    public record Crossing(Assignment assumed, Assignment actual) {
    }

    private final Path podResourcesSocket;
    private final Supplier<List<Assignment>> assignments;
    private final CdiSpecDirectory cdi;
    private final java.util.function.BiConsumer<Assignment, Assignment> onRepaired;

    /**
     * @param onRepaired told of each repaired crossing (assumed, actual), so the records follow the kubelet's
     */
    public AssignmentAudit(Path podResourcesSocket, Supplier<List<Assignment>> assignments, CdiSpecDirectory cdi,
                           java.util.function.BiConsumer<Assignment, Assignment> onRepaired) {
        this.podResourcesSocket = podResourcesSocket;
        this.assignments = assignments;
        this.cdi = cdi;
        this.onRepaired = onRepaired;
    }

    /** Asks the kubelet, compares, repairs; returns the crossings repaired. Nothing to do without the kubelet's socket. */
    public List<Crossing> audit() {
        if (podResourcesSocket == null || !Files.exists(podResourcesSocket)) {
            return List.of();
        }
        List<PodResources> pods;
        try (UnixSocketChannel channel = UnixSocketChannel.open(podResourcesSocket)) {
            pods = PodResourcesListerGrpc.newBlockingStub(channel.channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .list(ListPodResourcesRequest.getDefaultInstance()).getPodResourcesList();
        } catch (RuntimeException e) {
            LOG.warn("pod-resources List failed; assignments not audited: {}", e.getMessage());
            return List.of();
        }
        List<Crossing> crossings = crossings(pods, assignments.get());
        for (Crossing c : crossings) {
            repair(c);
        }
        return crossings;
    }

    /** Pure comparison, for tests. */
    static List<Crossing> crossings(List<PodResources> pods, List<Assignment> made) {
        Map<String, Holder> holderOfDevices = new HashMap<>();
        for (PodResources pod : pods) {
            for (ContainerResources c : pod.getContainersList()) {
                for (ContainerDevices d : c.getDevicesList()) {
                    if (ResourceNames.isDasResource(d.getResourceName())) {
                        holderOfDevices.put(d.getResourceName() + "|" + new java.util.TreeSet<>(d.getDeviceIdsList()),
                                new Holder(pod.getNamespace(), pod.getName(), c.getName()));
                    }
                }
            }
        }
        List<Crossing> out = new ArrayList<>();
        Set<Assignment> seen = new HashSet<>();
        for (Assignment a : made) {
            if (seen.contains(a)) {
                continue;
            }
            Holder actual = holderOfDevices.get(ResourceNames.resourceName(a.profile()) + "|" + new java.util.TreeSet<>(a.deviceIds()));
            if (actual == null || new Holder(a.namespace(), a.podName(), a.container()).equals(actual)) {
                continue;
            }
            Optional<Assignment> other = made.stream().filter(b -> b.profile().equals(a.profile())
                    && new Holder(b.namespace(), b.podName(), b.container()).equals(actual)).findFirst();
            if (other.isPresent()) {
                out.add(new Crossing(a, other.get()));
                seen.add(a);
                seen.add(other.get());
            } else {
                LOG.error("devices {} of {} were handed out for {}/{} {} but the kubelet gave them to {}; no assignment to swap with",
                        a.deviceIds(), a.profile(), a.namespace(), a.podName(), a.container(), actual);
            }
        }
        return out;
    }

    private void repair(Crossing c) {
        Map<String, CdiSpecDirectory.StoredSpec> byHolder = new HashMap<>();
        for (CdiSpecDirectory.StoredSpec s : cdi.list()) {
            byHolder.put(s.slices().podUid() + "/" + s.slices().container(), s);
        }
        CdiSpecDirectory.StoredSpec assumed = byHolder.get(c.assumed().podUid() + "/" + c.assumed().container());
        CdiSpecDirectory.StoredSpec actual = byHolder.get(c.actual().podUid() + "/" + c.actual().container());
        if (assumed == null || actual == null) {
            LOG.error("crossed assignment {} / {}: a spec is missing, cannot repair", c.assumed(), c.actual());
            return;
        }
        // The device names in 'assumed''s file went to 'actual''s container, and the other way round.
        cdi.write(actual.slices(), assumed.names());
        cdi.write(assumed.slices(), actual.names());
        onRepaired.accept(c.assumed(), c.actual());
        LOG.warn("repaired crossed assignment: {}/{} {} and {}/{} {} now each resolve to their own slices",
                c.assumed().namespace(), c.assumed().podName(), c.assumed().container(),
                c.actual().namespace(), c.actual().podName(), c.actual().container());
    }
}
