package com.redhat.das.allocator.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A DAS-managed node: its GPUs and their slices. Immutable; {@code version} grows with every change, so results
 * computed for one snapshot stay valid as long as the snapshot is the node's current one. Such results are kept on
 * the snapshot itself ({@link #derived}): PreFilter reads them for every node, and one object per node keeps that
 * loop cheap.
 */
public final class NodeState {

    private final String name;
    private final List<GpuState> gpus;
    private final long version;
    private record Derived(Object key, Object value) {
    }

    // The last derived result, read first: consecutive pods usually ask the same question.
    private volatile Derived last;
    private volatile Map<Object, Object> moreDerived;

    /**
     * @param name    node name
     * @param gpus    GPUs in device-index order
     * @param version change counter, unique across the model
     */
    public NodeState(String name, List<GpuState> gpus, long version) {
        this.name = Objects.requireNonNull(name, "name");
        this.gpus = List.copyOf(gpus);
        this.version = version;
    }

    public String name() {
        return name;
    }

    public List<GpuState> gpus() {
        return gpus;
    }

    public long version() {
        return version;
    }

    public Optional<GpuState> gpu(String uuid) {
        return gpus.stream().filter(g -> g.uuid().equals(uuid)).findFirst();
    }

    /** Compute slices in use over all GPUs. */
    public int usedComputeSlices() {
        int used = 0;
        for (GpuState g : gpus) {
            used += g.layout().usedComputeSlices();
        }
        return used;
    }

    public int totalComputeSlices() {
        int total = 0;
        for (GpuState g : gpus) {
            total += g.model().totalComputeSlices();
        }
        return total;
    }

    /**
     * A result derived from this snapshot only, computed once per key. Keys should be canonical instances (compared
     * by identity first, then by equality).
     */
    @SuppressWarnings("unchecked")
    public <T> T derived(Object key, Function<Object, T> compute) {
        Derived d = last;
        if (d != null && (d.key() == key || key.equals(d.key()))) {
            return (T) d.value();
        }
        Map<Object, Object> more = moreDerived;
        if (more == null) {
            synchronized (this) {
                if (moreDerived == null) {
                    moreDerived = new ConcurrentHashMap<>(4);
                }
                more = moreDerived;
            }
        }
        T value = (T) more.computeIfAbsent(key, compute);
        last = new Derived(key, value);
        return value;
    }

    @Override
    public String toString() {
        return "NodeState[" + name + " v" + version + " " + gpus.size() + " GPUs]";
    }
}
