package com.redhat.das.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.redhat.das.api.mig.ResourceNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The sample workloads: every object of every {@code *.yaml} / {@code *.yml} file of a directory, files in name
 * order (as {@code kubectl apply -f dir/} takes them), objects in file order.
 */
public record SampleSet(Path directory, List<Sample> samples) {

    /** One object and the file it came from. */
    public record Sample(String file, HasMetadata object) {

        /** {@code Pod das-demo/single-slice}. */
        public String describe() {
            String namespace = object.getMetadata().getNamespace();
            return object.getKind() + " " + (namespace == null ? "" : namespace + "/") + object.getMetadata().getName();
        }

        /**
         * How many pods this object should have running (or finished) once it has started: 1 for a Pod, the replicas
         * of a Deployment, ReplicaSet or StatefulSet, the parallelism of a Job (capped by its completions); 0 for
         * everything else, which the demo does not wait for.
         */
        public int expectedPods() {
            return switch (object) {
                case Pod ignored -> 1;
                case Deployment d -> replicas(d.getSpec() == null ? null : d.getSpec().getReplicas());
                case ReplicaSet r -> replicas(r.getSpec() == null ? null : r.getSpec().getReplicas());
                case StatefulSet s -> replicas(s.getSpec() == null ? null : s.getSpec().getReplicas());
                case Job j -> j.getSpec() == null ? 1 : Math.min(replicas(j.getSpec().getParallelism()),
                        replicas(j.getSpec().getCompletions()));
                default -> 0;
            };
        }

        private static int replicas(Integer declared) {
            return declared == null ? 1 : declared;
        }
    }

    public SampleSet {
        samples = List.copyOf(samples);
    }

    /**
     * Reads the directory.
     *
     * @throws IllegalArgumentException naming the directory or the file when there is nothing to apply or a file is
     *                                  not a list of Kubernetes objects
     */
    public static SampleSet load(Path directory, KubernetesSerialization serialization) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("samples directory " + directory + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(f -> f.getFileName().toString().matches(".*\\.ya?ml") && Files.isRegularFile(f))
                    .sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + directory + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.yaml file in " + directory);
        }
        List<Sample> samples = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            List<HasMetadata> objects;
            try {
                objects = objectsOf(serialization.unmarshal(Files.readString(file)));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
            }
            for (HasMetadata object : objects) {
                if (object.getKind() == null || object.getMetadata() == null || object.getMetadata().getName() == null) {
                    throw new IllegalArgumentException(file + " holds an object without kind or metadata.name");
                }
                samples.add(new Sample(name, object));
            }
        }
        return new SampleSet(directory, samples);
    }

    private static List<HasMetadata> objectsOf(Object parsed) {
        List<HasMetadata> out = new ArrayList<>();
        switch (parsed) {
            case null -> {
                // an empty file, or one holding only comments
            }
            case KubernetesList list -> out.addAll(list.getItems());
            case HasMetadata object -> out.add(object);
            case List<?> documents -> documents.forEach(d -> out.addAll(objectsOf(d)));
            default -> throw new IllegalArgumentException("not a Kubernetes object: " + parsed.getClass().getSimpleName());
        }
        return out;
    }

    /** Namespaces the samples create or put objects in, in first-use order. */
    public Set<String> namespaces() {
        Set<String> out = new LinkedHashSet<>();
        for (Sample s : samples) {
            if (s.object() instanceof Namespace ns) {
                out.add(ns.getMetadata().getName());
            } else if (s.object().getMetadata().getNamespace() != null) {
                out.add(s.object().getMetadata().getNamespace());
            }
        }
        return out;
    }

    public int expectedPods() {
        return samples.stream().mapToInt(Sample::expectedPods).sum();
    }

    /** MIG profile → the samples that ask for it, read from every {@code limits} and {@code requests} map. */
    public SortedMap<String, Set<String>> requestedProfiles(KubernetesSerialization serialization) {
        SortedMap<String, Set<String>> out = new TreeMap<>();
        for (Sample s : samples) {
            JsonNode tree = serialization.convertValue(s.object(), JsonNode.class);
            for (String resource : migResources(tree, new TreeSet<>())) {
                ResourceNames.profileName(resource).ifPresent(profile ->
                        out.computeIfAbsent(profile, k -> new LinkedHashSet<>()).add(s.file() + " (" + s.describe() + ")"));
            }
        }
        return out;
    }

    /** The same samples asking for {@code translation}'s profiles instead, under the same kind of resource name. */
    public SampleSet translated(ProfileTranslation translation, KubernetesSerialization serialization) {
        if (!translation.renamesAnything()) {
            return this;
        }
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            JsonNode tree = serialization.convertValue(s.object(), JsonNode.class);
            renameResources(tree, resource -> ResourceNames.profileName(resource)
                    .filter(translation.renames()::containsKey)
                    .map(profile -> renamed(resource, translation.apply(profile)))
                    .orElse(resource));
            out.add(new Sample(s.file(), serialization.unmarshal(serialization.asJson(tree), HasMetadata.class)));
        }
        return new SampleSet(directory, out);
    }

    private static String renamed(String resource, String profile) {
        return ResourceNames.isDasResource(resource) ? ResourceNames.resourceName(profile)
                : ResourceNames.nvidiaResourceName(profile);
    }

    private static boolean isResourceMap(String field) {
        return field.equals("limits") || field.equals("requests");
    }

    private static Set<String> migResources(JsonNode node, Set<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (isResourceMap(e.getKey()) && e.getValue().isObject()) {
                    e.getValue().fieldNames().forEachRemaining(name -> {
                        if (ResourceNames.isNvidiaMigResource(name) || ResourceNames.isDasResource(name)) {
                            out.add(name);
                        }
                    });
                } else {
                    migResources(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> migResources(child, out));
        }
        return out;
    }

    /**
     * Renames the keys of every {@code limits} and {@code requests} map in place. Two names that become one (a
     * container asking for two profiles that map to the same one) add up, as the slices they stand for do.
     */
    private static void renameResources(JsonNode node, UnaryOperator<String> rename) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> e : List.copyOf(object.properties())) {
                if (isResourceMap(e.getKey()) && e.getValue() instanceof ObjectNode resources) {
                    Map<String, JsonNode> renamed = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonNode> r : resources.properties()) {
                        renamed.merge(rename.apply(r.getKey()), r.getValue(), SampleSet::sum);
                    }
                    resources.removeAll();
                    renamed.forEach(resources::set);
                } else {
                    renameResources(e.getValue(), rename);
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(child -> renameResources(child, rename));
        }
    }

    private static JsonNode sum(JsonNode a, JsonNode b) {
        BigDecimal total = new Quantity(a.asText()).getNumericalAmount().add(new Quantity(b.asText()).getNumericalAmount());
        return TextNode.valueOf(total.stripTrailingZeros().toPlainString());
    }
}
