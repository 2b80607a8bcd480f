package com.redhat.das.allocator.placement;

import com.redhat.das.allocator.model.GpuState;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.mig.PlacementViolation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Why a pod's slices do not fit on a node, in one line an administrator can act on. Shared by the policies: whether
 * slices fit is a property of the node, not of the policy (except that first fit can miss an arrangement, which the
 * reference policy reports through {@code firstFitFailure}).
 *
 * <p>The most specific reason wins: a profile the node does not offer at all, then a profile that has no room on
 * any GPU (with each GPU's reason), then a profile with room for fewer slices than asked, then slices that fit
 * profile by profile but not all together.
 */
final class PlacementExplainer {

    /** Search nodes per question ("do k slices of this fit?"); explanations need not be exact to the last slice. */
    static final int VISITS_PER_QUESTION = 5_000;
    /** Subsets of the pod's slices tried when looking for the most that fit together. */
    static final int SUBSETS_TRIED = 32;

    private PlacementExplainer() {
    }

    /**
     * @param firstFitFailure for a policy that places one slice at a time: the slice it could not place; null for a
     *                        policy that searched for a joint placement and found none
     */
    static String explain(NodeState node, PodDemand demand, SliceDemand firstFitFailure) {
        List<GpuState> gpus = node.gpus();
        if (gpus.isEmpty()) {
            return "the node has no MIG GPU";
        }
        List<String> profiles = demand.slices().stream().map(SliceDemand::profile).toList();
        if (profiles.isEmpty()) {
            return "the pod asks for no MIG slice";
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        profiles.forEach(p -> counts.merge(p, 1, Integer::sum));

        for (String profile : counts.keySet()) {
            if (gpus.stream().noneMatch(g -> g.profile(profile).isPresent())) {
                return "no GPU on this node offers " + profile + " (offered: " + String.join(", ", offered(gpus)) + ")";
            }
        }

        List<String> biggestFirst = new ArrayList<>(counts.keySet());
        biggestFirst.sort(Comparator.comparingLong((String p) -> -shape(gpus, p)).thenComparing(p -> p));
        for (String profile : biggestFirst) {
            int asked = counts.get(profile);
            int fit = mostThatFit(gpus, profile, asked);
            if (fit == 0) {
                String reasons = perGpu(gpus, profile);
                // Name the profile once, e.g. when every GPU's compute budget is full.
                return reasons.contains(profile) ? reasons : "no room for " + profile + ": " + reasons;
            }
            if (fit < asked) {
                return "fits " + fit + " of the " + asked + " slices of " + profile + " (" + perGpu(gpus, profile)
                        + ")";
            }
        }

        if (firstFitFailure != null && JointSearch.fits(gpus, profiles, JointSearch.MAX_VISITS)) {
            return "placing the slices one at a time in container order (first fit) left no room for "
                    + firstFitFailure.profile() + " of container " + firstFitFailure.container()
                    + "; the slices fit together in another arrangement";
        }
        int most = mostTogether(gpus, counts);
        return "each profile fits on its own, but the " + profiles.size() + " slices (" + summary(counts)
                + ") do not fit together" + (most > 0 ? ": at most " + most + " of them do" : "");
    }

    /** What one GPU says about one more slice of {@code profileName}, without the UUID. */
    static String reason(GpuState gpu, String profileName) {
        Optional<MigProfile> found = gpu.profile(profileName);
        if (found.isEmpty()) {
            return gpu.model().name() + " has no " + profileName;
        }
        MigProfile profile = found.get();
        GpuLayout layout = gpu.layout();
        int total = layout.model().totalComputeSlices();
        int used = layout.usedComputeSlices();
        if (used >= total) {
            return "compute budget full (" + used + " of " + total + " slices)";
        }
        if (profile.mediaExtensions()) {
            Optional<PlacedInstance> holder = layout.instances().stream().filter(i -> i.profile().mediaExtensions())
                    .findFirst();
            if (holder.isPresent()) {
                return holder.get().profile().name() + " already holds the media engines";
            }
        }
        int count = layout.instanceCount(profile);
        if (count >= profile.maxInstances()) {
            return "already holds " + count + " " + profileName + ", the most one GPU can";
        }
        // Memory before the remaining budgets: on real models it is what runs out first, and slots can be freed.
        long windows = 0;
        long freeWindows = 0;
        for (int start : profile.starts()) {
            long w = ModelTable.window(start, profile.memorySlices());
            windows |= w;
            freeWindows |= (layout.occupiedMemorySlices() & w) == 0 ? w : 0;
        }
        if (freeWindows == 0) {
            return "no free " + profileName + " placement, " + slots(layout.occupiedMemorySlices() & windows)
                    + " in use";
        }
        if (used + profile.computeSlices() > total) {
            return profileName + " needs " + profile.computeSlices() + " compute slices, " + used + " of " + total
                    + " in use";
        }
        if (layout.gpuInstanceCount() >= layout.model().maxGpuInstances()) {
            return "GPU instance limit reached (" + layout.gpuInstanceCount() + " of "
                    + layout.model().maxGpuInstances() + ")";
        }
        if (layout.possibleStarts(profile) == 0) {
            // A rule the checks above do not name: the layout's own words.
            return layout.whyNot(profile, profile.starts().getFirst()).map(PlacementViolation::message)
                    .orElse("no free " + profileName + " placement");
        }
        ModelTable table = ModelTable.of(layout);
        int q = table.indexOf(profileName);
        int room = table.capacity(q, layout.occupiedMemorySlices(), used, layout.gpuInstanceCount(),
                table.mediaUsed(layout), count);
        return "room for " + room;
    }

    /** Each GPU's reason, GPUs with the same reason named together: {@code GPU-3f2a…, GPU-77b1…: ...}. */
    static String perGpu(List<GpuState> gpus, String profileName) {
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        for (GpuState gpu : gpus) {
            byReason.computeIfAbsent(reason(gpu, profileName), r -> new ArrayList<>()).add(shortUuid(gpu.uuid()));
        }
        return byReason.entrySet().stream().map(e -> String.join(", ", e.getValue()) + ": " + e.getKey())
                .collect(Collectors.joining("; "));
    }

    /** {@code GPU-3f2a8c1d-...} → {@code GPU-3f2a…}: enough to tell a node's GPUs apart in a message. */
    static String shortUuid(String uuid) {
        return uuid.length() > 8 ? uuid.substring(0, 8) + "…" : uuid;
    }

    /** Memory slices of a mask as ranges, e.g. {@code slots 0-3, 6} or {@code slot 0}. */
    static String slots(long mask) {
        List<String> ranges = new ArrayList<>();
        long rest = mask;
        while (rest != 0) {
            int from = Long.numberOfTrailingZeros(rest);
            int to = from;
            while (to + 1 < Long.SIZE && (rest & (1L << (to + 1))) != 0) {
                to++;
            }
            ranges.add(from == to ? Integer.toString(from) : from + "-" + to);
            rest &= ~ModelTable.window(from, to - from + 1);
        }
        return (Long.bitCount(mask) == 1 ? "slot " : "slots ") + String.join(", ", ranges);
    }

    private static Set<String> offered(List<GpuState> gpus) {
        Set<String> names = new LinkedHashSet<>();
        gpus.forEach(g -> names.addAll(g.model().profileNames()));
        return names;
    }

    /** Compute and memory slices of the profile on the first GPU offering it, for ordering. */
    private static long shape(List<GpuState> gpus, String profileName) {
        for (GpuState gpu : gpus) {
            Optional<MigProfile> p = gpu.profile(profileName);
            if (p.isPresent()) {
                return (long) p.get().computeSlices() << 32 | p.get().memorySlices();
            }
        }
        return 0;
    }

    private static int mostThatFit(List<GpuState> gpus, String profile, int asked) {
        for (int k = asked; k > 0; k--) {
            if (JointSearch.fits(gpus, Collections.nCopies(k, profile), VISITS_PER_QUESTION)) {
                return k;
            }
        }
        return 0;
    }

    /** The most slices of the demand that fit together (fewer than all of them), or 0 when the budget ran out. */
    private static int mostTogether(List<GpuState> gpus, Map<String, Integer> counts) {
        int all = counts.values().stream().mapToInt(Integer::intValue).sum();
        List<String> names = new ArrayList<>(counts.keySet());
        int[] budget = {SUBSETS_TRIED};
        for (int k = all - 1; k > 1; k--) {
            if (anySubsetFits(gpus, names, counts, 0, k, new ArrayList<>(), budget)) {
                return k;
            }
        }
        return budget[0] >= 0 ? 1 : 0;
    }

    /** Whether some choice of {@code remaining} more slices from the profiles at and after {@code next} fits. */
    private static boolean anySubsetFits(List<GpuState> gpus, List<String> names, Map<String, Integer> counts,
                                         int next, int remaining, List<String> chosen, int[] budget) {
        if (remaining == 0) {
            return budget[0]-- > 0 && JointSearch.fits(gpus, chosen, VISITS_PER_QUESTION);
        }
        if (next == names.size()) {
            return false;
        }
        String name = names.get(next);
        for (int take = Math.min(remaining, counts.get(name)); take >= 0; take--) {
            for (int i = 0; i < take; i++) {
                chosen.add(name);
            }
            boolean fits = anySubsetFits(gpus, names, counts, next + 1, remaining - take, chosen, budget);
            for (int i = 0; i < take; i++) {
                chosen.removeLast();
            }
            if (fits) {
                return true;
            }
        }
        return false;
    }

    private static String summary(Map<String, Integer> counts) {
        return counts.entrySet().stream().map(e -> e.getValue() == 1 ? e.getKey() : e.getValue() + "×" + e.getKey())
                .collect(Collectors.joining(" + "));
    }
}
