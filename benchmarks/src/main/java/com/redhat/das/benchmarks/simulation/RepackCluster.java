package com.redhat.das.benchmarks.simulation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code repack} bound: an oracle that may move every running slice at each arrival. A request is placed whenever
 * the running slices plus the new one can be arranged on the cluster's GPUs in any way at all (exact, by
 * {@link RepackSearch} over the model's valid layouts): given the same running slices, no policy that never moves
 * slices finds room where it does not. Over a whole trace it is not a bound on every measure: it accepts each large
 * request it can fit, and a {@code 7g} accepted at 120 % load holds the room of seven {@code 1g} that then find none.
 *
 * <p>It first tries to add the slice without moving anything (the fullest GPU that can take it); only when no GPU
 * can does it search for a new arrangement. It then keeps as many slices on their GPU as it can (a greedy matching
 * of new GPU contents to old ones) and counts each slice that changes GPU as one more slice creation. Moves within a
 * GPU are not counted, so its creation count is a lower bound of what repacking would cost.
 */
final class RepackCluster implements SimulatedCluster {

    /** Search nodes per arrival before the oracle gives up (and counts the arrival as undecided). */
    static final int MAX_VISITS = 200_000;

    private final LayoutSpace space;
    private final int gpus;
    /** Each GPU's contents, packed counts ({@link LayoutSpace}). */
    private final long[] contents;
    private final List<List<Request>> onGpu = new ArrayList<>();
    private final Map<Integer, Integer> gpuOfRequest = new HashMap<>();
    private long created;
    private long undecided;
    private int usedCompute;
    private int usedMemory;

    RepackCluster(ClusterSpec spec) {
        space = LayoutSpace.of(spec.model());
        gpus = spec.gpus();
        contents = new long[gpus];
        for (int g = 0; g < gpus; g++) {
            onGpu.add(new ArrayList<>());
        }
    }

    @Override
    public String policy() {
        return "repack";
    }

    @Override
    public boolean admits(String profile) {
        return space.indexOf(profile) >= 0;
    }

    @Override
    public boolean place(Request request) {
        int q = space.indexOf(request.profile());
        if (q < 0) {
            return false;
        }
        int fullest = -1;
        for (int g = 0; g < gpus; g++) {
            if (space.canAdd(contents[g], q)
                    && (fullest < 0 || space.usedMemory(contents[g]) > space.usedMemory(contents[fullest]))) {
                fullest = g;
            }
        }
        if (fullest >= 0) {
            put(request, fullest, q);
            created++;
            return true;
        }
        int[] demand = new int[space.profileCount];
        for (long key : contents) {
            for (int p = 0; p < demand.length; p++) {
                demand[p] += LayoutSpace.count(key, p);
            }
        }
        demand[q]++;
        RepackSearch.Result result = RepackSearch.pack(space, demand, gpus, MAX_VISITS);
        switch (result.verdict()) {
            case FITS -> {
                rearrange(result.bins(), request);
                return true;
            }
            case UNDECIDED -> undecided++;
            case DOES_NOT_FIT -> {
            }
        }
        return false;
    }

    /** Moves slices so that the GPUs hold {@code bins}, and places {@code request} in the room made for it. */
    private void rearrange(List<int[]> bins, Request request) {
        List<int[]> targets = new ArrayList<>(bins);
        while (targets.size() < gpus) {
            targets.add(new int[space.profileCount]);
        }
        // Greedy matching: the fullest GPUs first choose the new contents that keep most of their slices.
        Integer[] order = new Integer[gpus];
        for (int g = 0; g < gpus; g++) {
            order[g] = g;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(space.usedMemory(contents[b]), space.usedMemory(contents[a])));
        int[][] targetOf = new int[gpus][];
        boolean[] taken = new boolean[targets.size()];
        for (int g : order) {
            int best = -1;
            int bestKept = -1;
            for (int t = 0; t < targets.size(); t++) {
                if (!taken[t]) {
                    int kept = kept(contents[g], targets.get(t));
                    if (kept > bestKept) {
                        bestKept = kept;
                        best = t;
                    }
                }
            }
            taken[best] = true;
            targetOf[g] = targets.get(best);
        }
        // Slices beyond their GPU's new count leave it; the new request joins them.
        List<Request> moving = new ArrayList<>();
        for (int g = 0; g < gpus; g++) {
            int[] have = space.counts(contents[g]);
            List<Request> here = onGpu.get(g);
            for (int i = here.size() - 1; i >= 0; i--) {
                int p = space.indexOf(here.get(i).profile());
                if (have[p] > targetOf[g][p]) {
                    have[p]--;
                    moving.add(take(here.get(i), g, p));
                }
            }
        }
        int moved = moving.size();
        moving.add(request);
        for (int g = 0; g < gpus; g++) {
            int[] have = space.counts(contents[g]);
            for (int i = moving.size() - 1; i >= 0; i--) {
                int p = space.indexOf(moving.get(i).profile());
                if (have[p] < targetOf[g][p]) {
                    have[p]++;
                    put(moving.remove(i), g, p);
                }
            }
        }
        if (!moving.isEmpty()) {
            throw new IllegalStateException("repack left " + moving.size() + " slices without a GPU");
        }
        created += moved + 1;
    }

    private static int kept(long key, int[] target) {
        int kept = 0;
        for (int p = 0; p < target.length; p++) {
            kept += Math.min(LayoutSpace.count(key, p), target[p]);
        }
        return kept;
    }

    private void put(Request request, int gpu, int q) {
        contents[gpu] += LayoutSpace.unit(q);
        if (!space.isValid(contents[gpu])) {
            throw new IllegalStateException("GPU " + gpu + " would hold an invalid layout "
                    + Arrays.toString(space.counts(contents[gpu])));
        }
        onGpu.get(gpu).add(request);
        gpuOfRequest.put(request.id(), gpu);
        usedCompute += space.computeSlices[q];
        usedMemory += space.memorySlices[q];
    }

    private Request take(Request request, int gpu, int q) {
        contents[gpu] -= LayoutSpace.unit(q);
        onGpu.get(gpu).remove(request);
        gpuOfRequest.remove(request.id());
        usedCompute -= space.computeSlices[q];
        usedMemory -= space.memorySlices[q];
        return request;
    }

    @Override
    public void release(Request request) {
        Integer gpu = gpuOfRequest.get(request.id());
        if (gpu == null) {
            throw new IllegalStateException(request + " holds no slice");
        }
        take(request, gpu, space.indexOf(request.profile()));
    }

    @Override
    public long slicesCreated() {
        return created;
    }

    @Override
    public long undecided() {
        return undecided;
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
        int q = space.indexOf(profile);
        int free = 0;
        for (long key : contents) {
            if (q < 0 || !space.canAdd(key, q)) {
                free += space.model.totalMemorySlices() - space.usedMemory(key);
            }
        }
        return free;
    }
}
