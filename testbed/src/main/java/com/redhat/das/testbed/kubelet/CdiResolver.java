package com.redhat.das.testbed.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container runtime's CDI step: resolves fully qualified CDI device names ({@code vendor/class=name}) against the
 * JSON spec files of one directory and applies their container edits.
 *
 * <p>Rules kept from the CDI library: the directory is read afresh on every injection (the library watches it), so
 * a spec written after the Allocate call is found on the next container start attempt; a spec that fails validation
 * is ignored as a whole, so its devices are unresolvable; a device defined by two specs of the directory is a
 * conflict and resolves to neither; for each requested device, the spec-level edits of its spec are applied once,
 * before the first of its devices, then the device's own edits; an env entry {@code K=V} replaces an earlier
 * {@code K}. Hooks and other OCI edits are not modelled: nothing in DAS writes them.
 */
public final class CdiResolver {

    private static final Logger LOG = LoggerFactory.getLogger(CdiResolver.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VENDOR = Pattern.compile("[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?");
    private static final Pattern CLASS = Pattern.compile("[A-Za-z](?:[A-Za-z0-9_-]*[A-Za-z0-9])?");
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9_.:-]*[A-Za-z0-9])?");

    private final Path specDirectory;
    /** Parsed specs by file, reparsed only when the file changes, so a bad file is reported once. */
    private final Map<Path, CachedSpec> cache = new HashMap<>();

    public CdiResolver(Path specDirectory) {
        this.specDirectory = specDirectory;
    }

    public Path specDirectory() {
        return specDirectory;
    }

    /**
     * Applies, onto {@code edits}, the edits of every named device, in order.
     *
     * @throws UnresolvableCdiDevicesException naming every device that no valid spec defines; {@code edits} is then
     *                                         left partly edited and should be thrown away
     */
    public synchronized ContainerEdits inject(ContainerEdits edits, List<String> qualifiedNames) throws UnresolvableCdiDevicesException {
        Map<String, SpecDevice> devices = loadDevices();
        List<String> unresolved = new ArrayList<>();
        Set<Spec> specsApplied = new LinkedHashSet<>();
        for (String name : qualifiedNames) {
            SpecDevice found = devices.get(name);
            if (found == null) {
                unresolved.add(name);
                continue;
            }
            if (specsApplied.add(found.spec())) {
                apply(found.spec().edits(), edits);
            }
            apply(found.device().path("containerEdits"), edits);
        }
        if (!unresolved.isEmpty()) {
            throw new UnresolvableCdiDevicesException(unresolved);
        }
        return edits;
    }

    /** Every resolvable device of the directory, by qualified name. */
    public synchronized Set<String> resolvableDevices() {
        return Set.copyOf(loadDevices().keySet());
    }

    private Map<String, SpecDevice> loadDevices() {
        Map<String, SpecDevice> devices = new LinkedHashMap<>();
        Set<String> conflicts = new HashSet<>();
        for (Spec spec : loadSpecs()) {
            for (JsonNode device : spec.json().path("devices")) {
                String qualified = spec.kind() + "=" + device.path("name").asText();
                if (devices.putIfAbsent(qualified, new SpecDevice(spec, device)) != null && conflicts.add(qualified)) {
                    LOG.warn("CDI device {} is defined by {} and {}: a conflict, neither is used", qualified,
                            devices.get(qualified).spec().file(), spec.file());
                }
            }
        }
        conflicts.forEach(devices::remove);
        return devices;
    }

    private List<Spec> loadSpecs() {
        if (!Files.isDirectory(specDirectory)) {
            cache.clear();
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(specDirectory)) {
            files = listing.filter(f -> f.getFileName().toString().endsWith(".json") && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            LOG.warn("cannot list CDI spec directory {}: {}", specDirectory, e.toString());
            return List.of();
        }
        cache.keySet().retainAll(Set.copyOf(files));
        List<Spec> specs = new ArrayList<>();
        for (Path file : files) {
            try {
                FileTime modified = Files.getLastModifiedTime(file);
                long size = Files.size(file);
                CachedSpec cached = cache.get(file);
                if (cached == null || !cached.modified().equals(modified) || cached.size() != size) {
                    cached = new CachedSpec(modified, size, parse(file));
                    cache.put(file, cached);
                }
                if (cached.spec() != null) {
                    specs.add(cached.spec());
                }
            } catch (IOException e) {
                // removed between listing and reading: it simply is not there
                cache.remove(file);
            }
        }
        return specs;
    }

    /** The spec, or null (logged) when it does not pass validation. */
    private static Spec parse(Path file) {
        try {
            JsonNode json = JSON.readTree(file.toFile());
            String problem = validate(json);
            if (problem != null) {
                LOG.warn("ignoring invalid CDI spec {}: {}", file, problem);
                return null;
            }
            return new Spec(file, json.path("kind").asText(), json);
        } catch (IOException e) {
            LOG.warn("ignoring unreadable CDI spec {}: {}", file, e.getMessage());
            return null;
        }
    }

    /** Why the spec is invalid, or null. */
    static String validate(JsonNode spec) {
        if (!spec.isObject()) {
            return "not a JSON object";
        }
        if (!spec.path("cdiVersion").isTextual() || spec.path("cdiVersion").asText().isEmpty()) {
            return "missing cdiVersion";
        }
        String kind = spec.path("kind").asText("");
        String[] vendorClass = kind.split("/", -1);
        if (vendorClass.length != 2 || !VENDOR.matcher(vendorClass[0]).matches() || !CLASS.matcher(vendorClass[1]).matches()) {
            return "invalid kind \"" + kind + "\" (expected vendor/class)";
        }
        String editsProblem = validateEdits(spec.path("containerEdits"));
        if (editsProblem != null) {
            return "spec edits: " + editsProblem;
        }
        JsonNode devices = spec.path("devices");
        if (!devices.isArray() || devices.isEmpty()) {
            return "no devices";
        }
        for (JsonNode device : devices) {
            String name = device.path("name").asText("");
            if (!DEVICE.matcher(name).matches()) {
                return "invalid device name \"" + name + "\"";
            }
            String problem = validateEdits(device.path("containerEdits"));
            if (problem != null) {
                return "device " + name + ": " + problem;
            }
        }
        return null;
    }

    private static String validateEdits(JsonNode edits) {
        if (edits.isMissingNode() || edits.isNull()) {
            return null;
        }
        for (JsonNode env : edits.path("env")) {
            if (!env.isTextual() || env.asText().indexOf('=') <= 0) {
                return "invalid environment variable " + env;
            }
        }
        for (JsonNode node : edits.path("deviceNodes")) {
            if (node.path("path").asText("").isEmpty()) {
                return "device node without a path";
            }
        }
        for (JsonNode mount : edits.path("mounts")) {
            if (mount.path("hostPath").asText("").isEmpty() || mount.path("containerPath").asText("").isEmpty()) {
                return "mount without hostPath or containerPath";
            }
        }
        return null;
    }

    private static void apply(JsonNode containerEdits, ContainerEdits edits) {
        for (JsonNode env : containerEdits.path("env")) {
            String entry = env.asText();
            int eq = entry.indexOf('=');
            edits.setEnv(entry.substring(0, eq), entry.substring(eq + 1));
        }
        for (JsonNode node : containerEdits.path("deviceNodes")) {
            edits.addDeviceNode(node.path("path").asText(), node.path("hostPath").asText(""));
        }
        for (JsonNode mount : containerEdits.path("mounts")) {
            edits.addMount(mount.path("containerPath").asText(), mount.path("hostPath").asText());
        }
    }

    private record Spec(Path file, String kind, JsonNode json) {
        JsonNode edits() {
            return json.path("containerEdits");
        }

        // identity semantics: two files with equal content are still two specs
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private record SpecDevice(Spec spec, JsonNode device) {
    }

    private record CachedSpec(FileTime modified, long size, Spec spec) {
    }
}
