package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.api.mig.GpuLayout;
import java.util.Arrays;
import java.util.List;

/**
 * Places several slices on one node together: a depth-first search over (GPU, start) per slice, biggest slices first,
 * each level trying its candidates in the order the packed policy prefers them, so the first complete placement is
 * the greedy one and the search then only has to look for better ones (branch and bound on the capacity lost).
 *
 * <p>Equivalent choices are tried once: slices of one profile are placed in a fixed order (GPU ascending, then
 * start descending, which is also the order of preference for ties), and of several GPUs in the same state only the
 * first is tried. Both keep the search complete: any placement can be rewritten into one that respects them. A cheap
 * capacity check at every node cuts dead ends.
 *
 * <p>Work is bounded: after {@link #OPTIMISE_VISITS} search nodes the best placement found so far is taken; without
 * one, the search goes on (still complete) up to a limit of search nodes, after which it reports no placement.
 *
 * <p>Not thread-safe; one instance per call.
 */
final class JointSearch {

    /**
     * Search nodes after which a found placement is good enough. Measured on random 8-GPU nodes: pods of up to 6
     * slices get the optimum, pods of 8 slices nearly always; each search node costs a few hundred ns.
     */
    static final int OPTIMISE_VISITS = 500;
    /**
     * Search nodes after which the search gives up without a placement (milliseconds). Proving that a pod does not
     * fit rarely takes more than a few thousand, thanks to the capacity check.
     */
    static final int MAX_VISITS = 50_000;

    /**
     * A joint placement, by input slice.
     *
     * @param gpu     GPU index on the node
     * @param profile index of the slice's profile in that GPU's model
     * @param start   first memory slice
     * @param loss    capacity value lost, summed over the GPUs (see {@link ModelTable})
     */
    record Found(int[] gpu, int[] profile, int[] start, long loss) {
    }

    private final int gpuCount;
    private final int sliceCount;
    private final boolean optimise;
    private final ModelTable[] tables;
    private final long[] occupied;
    private final int[] computeUsed;
    private final int[] instances;
    private final int[] mediaUsed;
    private final int[][] counts;
    private final long[] value;
    private int freeCompute;
    private int freeMemory;

    /** Search position → input slice. */
    private final int[] order;
    /** [position][gpu] → profile index in that GPU's model, or -1. */
    private final int[][] profileOf;
    private final boolean[] sameAsPrevious;
    /** Position after the last slice of the same profile as the slice at each position. */
    private final int[] groupEnd;
    private final int maxVisits;
    private final int[] computeFromHere;
    private final int[] memoryFromHere;
    /** The least capacity value the slices from a position on can cost: each removes at least its own spot. */
    private final long[] lossFromHere;

    private final int[] chosenGpu;
    private final int[] chosenStart;
    private final int[] bestGpu;
    private final int[] bestStart;
    private long bestLoss;
    private long bestFree;
    private boolean found;
    private boolean stopped;
    private int visits;

    private final long[][] candidateLoss;
    private final int[][] candidateFree;
    private final int[][] candidateGpu;
    private final int[][] candidateStart;

    private JointSearch(List<GpuState> gpus, List<String> profiles, boolean optimise, int maxVisits) {
        gpuCount = gpus.size();
        sliceCount = profiles.size();
        this.optimise = optimise;
        this.maxVisits = maxVisits;
        tables = new ModelTable[gpuCount];
        occupied = new long[gpuCount];
        computeUsed = new int[gpuCount];
        instances = new int[gpuCount];
        mediaUsed = new int[gpuCount];
        counts = new int[gpuCount][];
        value = new long[gpuCount];
        int maxStarts = 1;
        for (int g = 0; g < gpuCount; g++) {
            GpuLayout layout = gpus.get(g).layout();
            ModelTable t = ModelTable.of(layout);
            tables[g] = t;
            occupied[g] = layout.occupiedMemorySlices();
            computeUsed[g] = layout.usedComputeSlices();
            instances[g] = layout.gpuInstanceCount();
            mediaUsed[g] = t.mediaUsed(layout);
            counts[g] = t.exact ? null : t.countsOf(layout); // exact tables need no counts
            value[g] = valueOf(g);
            freeCompute += t.totalComputeSlices - computeUsed[g];
            freeMemory += t.totalMemorySlices - Long.bitCount(occupied[g]);
            maxStarts = Math.max(maxStarts, t.totalMemorySlices);
        }

        int[][] byInput = new int[sliceCount][gpuCount];
        long[] shape = new long[sliceCount];
        int[] minCompute = new int[sliceCount];
        int[] minMemory = new int[sliceCount];
        long[] minLoss = new long[sliceCount];
        for (int i = 0; i < sliceCount; i++) {
            minCompute[i] = Integer.MAX_VALUE;
            minMemory[i] = Integer.MAX_VALUE;
            minLoss[i] = Long.MAX_VALUE;
            for (int g = 0; g < gpuCount; g++) {
                int q = g > 0 && tables[g] == tables[g - 1] ? byInput[i][g - 1] : tables[g].indexOf(profiles.get(i));
                byInput[i][g] = q;
                if (q >= 0) {
                    ModelTable t = tables[g];
                    if (shape[i] == 0) {
                        shape[i] = (long) t.computeSlices[q] << 32 | t.memorySlices[q];
                    }
                    minCompute[i] = Math.min(minCompute[i], t.computeSlices[q]);
                    minMemory[i] = Math.min(minMemory[i], t.memorySlices[q]);
                    minLoss[i] = Math.min(minLoss[i], t.media[q] ? 0 : 1L << (t.classOf[q] * t.digitBits));
                }
            }
        }
        // Biggest first: they have the fewest places to go. Same profiles end up adjacent.
        order = new int[sliceCount];
        for (int i = 0; i < sliceCount; i++) {
            int at = i;
            while (at > 0 && comesFirst(i, order[at - 1], shape, profiles)) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = i;
        }
        profileOf = new int[sliceCount][];
        sameAsPrevious = new boolean[sliceCount];
        groupEnd = new int[sliceCount];
        computeFromHere = new int[sliceCount + 1];
        memoryFromHere = new int[sliceCount + 1];
        lossFromHere = new long[sliceCount + 1];
        for (int pos = 0; pos < sliceCount; pos++) {
            profileOf[pos] = byInput[order[pos]];
            sameAsPrevious[pos] = pos > 0 && profiles.get(order[pos]).equals(profiles.get(order[pos - 1]));
        }
        for (int pos = sliceCount - 1; pos >= 0; pos--) {
            groupEnd[pos] = pos + 1 < sliceCount && sameAsPrevious[pos + 1] ? groupEnd[pos + 1] : pos + 1;
            int i = order[pos];
            computeFromHere[pos] = saturatedAdd(computeFromHere[pos + 1], minCompute[i]);
            memoryFromHere[pos] = saturatedAdd(memoryFromHere[pos + 1], minMemory[i]);
            lossFromHere[pos] = lossFromHere[pos + 1] + (minLoss[i] == Long.MAX_VALUE ? 0 : minLoss[i]);
        }

        chosenGpu = new int[sliceCount];
        chosenStart = new int[sliceCount];
        bestGpu = new int[sliceCount];
        bestStart = new int[sliceCount];
        int width = gpuCount * maxStarts;
        candidateLoss = new long[sliceCount][width];
        candidateFree = new int[sliceCount][width];
        candidateGpu = new int[sliceCount][width];
        candidateStart = new int[sliceCount][width];
    }

    /**
     * The best joint placement of {@code profiles} (profile names, one per slice) on {@code gpus}, or null.
     *
     * @param optimise false to stop at the first placement (enough to decide whether one exists)
     */
    static Found search(List<GpuState> gpus, List<String> profiles, boolean optimise) {
        return search(gpus, profiles, optimise, MAX_VISITS);
    }

    /** Like {@link #search(List, List, boolean)}, giving up after {@code maxVisits} search nodes. */
    static Found search(List<GpuState> gpus, List<String> profiles, boolean optimise, int maxVisits) {
        if (profiles.isEmpty()) {
            return new Found(new int[0], new int[0], new int[0], 0);
        }
        JointSearch search = new JointSearch(gpus, profiles, optimise, maxVisits);
        search.dfs(0, 0, 0);
        return search.result();
    }

    /** Whether a joint placement exists (as far as {@code maxVisits} search nodes can tell). */
    static boolean fits(List<GpuState> gpus, List<String> profiles, int maxVisits) {
        return search(gpus, profiles, false, maxVisits) != null;
    }

    private static boolean comesFirst(int a, int b, long[] shape, List<String> profiles) {
        if (shape[a] != shape[b]) {
            return shape[a] > shape[b];
        }
        int byName = profiles.get(a).compareTo(profiles.get(b));
        return byName != 0 ? byName < 0 : a < b;
    }

    /**
     * A necessary condition for placing the slices from {@code pos} on: enough compute and memory in total, and
     * each profile, on its own, has room for its remaining slices. Cheap, and it cuts most dead ends early.
     */
    private boolean roomForTheRest(int pos) {
        if (computeFromHere[pos] > freeCompute || memoryFromHere[pos] > freeMemory) {
            return false;
        }
        for (int from = pos; from < sliceCount; from = groupEnd[from]) {
            int needed = groupEnd[from] - from;
            int[] profile = profileOf[from];
            int available = 0;
            for (int g = 0; g < gpuCount && available < needed; g++) {
                int q = profile[g];
                if (q >= 0) {
                    available += tables[g].capacity(q, occupied[g], computeUsed[g], instances[g], mediaUsed[g],
                            counts[g] == null ? 0 : counts[g][q]);
                }
            }
            if (available < needed) {
                return false;
            }
        }
        return true;
    }

    private void dfs(int pos, long loss, long free) {
        if (stopped) {
            return;
        }
        if (++visits > (found ? OPTIMISE_VISITS : maxVisits)) {
            stopped = true;
            return;
        }
        if (pos == sliceCount) {
            if (!found || loss < bestLoss || (loss == bestLoss && free < bestFree)) {
                found = true;
                bestLoss = loss;
                bestFree = free;
                System.arraycopy(chosenGpu, 0, bestGpu, 0, sliceCount);
                System.arraycopy(chosenStart, 0, bestStart, 0, sliceCount);
            }
            stopped = !optimise;
            return;
        }
        if (!roomForTheRest(pos)) {
            return;
        }
        int candidates = collectCandidates(pos);
        long[] losses = candidateLoss[pos];
        int[] frees = candidateFree[pos];
        int[] gpus = candidateGpu[pos];
        int[] starts = candidateStart[pos];
        int[] profile = profileOf[pos];
        for (int c = 0; c < candidates && !stopped; c++) {
            selectBest(pos, c, candidates);
            long totalLoss = loss + losses[c];
            long totalFree = free + frees[c];
            // Bound: what the rest costs at least (its own spots, its own compute) cannot be avoided.
            long leastLoss = totalLoss + lossFromHere[pos + 1];
            long leastFree = totalFree + computeFromHere[pos + 1];
            if (found && (leastLoss > bestLoss || (leastLoss == bestLoss && leastFree >= bestFree))) {
                break; // the best remaining candidate does no better, so none does
            }
            int g = gpus[c];
            int q = profile[g];
            long before = value[g];
            apply(g, q, starts[c], 1);
            value[g] = before - losses[c];
            chosenGpu[pos] = g;
            chosenStart[pos] = starts[c];
            dfs(pos + 1, totalLoss, totalFree);
            apply(g, q, starts[c], -1);
            value[g] = before;
        }
    }

    /**
     * Moves the preferred of candidates {@code from..count-1} to {@code from}: least loss, then least free compute
     * (the fuller GPU), then lowest GPU, then highest start. Selecting lazily beats sorting: the bound usually stops
     * a level after its first few candidates.
     */
    private void selectBest(int pos, int from, int count) {
        long[] losses = candidateLoss[pos];
        int[] frees = candidateFree[pos];
        int[] gpus = candidateGpu[pos];
        int[] starts = candidateStart[pos];
        int best = from;
        for (int c = from + 1; c < count; c++) {
            if (losses[c] < losses[best] || (losses[c] == losses[best] && (frees[c] < frees[best]
                    || (frees[c] == frees[best] && (gpus[c] < gpus[best]
                    || (gpus[c] == gpus[best] && starts[c] > starts[best])))))) {
                best = c;
            }
        }
        if (best != from) {
            long loss = losses[best];
            losses[best] = losses[from];
            losses[from] = loss;
            int swap = frees[best];
            frees[best] = frees[from];
            frees[from] = swap;
            swap = gpus[best];
            gpus[best] = gpus[from];
            gpus[from] = swap;
            swap = starts[best];
            starts[best] = starts[from];
            starts[from] = swap;
        }
    }

    /** Fills the candidate buffers of {@code pos} (unordered, see {@link #selectBest}); returns how many. */
    private int collectCandidates(int pos) {
        int[] profile = profileOf[pos];
        int lowestGpu = 0;
        int lowerBoundGpu = -1;
        int lowerBoundStart = -1;
        if (sameAsPrevious[pos]) {
            // Equal slices in canonical order: GPUs ascending, on one GPU starts descending (top-down, as preferred).
            lowerBoundGpu = chosenGpu[pos - 1];
            lowerBoundStart = chosenStart[pos - 1];
            lowestGpu = lowerBoundGpu;
        }
        long[] losses = candidateLoss[pos];
        int[] frees = candidateFree[pos];
        int[] gpus = candidateGpu[pos];
        int[] starts = candidateStart[pos];
        int n = 0;
        for (int g = lowestGpu; g < gpuCount; g++) {
            int q = profile[g];
            if (q < 0) {
                continue;
            }
            ModelTable t = tables[g];
            long possible = t.possibleStarts(q, occupied[g], computeUsed[g], instances[g], mediaUsed[g],
                    counts[g] == null ? 0 : counts[g][q]);
            if (g == lowerBoundGpu) {
                possible &= (1L << lowerBoundStart) - 1;
            }
            if (possible == 0 || (g != lowerBoundGpu && sameStateBefore(g, lowerBoundGpu))) {
                continue;
            }
            int freeCompute = t.totalComputeSlices - computeUsed[g];
            long[] valuesAfter = t.exact ? t.values() : null;
            for (long m = possible; m != 0; m &= ~Long.highestOneBit(m)) {
                int start = 63 - Long.numberOfLeadingZeros(m);
                long loss;
                if (valuesAfter != null) {
                    loss = value[g] - valuesAfter[(int) (occupied[g] | ModelTable.window(start, t.memorySlices[q]))];
                } else {
                    apply(g, q, start, 1);
                    loss = value[g] - valueOf(g);
                    apply(g, q, start, -1);
                }
                losses[n] = loss;
                frees[n] = freeCompute;
                gpus[n] = g;
                starts[n] = start;
                n++;
            }
        }
        return n;
    }

    /** Whether a GPU after {@code floor} and before {@code g} is in the same state (same model, same slices). */
    private boolean sameStateBefore(int g, int floor) {
        long key = occupied[g];
        for (int other = floor + 1; other < g; other++) {
            if (occupied[other] == key && tables[other] == tables[g] && computeUsed[other] == computeUsed[g]
                    && instances[other] == instances[g] && mediaUsed[other] == mediaUsed[g]
                    && Arrays.equals(counts[other], counts[g])) {
                return true;
            }
        }
        return false;
    }

    private void apply(int g, int q, int start, int sign) {
        ModelTable t = tables[g];
        long w = ModelTable.window(start, t.memorySlices[q]);
        occupied[g] = sign > 0 ? occupied[g] | w : occupied[g] & ~w;
        computeUsed[g] += sign * t.computeSlices[q];
        instances[g] += sign;
        if (t.media[q]) {
            mediaUsed[g] += sign;
        }
        if (counts[g] != null) {
            counts[g][q] += sign;
        }
        freeCompute -= sign * t.computeSlices[q];
        freeMemory -= sign * t.memorySlices[q];
    }

    private long valueOf(int g) {
        return tables[g].value(occupied[g], computeUsed[g], instances[g], counts[g]);
    }

    private Found result() {
        if (!found) {
            return null;
        }
        int[] gpu = new int[sliceCount];
        int[] profile = new int[sliceCount];
        int[] start = new int[sliceCount];
        for (int pos = 0; pos < sliceCount; pos++) {
            int i = order[pos];
            gpu[i] = bestGpu[pos];
            start[i] = bestStart[pos];
            profile[i] = profileOf[pos][bestGpu[pos]];
        }
        return new Found(gpu, profile, start, bestLoss);
    }

    private static int saturatedAdd(int a, int b) {
        long sum = (long) a + b;
        return sum > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) sum;
    }
}
