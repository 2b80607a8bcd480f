package com.redhat.das.benchmarks.simulation;

import com.redhat.das.api.mig.PlacedInstance;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Static partitioning: every GPU is split in advance into the same {@link StaticLayout}, and a request takes a free
 * instance of exactly its profile (as with the NVIDIA device plugin's mixed strategy, where a pod asks for
 * {@code nvidia.com/mig-1g.5gb}). Nothing is ever created or destroyed while the cluster runs; a request for a
 * profile the layout lacks can never be served.
 *
 * <p>Which free instance a request gets does not change any measurement (instances of a profile are
 * interchangeable); the lowest-numbered one is taken so runs are reproducible.
 */
final class StaticPartitionCluster implements SimulatedCluster {

    private final StaticLayout layout;
    /** Memory slices of one GPU no instance covers: free for good. */
    private final int uncoveredPerGpu;
    private final int gpus;
    private final Map<String, TreeSet<Integer>> freeByProfile = new HashMap<>();
    private final Map<String, Integer> freeMemoryByProfile = new HashMap<>();
    private final Map<Integer, Integer> instanceOfRequest = new HashMap<>();
    private int freeInstanceMemory;
    private int usedCompute;
    private int usedMemory;

    StaticPartitionCluster(ClusterSpec spec, StaticLayout layout) {
        this.layout = layout;
        this.gpus = spec.gpus();
        uncoveredPerGpu = spec.model().totalMemorySlices()
                - layout.instances().stream().mapToInt(i -> i.profile().memorySlices()).sum();
        List<PlacedInstance> perGpu = layout.instances();
        for (int g = 0; g < gpus; g++) {
            for (int i = 0; i < perGpu.size(); i++) {
                PlacedInstance instance = perGpu.get(i);
                freeByProfile.computeIfAbsent(instance.profile().name(), k -> new TreeSet<>()).add(g * perGpu.size() + i);
                freeMemoryByProfile.merge(instance.profile().name(), instance.profile().memorySlices(), Integer::sum);
                freeInstanceMemory += instance.profile().memorySlices();
            }
        }
    }

    @Override
    public String policy() {
        return "static";
    }

    @Override
    public boolean admits(String profile) {
        return freeByProfile.containsKey(profile);
    }

    @Override
    public boolean place(Request request) {
        TreeSet<Integer> free = freeByProfile.get(request.profile());
        if (free == null || free.isEmpty()) {
            return false;
        }
        int instance = free.pollFirst();
        instanceOfRequest.put(request.id(), instance);
        account(instanceAt(instance), -1);
        return true;
    }

    @Override
    public void release(Request request) {
        Integer instance = instanceOfRequest.remove(request.id());
        if (instance == null) {
            throw new IllegalStateException(request + " holds no instance");
        }
        freeByProfile.get(request.profile()).add(instance);
        account(instanceAt(instance), +1);
    }

    private PlacedInstance instanceAt(int instance) {
        return layout.instances().get(instance % layout.instances().size());
    }

    /** {@code freed} +1 when an instance becomes free, -1 when it is taken. */
    private void account(PlacedInstance instance, int freed) {
        int memory = instance.profile().memorySlices();
        freeMemoryByProfile.merge(instance.profile().name(), freed * memory, Integer::sum);
        freeInstanceMemory += freed * memory;
        usedMemory -= freed * memory;
        usedCompute -= freed * instance.profile().computeSlices();
    }

    /** All instances were created before the first request; none during the run. */
    @Override
    public long slicesCreated() {
        return (long) gpus * layout.instances().size();
    }

    @Override
    public int usedComputeSlices() {
        return usedCompute;
    }

    @Override
    public int usedMemorySlices() {
        return usedMemory;
    }

    @Override
    public int freeMemorySlicesUnableToHost(String profile) {
        return uncoveredPerGpu * gpus + freeInstanceMemory - freeMemoryByProfile.getOrDefault(profile, 0);
    }
}
