package com.redhat.das.allocator.model;

import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacementRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One GPU and the slices on it. Immutable: the model replaces a GPU's state as a whole, so a reader never sees half
 * an update.
 *
 * @param uuid   {@code GPU-...}
 * @param node   the node it is in
 * @param index  device index on the node
 * @param layout the GPU instances (always valid under the model's placement rules)
 * @param slices who holds each instance of the layout, in the same order
 */
public record GpuState(String uuid, String node, int index, GpuLayout layout, List<Slice> slices) {

    public GpuState {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(layout, "layout");
        slices = List.copyOf(slices);
    }

    public static GpuState empty(String uuid, String node, int index, GpuModel model) {
        return new GpuState(uuid, node, index, PlacementRules.of(model).emptyLayout(), List.of());
    }

    public GpuModel model() {
        return layout.model();
    }

    /** The model's profile of that name, if this GPU offers it. */
    public Optional<MigProfile> profile(String name) {
        return model().profile(name);
    }

    /** This GPU with one more slice; the slice's placement must be valid here. */
    public GpuState with(Slice slice) {
        List<Slice> more = new ArrayList<>(slices);
        more.add(slice);
        return new GpuState(uuid, node, index, layout.with(slice.instance()), more);
    }

    /** This GPU without the slice of that claim name (unchanged when it holds none). */
    public GpuState without(String claimName) {
        for (Slice s : slices) {
            if (s.claimName().equals(claimName)) {
                List<Slice> fewer = new ArrayList<>(slices);
                fewer.remove(s);
                return new GpuState(uuid, node, index, layout.without(s.instance()), fewer);
            }
        }
        return this;
    }

    public Optional<Slice> slice(String claimName) {
        return slices.stream().filter(s -> s.claimName().equals(claimName)).findFirst();
    }

    public boolean isEmpty() {
        return slices.isEmpty();
    }
}
