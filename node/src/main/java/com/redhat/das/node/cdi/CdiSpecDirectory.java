package com.redhat.das.node.cdi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.redhat.das.api.mig.ResourceNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node daemon's CDI spec files: one per container, named after its pod and container, holding one CDI device
 * per profile the container asked for. Every device sets the same {@code NVIDIA_VISIBLE_DEVICES} — all of the
 * container's MIG UUIDs — because the runtime keeps only the last value of an env variable set by several devices
 * (the reference's multi-profile containers lost all but one slice that way). Specs have no hook that deletes
 * them: they live as long as the pod, and the daemon removes them after the pod ends.
 */
public final class CdiSpecDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(CdiSpecDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String CDI_VERSION = "0.6.0";
    public static final String CLASS = "slice";
    public static final String KIND = ResourceNames.DAS_DOMAIN + "/" + CLASS;
    private static final String FILE_PREFIX = "das-";
    private static final String ANNOTATION_PREFIX = "das.inference.redhat.com/";
    static final String POD_UID = ANNOTATION_PREFIX + "pod-uid";
    static final String POD = ANNOTATION_PREFIX + "pod";
    static final String CONTAINER = ANNOTATION_PREFIX + "container";
    static final String CLAIMS = ANNOTATION_PREFIX + "claims";
    static final String PROFILE = ANNOTATION_PREFIX + "profile";
    /** Set when the device names are another container's: a crossed assignment was repaired by swapping contents. */
    static final String NAMES_OF = ANNOTATION_PREFIX + "device-names-of";

    /** Whose pod and container the device names (and the file name) are made from. */
    public record DeviceNames(String podUid, String namespace, String podName, String container) {
        public static DeviceNames of(ContainerSlices slices) {
            return new DeviceNames(slices.podUid(), slices.namespace(), slices.podName(), slices.container());
        }

        String encoded() {
            return podUid + "/" + namespace + "/" + podName + "/" + container;
        }

        static DeviceNames decode(String value) {
            String[] p = value.split("/", 4);
            return new DeviceNames(p[0], p[1], p[2], p[3]);
        }
    }

    private final Path dir;

    public CdiSpecDirectory(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    /** The fully qualified CDI device name a container gets for one profile, e.g. {@code mig.das.com/slice=ns_pod_c_1a2b3c4d_1g.5gb}. */
    public static String qualifiedDeviceName(String podUid, String namespace, String podName, String container, String profile) {
        return KIND + "=" + deviceName(podUid, namespace, podName, container, profile);
    }

    static String deviceName(String podUid, String namespace, String podName, String container, String profile) {
        // CDI names allow [A-Za-z0-9_.:-]: "+" is spelled "-plus-" as in the resource name
        return baseName(podUid, namespace, podName, container) + "_"
                + ResourceNames.resourceName(profile).substring(ResourceNames.DAS_PREFIX.length());
    }

    /** Pod names repeat (StatefulSets): the UID's first eight characters keep a new pod's spec apart from its predecessor's. */
    private static String baseName(String podUid, String namespace, String podName, String container) {
        return namespace + "_" + podName + "_" + container + "_" + podUid.substring(0, Math.min(8, podUid.length()));
    }

    public Path fileOf(ContainerSlices slices) {
        return fileOf(DeviceNames.of(slices));
    }

    private Path fileOf(DeviceNames names) {
        return dir.resolve(FILE_PREFIX + baseName(names.podUid(), names.namespace(), names.podName(), names.container()) + ".json");
    }

    /** Writes (or rewrites) the container's spec atomically: the runtime never reads half a file. */
    public Path write(ContainerSlices slices) {
        return write(slices, DeviceNames.of(slices));
    }

    /**
     * Writes {@code slices} under device names made from {@code names}: after a crossed assignment, the device name
     * the kubelet gave to a container must resolve to that container's own slices.
     */
    public synchronized Path write(ContainerSlices slices, DeviceNames names) {
        ObjectNode spec = JSON.createObjectNode();
        spec.put("cdiVersion", CDI_VERSION);
        spec.put("kind", KIND);
        ObjectNode annotations = spec.putObject("annotations");
        annotations.put(POD_UID, slices.podUid());
        annotations.put(POD, slices.namespace() + "/" + slices.podName());
        annotations.put(CONTAINER, slices.container());
        annotations.put(CLAIMS, String.join(",", slices.claims()));
        if (!names.equals(DeviceNames.of(slices))) {
            annotations.put(NAMES_OF, names.encoded());
        }
        String all = String.join(",", slices.allMigUuids());
        ArrayNode devices = spec.putArray("devices");
        for (String profile : slices.slices().keySet().stream().sorted().toList()) {
            ObjectNode device = devices.addObject();
            device.put("name", deviceName(names.podUid(), names.namespace(), names.podName(), names.container(), profile));
            device.putObject("annotations").put(PROFILE, profile);
            ArrayNode env = device.putObject("containerEdits").putArray("env");
            env.add("NVIDIA_VISIBLE_DEVICES=" + all);
            env.add(profileVariable(profile) + "=" + String.join(",", slices.slices().get(profile)));
        }
        Path file = fileOf(names);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), spec);
            // readable by the container runtime whatever user it runs as; only the daemon writes
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write CDI spec " + file, e);
        }
        return file;
    }

    /** {@code DAS_MIG_1G_5GB}, {@code DAS_MIG_1G_5GB_PLUS_ME}: the slices of one profile, for programs that care which is which. */
    public static String profileVariable(String profile) {
        return "DAS_MIG_" + profile.toUpperCase(Locale.ROOT).replace("+", "_PLUS_").replaceAll("[^A-Z0-9_]", "_");
    }

    /** The specs this daemon wrote, read back from disk (start-up reconciliation, teardown). */
    public synchronized List<StoredSpec> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<StoredSpec> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(FILE_PREFIX)
                    && f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                read(file).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list CDI specs in " + dir, e);
        }
        return out;
    }

    private java.util.Optional<StoredSpec> read(Path file) {
        try {
            JsonNode spec = JSON.readTree(file.toFile());
            if (!KIND.equals(spec.path("kind").asText())) {
                return java.util.Optional.empty();
            }
            JsonNode a = spec.path("annotations");
            String[] pod = a.path(POD).asText("/").split("/", 2);
            Map<String, List<String>> slices = new LinkedHashMap<>();
            for (Iterator<JsonNode> it = spec.path("devices").elements(); it.hasNext(); ) {
                JsonNode device = it.next();
                String profile = device.path("annotations").path(PROFILE).asText();
                String prefix = profileVariable(profile) + "=";
                for (JsonNode env : device.path("containerEdits").path("env")) {
                    if (env.asText().startsWith(prefix)) {
                        String value = env.asText().substring(prefix.length());
                        slices.put(profile, value.isEmpty() ? List.of() : List.of(value.split(",")));
                    }
                }
            }
            String claims = a.path(CLAIMS).asText("");
            ContainerSlices content = new ContainerSlices(a.path(POD_UID).asText(), pod[0],
                    pod.length > 1 ? pod[1] : "", a.path(CONTAINER).asText(), slices,
                    claims.isEmpty() ? List.of() : List.of(claims.split(",")));
            DeviceNames names = a.hasNonNull(NAMES_OF) ? DeviceNames.decode(a.path(NAMES_OF).asText()) : DeviceNames.of(content);
            return java.util.Optional.of(new StoredSpec(file, content, names));
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring unreadable CDI spec {}: {}", file, e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /** Removes every spec of the pod; returns how many. */
    public synchronized int removePod(String podUid) {
        int removed = 0;
        for (StoredSpec spec : list()) {
            if (spec.slices().podUid().equals(podUid) && remove(spec.file())) {
                removed++;
            }
        }
        return removed;
    }

    public synchronized boolean remove(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove CDI spec " + file, e);
        }
    }

    /** A spec file and what it holds. */
    public record StoredSpec(Path file, ContainerSlices slices, DeviceNames names) {
    }
}
