package com.redhat.das.benchmarks.simulation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Decides exactly whether a multiset of slices fits on {@code gpus} GPUs of one model when every slice may be put
 * anywhere: a bin-packing search over the model's valid layouts ({@link LayoutSpace}).
 *
 * <p>The search is <em>bin completion</em>: the largest remaining slice must go on some GPU, and since the GPUs are
 * interchangeable, it fills one GPU with that slice plus as much of the rest as a maximal layout allows
 * ({@code min(layout, remaining)}, which is valid because layouts are downward closed), then recurses. Filling a GPU
 * as fully as a layout allows loses nothing: any solution can move slices into that GPU without breaking the GPUs they
 * come from. Candidates that another candidate contains are dropped for the same reason. This is complete.
 *
 * <p>Pruning: the memory, compute and per-profile bounds; a memo of remainders already shown not to fit in that many
 * GPUs; and, once the search has had to backtrack, the configuration LP bound (the fewest GPUs if a GPU could be split
 * fractionally between layouts), which is nearly always tight for bin packing and proves most "does not fit" answers
 * at the root. The first descent is a greedy fill and finds a packing on its own in the common case.
 *
 * <p>Work is bounded by {@code maxVisits}; a search that runs out says {@link Verdict#UNDECIDED}, and the simulator
 * counts those so a report can show that the bound was exact.
 */
final class RepackSearch {

    enum Verdict { FITS, DOES_NOT_FIT, UNDECIDED }

    /**
     * @param verdict the answer
     * @param bins    when it fits: one count vector per used GPU (at most {@code gpus}); otherwise empty
     * @param visits  search nodes visited
     */
    record Result(Verdict verdict, List<int[]> bins, int visits) {
    }

    private static final double EPSILON = 1e-9;

    private final LayoutSpace space;
    private final int[] remaining;
    private final int maxVisits;
    private final Map<DemandKey, Integer> doesNotFit = new HashMap<>();
    private final Deque<int[]> chosen = new ArrayDeque<>();
    private int visits;
    private boolean stopped;
    private boolean backtracked;

    private RepackSearch(LayoutSpace space, int[] demand, int maxVisits) {
        this.space = space;
        this.remaining = demand.clone();
        this.maxVisits = maxVisits;
    }

    /** Whether {@code demand} (instances per profile, in the model's order) fits on {@code gpus} GPUs. */
    static Result pack(LayoutSpace space, int[] demand, int gpus, int maxVisits) {
        if (demand.length != space.profileCount) {
            throw new IllegalArgumentException("demand has " + demand.length + " profiles, the model " + space.profileCount);
        }
        RepackSearch search = new RepackSearch(space, demand, maxVisits);
        boolean fits = search.fits(gpus);
        if (search.stopped) {
            return new Result(Verdict.UNDECIDED, List.of(), search.visits);
        }
        return fits ? new Result(Verdict.FITS, List.copyOf(search.chosen), search.visits)
                : new Result(Verdict.DOES_NOT_FIT, List.of(), search.visits);
    }

    private boolean fits(int gpus) {
        if (stopped) {
            return false;
        }
        if (++visits > maxVisits) {
            stopped = true;
            return false;
        }
        int largest = largestRemaining();
        if (largest < 0) {
            return true;
        }
        if (gpus == 0 || !withinSimpleBounds(gpus)) {
            return false;
        }
        DemandKey key = new DemandKey(remaining.clone());
        Integer shownNotToFit = doesNotFit.get(key);
        if (shownNotToFit != null && shownNotToFit >= gpus) {
            return false;
        }
        if (backtracked && configurationBound(space.maximal, remaining) > gpus + EPSILON) {
            doesNotFit.merge(key, gpus, Math::max);
            return false;
        }
        for (int[] fill : candidates(largest)) {
            subtract(fill, 1);
            chosen.push(fill);
            if (fits(gpus - 1)) {
                return true;
            }
            chosen.pop();
            subtract(fill, -1);
            if (stopped) {
                return false;
            }
            if (!backtracked) {
                // The greedy descent failed: from now on the LP bound is worth its cost, starting here.
                backtracked = true;
                if (configurationBound(space.maximal, remaining) > gpus + EPSILON) {
                    break;
                }
            }
        }
        doesNotFit.merge(key, gpus, Math::max);
        return false;
    }

    private int largestRemaining() {
        for (int q : space.largestFirst) {
            if (remaining[q] > 0) {
                return q;
            }
        }
        return -1;
    }

    /** Memory, compute and each profile's per-GPU limit: necessary conditions, checked in a few operations. */
    private boolean withinSimpleBounds(int gpus) {
        long memory = 0;
        long compute = 0;
        for (int q = 0; q < space.profileCount; q++) {
            if (remaining[q] > (long) space.capacity[q] * gpus) {
                return false;
            }
            memory += (long) remaining[q] * space.memorySlices[q];
            compute += (long) remaining[q] * space.computeSlices[q];
        }
        return memory <= (long) gpus * space.model.totalMemorySlices()
                && compute <= (long) gpus * space.model.totalComputeSlices();
    }

    /**
     * The ways to fill one GPU that holds an instance of {@code largest}: each maximal layout containing it, cut down
     * to what remains; without duplicates and without fills contained in another; fullest first.
     */
    private List<int[]> candidates(int largest) {
        List<int[]> fills = new ArrayList<>();
        for (int[] layout : space.maximal) {
            if (layout[largest] == 0) {
                continue;
            }
            int[] fill = new int[space.profileCount];
            for (int q = 0; q < fill.length; q++) {
                fill[q] = Math.min(layout[q], remaining[q]);
            }
            fills.add(fill);
        }
        List<int[]> kept = new ArrayList<>(fills.size());
        for (int i = 0; i < fills.size(); i++) {
            boolean dominated = false;
            for (int j = 0; j < fills.size() && !dominated; j++) {
                // Equal fills: keep the first only.
                dominated = j != i && contains(fills.get(j), fills.get(i)) && (j < i || !contains(fills.get(i), fills.get(j)));
            }
            if (!dominated) {
                kept.add(fills.get(i));
            }
        }
        kept.sort((a, b) -> {
            int byMemory = Integer.compare(weight(b, space.memorySlices), weight(a, space.memorySlices));
            return byMemory != 0 ? byMemory : Integer.compare(weight(b, space.computeSlices), weight(a, space.computeSlices));
        });
        return kept;
    }

    private static boolean contains(int[] outer, int[] inner) {
        for (int q = 0; q < outer.length; q++) {
            if (outer[q] < inner[q]) {
                return false;
            }
        }
        return true;
    }

    private static int weight(int[] counts, int[] perInstance) {
        int sum = 0;
        for (int q = 0; q < counts.length; q++) {
            sum += counts[q] * perInstance[q];
        }
        return sum;
    }

    private void subtract(int[] fill, int sign) {
        for (int q = 0; q < fill.length; q++) {
            remaining[q] -= sign * fill[q];
        }
    }

    /**
     * The configuration LP bound: {@code max Σ demand_q·w_q} subject to {@code Σ layout_q·w_q ≤ 1} for every maximal
     * layout and {@code w ≥ 0}. Any such {@code w} prices each GPU at most 1, so the demand needs at least that many
     * GPUs; by LP duality it equals the fewest GPUs when a GPU may be shared fractionally between layouts. A dense
     * simplex with Bland's rule: a few dozen rows, at most a handful of columns.
     */
    static double configurationBound(List<int[]> layouts, int[] demand) {
        int[] columns = IntStream.range(0, demand.length).filter(q -> demand[q] > 0).toArray();
        if (columns.length == 0) {
            return 0;
        }
        List<int[]> rows = layouts.stream().filter(l -> Arrays.stream(columns).anyMatch(q -> l[q] > 0)).toList();
        int m = rows.size();
        int n = columns.length;
        int width = n + m + 1;
        double[][] t = new double[m + 1][width];
        int[] basis = new int[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t[i][j] = rows.get(i)[columns[j]];
            }
            t[i][n + i] = 1;
            t[i][width - 1] = 1;
            basis[i] = n + i;
        }
        for (int j = 0; j < n; j++) {
            t[m][j] = -demand[columns[j]];
        }
        while (true) {
            int entering = -1;
            for (int j = 0; j < n + m; j++) {
                if (t[m][j] < -EPSILON) {
                    entering = j;
                    break;
                }
            }
            if (entering < 0) {
                return t[m][width - 1];
            }
            int leaving = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < m; i++) {
                if (t[i][entering] > EPSILON) {
                    double ratio = t[i][width - 1] / t[i][entering];
                    if (ratio < best - EPSILON || (Math.abs(ratio - best) <= EPSILON && basis[i] < basis[leaving])) {
                        best = ratio;
                        leaving = i;
                    }
                }
            }
            if (leaving < 0) {
                throw new IllegalStateException("configuration LP unbounded: a demanded profile fits no layout");
            }
            double pivot = t[leaving][entering];
            for (int j = 0; j < width; j++) {
                t[leaving][j] /= pivot;
            }
            for (int i = 0; i <= m; i++) {
                double factor = t[i][entering];
                if (i != leaving && factor != 0) {
                    for (int j = 0; j < width; j++) {
                        t[i][j] -= factor * t[leaving][j];
                    }
                }
            }
            basis[leaving] = entering;
        }
    }

    /** A remainder as a map key. */
    private static final class DemandKey {
        private final int[] counts;
        private final int hash;

        DemandKey(int[] counts) {
            this.counts = counts;
            this.hash = Arrays.hashCode(counts);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DemandKey other && hash == other.hash && Arrays.equals(counts, other.counts);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
