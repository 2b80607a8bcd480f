package com.redhat.das.demo;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/** Renders a {@link ClusterState} as the demo prints it. Pure: no I/O, so it is tested on hand-made states. */
public final class DemoReport {

    static final String NONE = "-";

    private DemoReport() {
    }

    /**
     * One row per slice, from the AllocationClaims: pod, container, node, GPU (index and UUID), profile, memory slots
     * ({@code start..end}), claim state and MIG device. A container without a slice gets a row saying so, as does a
     * pod that has no slices (anymore).
     */
    public static String allocationTable(ClusterState state) {
        boolean severalNamespaces = state.pods().stream().map(p -> p.getMetadata().getNamespace()).distinct().count() > 1;
        Table table = new Table("POD", "CONTAINER", "NODE", "GPU", "GPU UUID", "PROFILE", "SLOTS", "CLAIM", "MIG DEVICE");
        for (Pod pod : state.pods()) {
            String name = (severalNamespaces ? pod.getMetadata().getNamespace() + "/" : "") + pod.getMetadata().getName();
            String node = Optional.ofNullable(pod.getSpec().getNodeName()).orElse(NONE);
            List<AllocationClaim> claims = state.claimsOf(pod);
            String phase = Optional.ofNullable(pod.getStatus()).map(s -> s.getPhase()).orElse("Pending");
            if (claims.isEmpty() && !"Running".equals(phase)) {
                table.row(name, NONE, node, NONE, NONE, NONE, NONE, NONE, podNote(pod, phase));
                continue;
            }
            for (Container container : containers(pod)) {
                List<AllocationClaim> own = claims.stream()
                        .filter(c -> container.getName().equals(c.getSpec().containerName()))
                        .sorted(Comparator.comparing((AllocationClaim c) -> c.getSpec().nodename())
                                .thenComparing(c -> gpuIndex(state, c.getSpec().gpuUUID()))
                                .thenComparingInt(c -> c.getSpec().migPlacement().start()))
                        .toList();
                if (own.isEmpty()) {
                    table.row(name, container.getName(), node, NONE, NONE, NONE, NONE, NONE, "no MIG slice requested");
                }
                for (AllocationClaim c : own) {
                    int start = c.getSpec().migPlacement().start();
                    int end = start + c.getSpec().migPlacement().size() - 1;
                    table.row(name, container.getName(), c.getSpec().nodename(), gpuIndex(state, c.getSpec().gpuUUID()),
                            c.getSpec().gpuUUID(), c.getSpec().profile(), start + ".." + end,
                            ClusterState.state(c).map(ClaimState::apiValue).orElse(NONE),
                            Optional.ofNullable(c.getStatus()).map(s -> s.migUUID()).orElse(NONE));
                }
            }
        }
        return table.render();
    }

    /**
     * Per node and GPU, the occupancy its node daemon reports in the NodeAccelerator status ({@code .} free, else the
     * size of the slice holding the memory slot), the compute and memory slices in use, and whether that is exactly
     * what the claims in use say.
     */
    public static String occupancyMap(ClusterState state) {
        Table table = new Table("NODE", "GPU", "GPU UUID", "MEMORY SLOTS", "COMPUTE", "MEMORY", "MATCHES CLAIMS");
        for (ClusterState.Gpu gpu : state.gpus()) {
            String slots = gpu.reportedSlots().map(s -> "[" + s + "]").orElse("(not reported yet)");
            String compute = gpu.reported().map(o -> o.usedComputeSlices() + "/" + gpu.inventory().computeSlices()).orElse(NONE);
            String memory = gpu.reported().map(o -> o.usedMemorySlices() + "/" + gpu.inventory().memorySlices()).orElse(NONE);
            String agreement = state.agrees(gpu) ? "yes" : "NO: the claims in use say [" + state.slotsFromClaims(gpu) + "]";
            table.row(gpu.node(), "GPU" + gpu.inventory().index(), gpu.uuid(), slots, compute, memory, agreement);
        }
        return table.render();
    }

    /** {@code 9 AllocationClaims in das-operator: 9 inUse}. */
    public static String claimCount(ClusterState state, String namespace) {
        long total = state.claims().size();
        String byState = Stream.of(ClaimState.values())
                .map(s -> Map.entry(s, state.claims().stream().filter(c -> ClusterState.state(c).orElse(null) == s).count()))
                .filter(e -> e.getValue() > 0)
                .map(e -> e.getValue() + " " + e.getKey().apiValue())
                .reduce((a, b) -> a + ", " + b).orElse("");
        long withoutState = state.claims().stream().filter(c -> ClusterState.state(c).isEmpty()).count();
        if (withoutState > 0) {
            byState = byState.isEmpty() ? withoutState + " without state" : byState + ", " + withoutState + " without state";
        }
        return total + " AllocationClaim" + (total == 1 ? "" : "s") + " in " + namespace + (total == 0 ? "" : ": " + byState);
    }

    private static String gpuIndex(ClusterState state, String uuid) {
        return state.gpu(uuid).map(g -> "GPU" + g.inventory().index()).orElse("?");
    }

    private static List<Container> containers(Pod pod) {
        List<Container> out = new ArrayList<>();
        if (pod.getSpec().getInitContainers() != null) {
            out.addAll(pod.getSpec().getInitContainers());
        }
        out.addAll(pod.getSpec().getContainers());
        return out;
    }

    /** Why a pod holds no slice: it ended (and gave its slices back) or has not started. */
    static String podNote(Pod pod, String phase) {
        return switch (phase) {
            case "Succeeded", "Failed" -> "pod " + phase + ": its slices were destroyed and its claims deleted";
            default -> phase + ": " + Optional.ofNullable(pod.getStatus()).map(s -> s.getConditions()).orElse(List.of())
                    .stream().filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))
                    .map(PodCondition::getMessage).filter(Objects::nonNull).findFirst()
                    .orElse(pod.getSpec().getNodeName() == null ? "not scheduled yet" : "not started yet");
        };
    }

    /** Left-aligned columns, two spaces apart; the last column is not padded. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        String render() {
            int columns = rows.getFirst().length;
            int[] width = new int[columns];
            for (String[] row : rows) {
                for (int i = 0; i < columns; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            StringBuilder out = new StringBuilder();
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    line.append(i == columns - 1 ? row[i] : String.format("%-" + width[i] + "s  ", row[i]));
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
            return out.toString();
        }
    }
}
