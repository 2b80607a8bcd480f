package com.redhat.das.allocator.request;

import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.allocator.v1.Container;
import com.redhat.das.api.allocator.v1.PodRequest;
import com.redhat.das.api.mig.ResourceNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the containers of a pod, as das-scheduler sends them, into the slices the pod needs.
 *
 * <p>Counts are expanded (a container asking for 2 slices of a profile needs two slices, which may sit on different
 * GPUs). Init containers follow Kubernetes' rule for every resource: they run one at a time before the app
 * containers, so per profile the pod needs the larger of the biggest init container and the sum of the app
 * containers (sidecars, init containers that keep running, count with the app containers). Slices an init container
 * needs beyond that sum are attributed to it; smaller init containers reuse the app containers' slices, as the
 * kubelet reuses devices.
 */
public final class PodRequestParser {

    /** The outcome of parsing one pod. */
    public sealed interface Parsed {
    }

    /** The slices the pod needs (at least one). */
    public record Slices(PodDemand demand) implements Parsed {
    }

    /** The pod asks for no MIG slice at all. */
    public record NoSlices() implements Parsed {
    }

    /** The request can never be satisfied as written; the message says why. */
    public record Invalid(String message) implements Parsed {
    }

    private PodRequestParser() {
    }

    public static Parsed parse(PodRequest pod) {
        List<String> problems = new ArrayList<>();
        // container -> profile -> count, in pod order
        Map<String, Map<String, Integer>> app = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> init = new LinkedHashMap<>();
        for (Container c : pod.getContainersList()) {
            Map<String, Integer> counts = countsOf(c, problems);
            if (counts.isEmpty()) {
                continue;
            }
            (c.getKind() == Container.Kind.INIT ? init : app).put(c.getName(), counts);
        }
        if (!problems.isEmpty()) {
            return new Invalid(String.join("; ", problems));
        }
        List<SliceDemand> slices = new ArrayList<>();
        Map<String, Integer> appTotal = new TreeMap<>();
        app.forEach((container, counts) -> counts.forEach((profile, n) -> {
            appTotal.merge(profile, n, Integer::sum);
            for (int i = 0; i < n; i++) {
                slices.add(new SliceDemand(container, profile, i));
            }
        }));
        // The biggest init container per profile, first in pod order on ties.
        Map<String, String> biggestInit = new TreeMap<>();
        Map<String, Integer> biggestInitCount = new TreeMap<>();
        init.forEach((container, counts) -> counts.forEach((profile, n) -> {
            if (n > biggestInitCount.getOrDefault(profile, 0)) {
                biggestInitCount.put(profile, n);
                biggestInit.put(profile, container);
            }
        }));
        biggestInitCount.forEach((profile, n) -> {
            int extra = n - appTotal.getOrDefault(profile, 0);
            for (int i = 0; i < extra; i++) {
                slices.add(new SliceDemand(biggestInit.get(profile), profile, i));
            }
        });
        if (slices.isEmpty()) {
            return new NoSlices();
        }
        return new Slices(new PodDemand(pod.getPod().getNamespace(), pod.getPod().getName(), pod.getPod().getUid(), slices));
    }

    /** Profile -> slices for one container, from its limits (requests when a resource has no limit). */
    private static Map<String, Integer> countsOf(Container c, List<String> problems) {
        Map<String, String> quantities = new TreeMap<>(c.getRequestsMap());
        quantities.putAll(c.getLimitsMap());
        Map<String, Integer> counts = new TreeMap<>();
        quantities.forEach((resource, quantity) -> {
            boolean das = ResourceNames.isDasResource(resource);
            if (!das && !ResourceNames.isNvidiaMigResource(resource)) {
                return;
            }
            String profile = ResourceNames.profileName(resource).orElse(null);
            if (profile == null) {
                problems.add("container " + c.getName() + ": '" + resource + "' does not name a MIG profile"
                        + " (expected e.g. " + ResourceNames.resourceName("1g.5gb") + ")");
                return;
            }
            switch (SliceCount.parse(resource, quantity)) {
                case SliceCount.Valid v -> counts.merge(profile, v.slices(), Integer::sum);
                case SliceCount.Invalid i -> problems.add("container " + c.getName() + ": " + i.message());
            }
        });
        return counts;
    }
}
