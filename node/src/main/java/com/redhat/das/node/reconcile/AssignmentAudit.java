package com.redhat.das.node.reconcile;

import com.redhat.das.api.kubelet.podresources.v1.ContainerDevices;
import com.redhat.das.api.kubelet.podresources.v1.ContainerResources;
import com.redhat.das.api.kubelet.podresources.v1.ListPodResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.PodResources;
import com.redhat.das.api.kubelet.podresources.v1.PodResourcesListerGrpc;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.transport.UnixSocketChannel;
import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.PodReference;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.node.cdi.ContainerSlices;
import com.redhat.das.node.lifecycle.ClaimStatusWriter;
import com.redhat.das.node.lifecycle.NodeCache;
import com.redhat.das.node.lifecycle.PodEvents;
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
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks Allocate's guesses against the kubelet's record. Allocate infers the admitted container (the kubelet does
 * not name it, and pods created in the same second tie in its admission order); the pod-resources API says
 * afterwards which container holds which device IDs. If the device IDs handed out for container A are held by
 * container B, the two were crossed: B runs on the slices made for A's claims, and A on B's. The repair makes the
 * records follow the containers, never the other way round: A's claims are re-pointed at B and B's at A (profile,
 * GPU and placement stay), and each CDI spec is relabelled with the container that holds it, keeping the device names
 * the kubelet already gave out. When B ends, the slices B really used are the ones destroyed.
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
    private final NodeCache cache;
    private final ClaimStatusWriter claims;
    private final PodEvents events;
    private final java.util.function.BiConsumer<Assignment, Assignment> onRepaired;

    /**
     * @param onRepaired told of each repaired crossing (assumed, actual), so the records follow the kubelet's
     */
    public AssignmentAudit(Path podResourcesSocket, Supplier<List<Assignment>> assignments, CdiSpecDirectory cdi,
                           NodeCache cache, ClaimStatusWriter claims, PodEvents events,
                           java.util.function.BiConsumer<Assignment, Assignment> onRepaired) {
        this.podResourcesSocket = podResourcesSocket;
        this.assignments = assignments;
        this.cdi = cdi;
        this.cache = cache;
        this.claims = claims;
        this.events = events;
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
        List<Crossing> crossings = crossings(pods, assignments.get(), uid -> cache.livePod(uid).isPresent());
        for (Crossing c : crossings) {
            repair(c);
        }
        return crossings;
    }

    /**
     * Pure comparison, for tests. Only containers of live pods count, and only a swap both ways is a crossing: device
     * IDs are reused once a pod ends, so the kubelet may still list an ended container with the IDs a new one now
     * holds, and this process may still remember what it handed out for a pod whose slices are being released.
     *
     * @param podAlive whether the pod of that uid is neither being deleted nor ended
     */
    static List<Crossing> crossings(List<PodResources> pods, List<Assignment> made, Predicate<String> podAlive) {
        List<Assignment> live = made.stream().filter(a -> podAlive.test(a.podUid())).toList();
        Set<Holder> liveHolders = new HashSet<>();
        live.forEach(a -> liveHolders.add(holder(a)));
        Map<String, Set<Holder>> holdersOfDevices = new HashMap<>();
        for (PodResources pod : pods) {
            for (ContainerResources c : pod.getContainersList()) {
                Holder h = new Holder(pod.getNamespace(), pod.getName(), c.getName());
                for (ContainerDevices d : c.getDevicesList()) {
                    if (ResourceNames.isDasResource(d.getResourceName()) && liveHolders.contains(h)) {
                        holdersOfDevices.computeIfAbsent(devicesKey(d.getResourceName(), d.getDeviceIdsList()), k -> new HashSet<>()).add(h);
                    }
                }
            }
        }
        List<Crossing> out = new ArrayList<>();
        Set<Assignment> seen = new HashSet<>();
        for (Assignment a : live) {
            if (seen.contains(a)) {
                continue;
            }
            Set<Holder> holders = holdersOf(holdersOfDevices, a);
            if (holders.isEmpty() || holders.contains(holder(a)) || holders.size() > 1) {
                continue;
            }
            Holder actual = holders.iterator().next();
            Optional<Assignment> other = live.stream().filter(b -> !seen.contains(b) && b.profile().equals(a.profile())
                    && holder(b).equals(actual) && holdersOf(holdersOfDevices, b).equals(Set.of(holder(a)))).findFirst();
            if (other.isPresent()) {
                out.add(new Crossing(a, other.get()));
                seen.add(a);
                seen.add(other.get());
            } else {
                LOG.debug("devices {} of {} handed out for {}/{} {} are held by {}, who does not hold theirs; not a crossing",
                        a.deviceIds(), a.profile(), a.namespace(), a.podName(), a.container(), actual);
            }
        }
        return out;
    }

    private static Holder holder(Assignment a) {
        return new Holder(a.namespace(), a.podName(), a.container());
    }

    private static Set<Holder> holdersOf(Map<String, Set<Holder>> holdersOfDevices, Assignment a) {
        return holdersOfDevices.getOrDefault(devicesKey(ResourceNames.resourceName(a.profile()), a.deviceIds()), Set.of());
    }

    private static String devicesKey(String resourceName, List<String> deviceIds) {
        return resourceName + "|" + new java.util.TreeSet<>(deviceIds);
    }

    private void repair(Crossing c) {
        Assignment a = c.assumed();
        Assignment b = c.actual();
        List<AllocationClaim> ofA = claimsOf(a);
        List<AllocationClaim> ofB = claimsOf(b);
        if (!shape(ofA).equals(shape(ofB))) {
            LOG.error("crossed assignment {}/{} {} <-> {}/{} {}: their claims differ ({} vs {}); not repaired", a.namespace(),
                    a.podName(), a.container(), b.namespace(), b.podName(), b.container(), shape(ofA), shape(ofB));
            return;
        }
        Map<String, CdiSpecDirectory.StoredSpec> byHolder = new HashMap<>();
        for (CdiSpecDirectory.StoredSpec s : cdi.list()) {
            byHolder.put(s.slices().podUid() + "/" + s.slices().container(), s);
        }
        CdiSpecDirectory.StoredSpec specA = byHolder.get(a.podUid() + "/" + a.container());
        CdiSpecDirectory.StoredSpec specB = byHolder.get(b.podUid() + "/" + b.container());
        PodReference refA = PodReference.pod(a.namespace(), a.podName(), a.podUid());
        PodReference refB = PodReference.pod(b.namespace(), b.podName(), b.podUid());
        ofA.forEach(claim -> claims.repoint(claim.getMetadata().getName(), refB, b.container()));
        ofB.forEach(claim -> claims.repoint(claim.getMetadata().getName(), refA, a.container()));
        // The spec made for A went to B's container: it now holds B's (re-pointed) claims under A's device names.
        if (specA != null) {
            cdi.write(relabel(specA.slices(), b), specA.names());
        }
        if (specB != null) {
            cdi.write(relabel(specB.slices(), a), specB.names());
        }
        onRepaired.accept(a, b);
        LOG.warn("repaired crossed assignment: {}/{} {} and {}/{} {} had each other's slices; claims and CDI specs now "
                + "follow the containers", a.namespace(), a.podName(), a.container(), b.namespace(), b.podName(), b.container());
        String message = "the kubelet admitted this pod's container with the slices made for another pod's; the claims "
                + "were re-pointed so that they name the slices the containers really hold";
        cache.pod(a.podUid()).ifPresent(p -> events.normal(p, "MigSliceClaimsRepointed", message));
        cache.pod(b.podUid()).ifPresent(p -> events.normal(p, "MigSliceClaimsRepointed", message));
    }

    private List<AllocationClaim> claimsOf(Assignment a) {
        return cache.claimsOf(a.podUid()).stream().filter(c -> a.container().equals(c.getSpec().containerName())).toList();
    }

    /** Profile → count: two containers can swap claims only if they asked for the same. */
    private static Map<String, Long> shape(List<AllocationClaim> claims) {
        return claims.stream().collect(java.util.stream.Collectors.groupingBy(c -> c.getSpec().profile(),
                java.util.TreeMap::new, java.util.stream.Collectors.counting()));
    }

    private static ContainerSlices relabel(ContainerSlices content, Assignment holder) {
        return new ContainerSlices(holder.podUid(), holder.namespace(), holder.podName(), holder.container(),
                content.slices(), content.claims());
    }
}
