package com.redhat.das.testbed.kubelet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a container runtime injects into one container: environment, device nodes and mounts, accumulated from the
 * device plugins' Allocate responses and then the CDI specs of the container's CDI devices.
 *
 * <p>Setting a variable that is already set replaces its value where it stands (the OCI spec generator the CDI
 * library uses keeps one entry per name), so the last writer wins and the order of first appearance is kept. Device
 * nodes are keyed by their path in the container, mounts by their container path, with the same rule.
 */
public final class ContainerEdits {

    private final Map<String, String> env = new LinkedHashMap<>();
    private final Map<String, String> deviceNodes = new LinkedHashMap<>();
    private final Map<String, String> mounts = new LinkedHashMap<>();

    /** Sets {@code name} to {@code value}, replacing an earlier value in place. */
    public ContainerEdits setEnv(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Exposes {@code hostPath} (the same path when null) as {@code containerPath}. */
    public ContainerEdits addDeviceNode(String containerPath, String hostPath) {
        deviceNodes.put(containerPath, hostPath == null || hostPath.isEmpty() ? containerPath : hostPath);
        return this;
    }

    public ContainerEdits addMount(String containerPath, String hostPath) {
        mounts.put(containerPath, hostPath);
        return this;
    }

    /** The environment, in order of first appearance. */
    public Map<String, String> env() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    }

    /** Paths of the device nodes inside the container. */
    public List<String> deviceNodes() {
        return List.copyOf(new ArrayList<>(deviceNodes.keySet()));
    }

    /** Paths of the mounts inside the container. */
    public List<String> mounts() {
        return List.copyOf(new ArrayList<>(mounts.keySet()));
    }
}
