package com.redhat.das.benchmarks.simulation;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import java.util.Comparator;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulated cluster: {@code nodes} nodes of {@code gpusPerNode} GPUs of one catalog model.
 *
 * <p>One model per cluster keeps the repack bound exact (its search treats GPUs as interchangeable bins). The
 * allocator itself handles mixed clusters; the simulator does not need them to compare policies.
 *
 * @param nodes       node count
 * @param gpusPerNode GPUs per node
 * @param model       the catalog model of every GPU
 */
public record ClusterSpec(int nodes, int gpusPerNode, GpuModel model) {

    private static final Pattern SPEC = Pattern.compile("(\\d+)\\s*[x×]\\s*(\\d+)\\s*[x×]\\s*(\\S+)");

    /**
     * A GPU fraction counts as covered by a profile whose compute share is at most this much smaller: traces write
     * 1/7 as 0.143 or 0.14, and those mean a 1g, not a 2g.
     */
    static final double FRACTION_TOLERANCE = 0.005;

    public ClusterSpec {
        Objects.requireNonNull(model, "model");
        if (nodes < 1 || gpusPerNode < 1) {
            throw new IllegalArgumentException("a cluster needs at least one node and one GPU per node, got "
                    + nodes + " × " + gpusPerNode);
        }
    }

    /** Parses {@code NODESxGPUSxMODEL}, e.g. {@code 16x8xA100-40GB}, with a model name from the bundled catalog. */
    public static ClusterSpec parse(String text) {
        Matcher m = SPEC.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("cluster '" + text + "' is not NODESxGPUSxMODEL, e.g. 16x8xA100-40GB");
        }
        return new ClusterSpec(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                MigCatalog.bundled().requireModel(m.group(3)));
    }

    public int gpus() {
        return nodes * gpusPerNode;
    }

    public int totalComputeSlices() {
        return gpus() * model.totalComputeSlices();
    }

    public int totalMemorySlices() {
        return gpus() * model.totalMemorySlices();
    }

    /** The model's profile of that name. */
    public MigProfile profile(String name) {
        return model.requireProfile(name);
    }

    /**
     * The smallest profile whose compute share ({@code computeSlices / totalComputeSlices}) covers {@code fraction}:
     * fewest compute slices, then fewest memory slices. Media-extension profiles are never chosen: a fraction says
     * nothing about decoders, and a GPU has only one {@code +me} instance.
     *
     * @throws IllegalArgumentException when the fraction is not in (0, 1]
     */
    public MigProfile profileCovering(double fraction) {
        if (!(fraction > 0) || fraction > 1 + FRACTION_TOLERANCE) {
            throw new IllegalArgumentException("GPU fraction must be in (0, 1], got " + fraction);
        }
        double total = model.totalComputeSlices();
        return model.profiles().stream()
                .filter(p -> !p.mediaExtensions())
                .filter(p -> p.computeSlices() / total + FRACTION_TOLERANCE >= fraction)
                .min(Comparator.comparingInt(MigProfile::computeSlices).thenComparingInt(MigProfile::memorySlices))
                .orElseThrow(() -> new IllegalArgumentException(model.name() + " has no profile covering " + fraction));
    }

    @Override
    public String toString() {
        return nodes + "x" + gpusPerNode + "x" + model.name();
    }
}
