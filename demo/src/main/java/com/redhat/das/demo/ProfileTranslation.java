package com.redhat.das.demo;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * How the samples' MIG profiles map onto the demo's GPU model. The samples name A100-40GB profiles (what a user of
 * the most common MIG GPU writes); another model offers the same shapes under other names (an H100-80GB's
 * {@code 1g.10gb} is an A100-40GB's {@code 1g.5gb}: one compute slice, one memory slice). So that the demo shows
 * the same workloads on any model: when the model lacks a requested profile, every requested profile is renamed to
 * the model's profile of the same shape (compute slices, memory slices, media extensions) in the model the samples
 * were written for. Shapes, not names, are kept, so the workloads take the same room on every model. A profile
 * without such a twin is left as written, and the demo says that its pods cannot be placed.
 *
 * @param sourceModel   the catalog model that offers every requested profile (what the samples were written for),
 *                      or empty when none does
 * @param targetModel   the demo's GPU model
 * @param renames       requested profile → the target model's profile of the same shape, for those that change
 * @param unplaceable   requested profiles the target model neither offers nor has a twin for
 */
public record ProfileTranslation(Optional<String> sourceModel, String targetModel, Map<String, String> renames,
                                 SortedSet<String> unplaceable) {

    public ProfileTranslation {
        renames = Collections.unmodifiableMap(new LinkedHashMap<>(renames));
        unplaceable = new TreeSet<>(unplaceable);
    }

    /** Plans the renames that make {@code requested} fit {@code target}. */
    public static ProfileTranslation plan(MigCatalog catalog, Collection<String> requested, GpuModel target) {
        Optional<GpuModel> source = catalog.models().stream()
                .filter(m -> requested.stream().allMatch(p -> m.profile(p).isPresent()))
                .findFirst();
        Map<String, String> renames = new LinkedHashMap<>();
        SortedSet<String> unplaceable = new TreeSet<>();
        if (requested.stream().allMatch(p -> target.profile(p).isPresent())) {
            return new ProfileTranslation(source.map(GpuModel::name), target.name(), renames, unplaceable);
        }
        for (String profile : new TreeSet<>(requested)) {
            Optional<MigProfile> twin = source.flatMap(s -> s.profile(profile)).flatMap(p -> sameShape(target, p));
            if (twin.isPresent()) {
                if (!twin.get().name().equals(profile)) {
                    renames.put(profile, twin.get().name());
                }
            } else if (target.profile(profile).isEmpty()) {
                unplaceable.add(profile);
            }
        }
        return new ProfileTranslation(source.map(GpuModel::name), target.name(), renames, unplaceable);
    }

    private static Optional<MigProfile> sameShape(GpuModel target, MigProfile profile) {
        List<MigProfile> twins = target.profiles().stream()
                .filter(t -> t.computeSlices() == profile.computeSlices() && t.memorySlices() == profile.memorySlices()
                        && t.mediaExtensions() == profile.mediaExtensions())
                .toList();
        // Several twins would make the choice arbitrary; then the sample stays as written.
        return twins.size() == 1 ? Optional.of(twins.getFirst()) : Optional.empty();
    }

    public boolean renamesAnything() {
        return !renames.isEmpty();
    }

    /** The profile to request instead of {@code profile} (itself when nothing changes). */
    public String apply(String profile) {
        return renames.getOrDefault(profile, profile);
    }
}
