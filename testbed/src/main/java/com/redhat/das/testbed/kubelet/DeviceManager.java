package com.redhat.das.testbed.kubelet;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Device;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.NUMANode;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegisterRequest;
import com.redhat.das.testbed.kubelet.PodAllocation.ContainerAllocation;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's device manager: the registered plugins with their latest device lists, and the devices allocated to
 * pods (the checkpoint, which survives a kubelet restart).
 *
 * <p>Allocation follows the kubelet: init containers first, in order, then regular containers; devices a finished
 * init container held are handed to the following containers first; otherwise healthy devices no active pod holds,
 * the plugin's GetPreferredAllocation choice first when it offers one, then in ID order. Every plugin call happens
 * outside the lock; allocations all come from the single admission thread, so what is free cannot change under it.
 */
final class DeviceManager implements AutoCloseable {

    /** The device-plugin API version the kubelet accepts in RegisterRequest. */
    static final String API_VERSION = "v1beta1";
    static final String HEALTHY = "Healthy";
    static final String UNHEALTHY = "Unhealthy";
    private static final Logger LOG = LoggerFactory.getLogger(DeviceManager.class);
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

    private final Path pluginDirectory;
    private final Duration endpointStopGracePeriod;
    private final Duration callTimeout;
    private final Runnable onResourcesChanged;
    private final Clock clock;

    // all guarded by this
    private final Map<String, ResourceState> resources = new TreeMap<>();
    /** Resources whose plugin stayed away longer than the grace period: the node reports them as 0 until one returns. */
    private final Set<String> removedResources = new TreeSet<>();
    private final Map<String, PodEntry> pods = new LinkedHashMap<>();
    private final Map<String, Integer> registrations = new HashMap<>();
    private boolean closed;

    /**
     * @param pluginDirectory         where plugins put their sockets; RegisterRequest.endpoint is relative to it
     * @param endpointStopGracePeriod how long a resource whose plugin went away is still reported (the kubelet's 5 min)
     * @param callTimeout             deadline for Allocate and GetPreferredAllocation (the kubelet sets none; a test
     *                                must not hang on a stuck plugin)
     * @param onResourcesChanged      called, outside any lock, whenever capacity or allocatable may have changed
     */
    DeviceManager(Path pluginDirectory, Duration endpointStopGracePeriod, Duration callTimeout, Runnable onResourcesChanged,
                  Clock clock) {
        this.pluginDirectory = pluginDirectory;
        this.endpointStopGracePeriod = endpointStopGracePeriod;
        this.callTimeout = callTimeout;
        this.onResourcesChanged = onResourcesChanged;
        this.clock = clock;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Registration and ListAndWatch

    /**
     * Handles Registration.Register: checks the request, dials the plugin, asks its options (all before answering, as
     * the kubelet does), then opens ListAndWatch. A plugin registering a resource again replaces its predecessor.
     *
     * @throws StatusException with the kubelet's error text; Go errors reach the plugin with code Unknown
     */
    void register(RegisterRequest request) throws StatusException {
        String resource = request.getResourceName();
        if (!API_VERSION.equals(request.getVersion())) {
            throw Status.UNKNOWN.withDescription("requested API version \"" + request.getVersion()
                    + "\" is not supported by kubelet. Supported versions are [\"" + API_VERSION + "\"]").asException();
        }
        if (!isExtendedResourceName(resource)) {
            throw Status.UNKNOWN.withDescription("the ResourceName \"" + resource + "\" is invalid").asException();
        }
        Path socket = pluginDirectory.resolve(request.getEndpoint());
        PluginEndpoint endpoint;
        try {
            endpoint = PluginEndpoint.connect(resource, socket);
        } catch (StatusRuntimeException e) {
            String why = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED || e.getStatus().getCode() == Status.Code.UNAVAILABLE
                    ? "failed to dial device plugin: context deadline exceeded"
                    : "failed to get device plugin options: " + GrpcErrors.goString(e);
            LOG.warn("Device plugin for {} at {} did not answer: {}", resource, socket, e.getStatus());
            throw Status.UNKNOWN.withDescription(why).asException();
        }
        PluginEndpoint previous;
        synchronized (this) {
            if (closed) {
                endpoint.close();
                throw Status.UNAVAILABLE.withDescription("kubelet is shutting down").asException();
            }
            ResourceState state = resources.computeIfAbsent(resource, ResourceState::new);
            previous = state.endpoint;
            state.endpoint = endpoint;
            state.stoppedAt = null;
            removedResources.remove(resource);
            registrations.merge(resource, 1, Integer::sum);
        }
        if (previous != null) {
            LOG.info("Device plugin for {} registered again: dropping the connection to {}", resource, previous.socket());
            previous.close();
        }
        LOG.info("Registered device plugin for {} at {} (preStartRequired={}, getPreferredAllocationAvailable={})", resource, socket,
                endpoint.options().getPreStartRequired(), endpoint.options().getGetPreferredAllocationAvailable());
        endpoint.watch(devices -> onDevices(endpoint, devices), status -> onStreamEnd(endpoint, status));
    }

    private void onDevices(PluginEndpoint endpoint, List<Device> devices) {
        synchronized (this) {
            ResourceState state = resources.get(endpoint.resourceName());
            if (state == null || state.endpoint != endpoint) {
                return; // a superseded connection still draining
            }
            state.devices.clear();
            devices.forEach(d -> state.devices.put(d.getID(), d));
            LOG.info("ListAndWatch {}: {} devices, {} healthy", endpoint.resourceName(), devices.size(), state.healthyIds().size());
        }
        onResourcesChanged.run();
    }

    /** The plugin is gone: its devices turn unhealthy (capacity stays, allocatable drops to 0) until it registers again. */
    private void onStreamEnd(PluginEndpoint endpoint, Status status) {
        synchronized (this) {
            ResourceState state = resources.get(endpoint.resourceName());
            if (state == null || state.endpoint != endpoint) {
                return; // replaced by a new registration, or dropped by a restart: not a plugin failure
            }
            state.endpoint = null;
            state.stoppedAt = clock.instant();
            state.devices.replaceAll((id, d) -> d.toBuilder().setHealth(UNHEALTHY).build());
        }
        LOG.warn("ListAndWatch of {} ended ({}): the plugin is gone, its devices are unhealthy", endpoint.resourceName(), status);
        // closing waits for the channel, which must not happen on the channel's own callback thread
        CompletableFuture.runAsync(endpoint::close);
        onResourcesChanged.run();
    }

    /** Forgets resources whose plugin has been gone longer than the grace period, as the kubelet's GetCapacity does. */
    void expireStoppedEndpoints() {
        boolean changed = false;
        synchronized (this) {
            Instant now = clock.instant();
            for (var it = resources.values().iterator(); it.hasNext(); ) {
                ResourceState state = it.next();
                if (state.endpoint == null && state.stoppedAt != null && state.stoppedAt.plus(endpointStopGracePeriod).isBefore(now)) {
                    it.remove();
                    removedResources.add(state.name);
                    changed = true;
                    LOG.info("Device plugin for {} stayed away longer than {}: resource removed", state.name, endpointStopGracePeriod);
                }
            }
        }
        if (changed) {
            onResourcesChanged.run();
        }
    }

    /**
     * What a kubelet restart does to the device manager: every plugin connection is dropped, resources without
     * allocations are forgotten, resources with allocations (from the checkpoint) are known with no devices until
     * their plugin registers again. Allocations stay.
     */
    void restart() {
        List<PluginEndpoint> dropped = new ArrayList<>();
        synchronized (this) {
            Set<String> checkpointed = new TreeSet<>();
            pods.values().forEach(p -> p.containers.values().forEach(c -> checkpointed.addAll(c.deviceIds.keySet())));
            for (ResourceState state : resources.values()) {
                if (state.endpoint != null) {
                    dropped.add(state.endpoint);
                }
            }
            resources.clear();
            removedResources.clear();
            Instant now = clock.instant();
            for (String resource : checkpointed) {
                ResourceState state = new ResourceState(resource);
                state.stoppedAt = now;
                resources.put(resource, state);
            }
        }
        dropped.forEach(PluginEndpoint::close);
        onResourcesChanged.run();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Allocation

    /**
     * Allocates devices to every container of the pod. On failure nothing stays allocated to the pod.
     *
     * @throws AdmissionRejection the kubelet's UnexpectedAdmissionError, with its message
     */
    PodAllocation allocatePod(Pod pod) throws AdmissionRejection {
        String uid = pod.getMetadata().getUid();
        PodEntry entry = new PodEntry(uid, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), listedContainers(pod));
        synchronized (this) {
            pods.put(uid, entry);
        }
        // devices of finished init containers, which the next containers take first
        Map<String, Set<String>> reusable = new HashMap<>();
        try {
            for (Container c : pod.getSpec().getInitContainers()) {
                Map<String, List<String>> got = allocateContainer(entry, c, reusable);
                if (isSidecar(c)) {
                    // a sidecar keeps running: its devices are not for the others
                    got.forEach((r, ids) -> reusable.getOrDefault(r, new HashSet<>()).removeAll(ids));
                } else {
                    got.forEach((r, ids) -> reusable.computeIfAbsent(r, k -> new LinkedHashSet<>()).addAll(ids));
                }
            }
            for (Container c : pod.getSpec().getContainers()) {
                Map<String, List<String>> got = allocateContainer(entry, c, reusable);
                got.forEach((r, ids) -> reusable.getOrDefault(r, new HashSet<>()).removeAll(ids));
            }
        } catch (AdmissionRejection e) {
            release(uid);
            throw e;
        }
        synchronized (this) {
            entry.admitted = true;
            return entry.snapshot();
        }
    }

    /** Allocates the container's device requests; returns what it got, per resource. */
    private Map<String, List<String>> allocateContainer(PodEntry entry, Container container, Map<String, Set<String>> reusable)
            throws AdmissionRejection {
        ContainerEntry containerEntry;
        synchronized (this) {
            containerEntry = entry.containers.computeIfAbsent(container.getName(), ContainerEntry::new);
        }
        Map<String, List<String>> got = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> request : deviceRequests(container).entrySet()) {
            String resource = request.getKey();
            int needed = request.getValue();
            if (needed == 0 || !isDevicePluginResource(resource)) {
                continue;
            }
            Choice choice = devicesToAllocate(resource, needed, reusable.getOrDefault(resource, Set.of()));
            synchronized (this) {
                containerEntry.deviceIds.put(resource, choice.deviceIds());
                containerEntry.numaNodes.putAll(choice.numaNodes());
            }
            if (choice.endpoint() == null) {
                throw AdmissionRejection.unexpected("endpoint " + resource + " has been stopped");
            }
            ContainerAllocateResponse response;
            try {
                response = choice.endpoint().allocate(choice.deviceIds(), callTimeout);
            } catch (StatusRuntimeException e) {
                LOG.warn("Allocate {} {} for pod {}/{} container {} failed: {}", resource, choice.deviceIds(), entry.namespace, entry.name,
                        container.getName(), e.getStatus());
                throw AdmissionRejection.unexpected(GrpcErrors.goString(e));
            } catch (IllegalStateException e) {
                LOG.warn("Allocate {} for pod {}/{} container {}: {}", resource, entry.namespace, entry.name, container.getName(), e.getMessage());
                throw AdmissionRejection.unexpected(e.getMessage());
            }
            synchronized (this) {
                containerEntry.responses.put(resource, response);
            }
            got.put(resource, choice.deviceIds());
            LOG.info("Allocate {} {} for pod {}/{} container {}: ok ({} envs, {} CDI devices {}, {} device nodes, {} mounts)", resource,
                    choice.deviceIds(), entry.namespace, entry.name, container.getName(), response.getEnvsCount(),
                    response.getCdiDevicesCount(), response.getCdiDevicesList().stream().map(d -> d.getName()).toList(),
                    response.getDevicesCount(), response.getMountsCount());
        }
        return got;
    }

    private record Choice(List<String> deviceIds, PluginEndpoint endpoint, Map<String, List<Long>> numaNodes) {
    }

    private Choice devicesToAllocate(String resource, int needed, Set<String> reusable) throws AdmissionRejection {
        List<String> chosen = new ArrayList<>();
        for (String id : new TreeSet<>(reusable)) {
            if (chosen.size() == needed) {
                break;
            }
            chosen.add(id);
        }
        PluginEndpoint endpoint;
        List<String> available;
        Map<String, Device> devices;
        synchronized (this) {
            ResourceState state = resources.get(resource);
            endpoint = state == null ? null : state.endpoint;
            devices = state == null ? Map.of() : Map.copyOf(state.devices);
            Set<String> free = new TreeSet<>(state == null ? Set.of() : state.healthyIds());
            free.removeAll(allocatedDevices(resource));
            available = List.copyOf(free);
        }
        int remaining = needed - chosen.size();
        if (remaining > 0) {
            if (available.size() < remaining) {
                throw AdmissionRejection.unexpected(String.format("requested number of devices unavailable for %s. Requested: %d, Available: %d",
                        resource, remaining, available.size()));
            }
            if (endpoint != null && endpoint.options().getGetPreferredAllocationAvailable()) {
                Set<String> candidates = new TreeSet<>(available);
                candidates.addAll(chosen);
                List<String> preferred;
                try {
                    preferred = endpoint.preferredAllocation(candidates, chosen, needed, callTimeout);
                } catch (StatusRuntimeException e) {
                    throw AdmissionRejection.unexpected("device plugin GetPreferredAllocation rpc failed with err: " + GrpcErrors.goString(e));
                }
                // advisory only: anything not actually free is ignored
                for (String id : preferred) {
                    if (chosen.size() < needed && available.contains(id) && !chosen.contains(id)) {
                        chosen.add(id);
                    }
                }
            }
            for (String id : available) {
                if (chosen.size() < needed && !chosen.contains(id)) {
                    chosen.add(id);
                }
            }
        }
        Map<String, List<Long>> numa = new HashMap<>();
        for (String id : chosen) {
            Device d = devices.get(id);
            if (d != null && d.hasTopology()) {
                numa.put(id, d.getTopology().getNodesList().stream().map(NUMANode::getID).toList());
            }
        }
        return new Choice(List.copyOf(chosen), endpoint, numa);
    }

    /**
     * Calls PreStartContainer for each of the container's resources whose plugin asks for it, as the kubelet does
     * before every start attempt.
     */
    void preStartContainer(String podUid, String container) throws ContainerStartFailure {
        Map<String, List<String>> deviceIds;
        Map<String, PluginEndpoint> endpoints = new HashMap<>();
        synchronized (this) {
            PodEntry pod = pods.get(podUid);
            ContainerEntry entry = pod == null ? null : pod.containers.get(container);
            if (entry == null) {
                return;
            }
            deviceIds = new TreeMap<>(entry.deviceIds);
            for (String resource : deviceIds.keySet()) {
                ResourceState state = resources.get(resource);
                if (state != null && state.endpoint != null) {
                    endpoints.put(resource, state.endpoint);
                }
            }
        }
        for (Map.Entry<String, List<String>> e : deviceIds.entrySet()) {
            PluginEndpoint endpoint = endpoints.get(e.getKey());
            if (endpoint == null || !endpoint.options().getPreStartRequired()) {
                continue;
            }
            try {
                endpoint.preStartContainer(e.getValue());
                LOG.info("PreStartContainer {} {} for container {}: ok", e.getKey(), e.getValue(), container);
            } catch (StatusRuntimeException ex) {
                LOG.warn("PreStartContainer {} {} for container {} failed: {}", e.getKey(), e.getValue(), container, ex.getStatus());
                throw new ContainerStartFailure(ContainerStartFailure.CREATE_CONTAINER_CONFIG_ERROR,
                        "device plugin PreStartContainer rpc failed with err: " + GrpcErrors.goString(ex));
            }
        }
    }

    /** Frees the pod's devices (it ended, was deleted or was rejected). Returns whether it held an allocation. */
    boolean release(String podUid) {
        PodEntry removed;
        synchronized (this) {
            removed = pods.remove(podUid);
        }
        if (removed != null) {
            // an init container's devices are usually its successor's too: list each once
            Map<String, Set<String>> held = new TreeMap<>();
            removed.containers.values().forEach(c -> c.deviceIds.forEach((r, ids) -> held.computeIfAbsent(r, k -> new LinkedHashSet<>()).addAll(ids)));
            LOG.info("Released the devices of pod {}/{}: {}", removed.namespace, removed.name, held);
        }
        return removed != null;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Queries

    /** Whether the device manager handles the resource: a plugin registered it, or a pod holds some of it. */
    synchronized boolean isDevicePluginResource(String resource) {
        return resources.containsKey(resource) || !allocatedDevices(resource).isEmpty();
    }

    /** Devices of the resource held by any pod, this one's earlier containers included. */
    private Set<String> allocatedDevices(String resource) {
        Set<String> inUse = new HashSet<>();
        for (PodEntry pod : pods.values()) {
            for (ContainerEntry c : pod.containers.values()) {
                inUse.addAll(c.deviceIds.getOrDefault(resource, List.of()));
            }
        }
        return inUse;
    }

    /** What the node reports per device-plugin resource: capacity counts every device, allocatable the healthy ones. */
    synchronized Map<String, ResourceCount> nodeResources() {
        Map<String, ResourceCount> out = new TreeMap<>();
        removedResources.forEach(r -> out.put(r, new ResourceCount(0, 0)));
        resources.values().forEach(s -> out.put(s.name, new ResourceCount(s.devices.size(), s.healthyIds().size())));
        return out;
    }

    record ResourceCount(int capacity, int allocatable) {
    }

    /** Allocations of the pods whose admission completed (a pod being admitted is not listed yet). */
    synchronized List<PodAllocation> podAllocations() {
        return pods.values().stream().filter(p -> p.admitted).map(PodEntry::snapshot).toList();
    }

    synchronized Optional<PodAllocation> podAllocation(String podUid) {
        return Optional.ofNullable(pods.get(podUid)).filter(p -> p.admitted).map(PodEntry::snapshot);
    }

    /** Healthy devices per resource, in the plugin's order. */
    synchronized Map<String, List<Device>> healthyDevices() {
        Map<String, List<Device>> out = new TreeMap<>();
        for (ResourceState s : resources.values()) {
            out.put(s.name, s.devices.values().stream().filter(d -> HEALTHY.equals(d.getHealth())).toList());
        }
        return out;
    }

    /** Resources with a live plugin connection. */
    synchronized Set<String> connectedResources() {
        Set<String> out = new TreeSet<>();
        resources.values().stream().filter(s -> s.endpoint != null).forEach(s -> out.add(s.name));
        return out;
    }

    synchronized int registrationCount(String resource) {
        return registrations.getOrDefault(resource, 0);
    }

    @Override
    public void close() {
        List<PluginEndpoint> endpoints = new ArrayList<>();
        synchronized (this) {
            closed = true;
            resources.values().stream().filter(s -> s.endpoint != null).forEach(s -> endpoints.add(s.endpoint));
            resources.values().forEach(s -> s.endpoint = null);
        }
        endpoints.forEach(PluginEndpoint::close);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Rules shared with the rest of the stand-in

    /** A restartable init container (restartPolicy Always): it runs beside the regular containers. */
    static boolean isSidecar(Container c) {
        return "Always".equals(c.getRestartPolicy());
    }

    /** The containers the pod-resources API lists: sidecars, then regular containers (plain init containers are not). */
    static List<String> listedContainers(Pod pod) {
        List<String> out = new ArrayList<>();
        pod.getSpec().getInitContainers().stream().filter(DeviceManager::isSidecar).forEach(c -> out.add(c.getName()));
        pod.getSpec().getContainers().forEach(c -> out.add(c.getName()));
        return out;
    }

    /** The container's extended-resource requests, from its limits (the kubelet's source) or else its requests. */
    static Map<String, Integer> deviceRequests(Container container) {
        Map<String, Integer> out = new TreeMap<>();
        if (container.getResources() == null) {
            return out;
        }
        addExtended(out, container.getResources().getLimits());
        addExtended(out, container.getResources().getRequests());
        return out;
    }

    private static void addExtended(Map<String, Integer> out, Map<String, Quantity> quantities) {
        if (quantities == null) {
            return;
        }
        quantities.forEach((name, q) -> {
            if (isExtendedResourceName(name)) {
                out.putIfAbsent(name, q.getNumericalAmount().setScale(0, RoundingMode.CEILING).intValueExact());
            }
        });
    }

    /**
     * Kubernetes' extended resource names: a domain-prefixed name outside kubernetes.io, valid as a quota name
     * {@code requests.<name>} (a DNS subdomain prefix and a qualified name of at most 63 characters).
     */
    static boolean isExtendedResourceName(String name) {
        int slash = name.indexOf('/');
        if (slash <= 0 || name.contains("kubernetes.io/") || name.startsWith("requests.") || name.indexOf('/', slash + 1) >= 0) {
            return false;
        }
        String prefix = "requests." + name.substring(0, slash);
        String local = name.substring(slash + 1);
        return prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()
                && local.length() <= 63 && QUALIFIED_NAME_PART.matcher(local).matches();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static final class ResourceState {
        final String name;
        /** The live connection; null when the plugin is gone or the kubelet restarted since it registered. */
        PluginEndpoint endpoint;
        Instant stoppedAt;
        /** The latest ListAndWatch list, by ID, in the plugin's order. */
        final Map<String, Device> devices = new LinkedHashMap<>();

        ResourceState(String name) {
            this.name = name;
        }

        Set<String> healthyIds() {
            Set<String> out = new LinkedHashSet<>();
            devices.values().stream().filter(d -> HEALTHY.equals(d.getHealth())).forEach(d -> out.add(d.getID()));
            return out;
        }
    }

    private static final class PodEntry {
        final String uid;
        final String namespace;
        final String name;
        final List<String> listedContainers;
        final Map<String, ContainerEntry> containers = new LinkedHashMap<>();
        /** Set once every container got its devices; until then the devices count as taken but the pod is not listed. */
        boolean admitted;

        PodEntry(String uid, String namespace, String name, List<String> listedContainers) {
            this.uid = uid;
            this.namespace = namespace;
            this.name = name;
            this.listedContainers = listedContainers;
        }

        PodAllocation snapshot() {
            Map<String, ContainerAllocation> out = new LinkedHashMap<>();
            containers.forEach((n, c) -> out.put(n, c.snapshot()));
            return new PodAllocation(uid, namespace, name, listedContainers, out);
        }
    }

    private static final class ContainerEntry {
        final String name;
        final Map<String, List<String>> deviceIds = new TreeMap<>();
        final Map<String, ContainerAllocateResponse> responses = new TreeMap<>();
        final Map<String, List<Long>> numaNodes = new HashMap<>();

        ContainerEntry(String name) {
            this.name = name;
        }

        ContainerAllocation snapshot() {
            return new ContainerAllocation(name, deviceIds, responses, numaNodes);
        }
    }
}
