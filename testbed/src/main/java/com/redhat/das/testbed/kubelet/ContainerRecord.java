package com.redhat.das.testbed.kubelet;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the stand-in's "container runtime" started: one container of one pod, with what it got from the device
 * plugins and the CDI specs. Tests read it where a real node would exec {@code env} in the container.
 *
 * @param namespace     the pod's namespace
 * @param pod           the pod's name
 * @param podUid        the pod's UID (pod names repeat; UIDs do not)
 * @param container     the container's name
 * @param initContainer whether it is one of the pod's init containers
 * @param deviceIds     device IDs per extended resource, as passed to the plugins' Allocate
 * @param cdiDevices    fully qualified CDI device names from the Allocate responses, in order
 * @param env           the environment the devices gave the container: Allocate envs, then CDI edits
 * @param deviceNodes   device node paths inside the container (Allocate devices, then CDI device nodes)
 * @param mounts        mount paths inside the container (Allocate mounts, then CDI mounts)
 * @param annotations   runtime annotations from the Allocate responses
 * @param startedAt     when the container started
 */
public record ContainerRecord(String namespace, String pod, String podUid, String container, boolean initContainer,
                              Map<String, List<String>> deviceIds, List<String> cdiDevices, Map<String, String> env,
                              List<String> deviceNodes, List<String> mounts, Map<String, String> annotations, Instant startedAt) {

    public ContainerRecord {
        deviceIds = Map.copyOf(deviceIds);
        cdiDevices = List.copyOf(cdiDevices);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        deviceNodes = List.copyOf(deviceNodes);
        mounts = List.copyOf(mounts);
        annotations = Map.copyOf(annotations);
    }

    /** Every device ID of the container, all resources together. */
    public List<String> allDeviceIds() {
        return deviceIds.keySet().stream().sorted().flatMap(r -> deviceIds.get(r).stream()).toList();
    }
}
