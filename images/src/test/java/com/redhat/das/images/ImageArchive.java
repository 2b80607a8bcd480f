package com.redhat.das.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * An image archive as k8s:build (Jib) writes it: a docker-archive tar with manifest.json, the config it names and
 * one gzipped tar per layer.
 */
final class ImageArchive {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One file of a layer; {@code path} is relative to the image root, without a trailing slash. */
    record Entry(String path, int mode, boolean directory, boolean symbolicLink, long size, long uid, long gid) {

        boolean regularFile() {
            return !directory && !symbolicLink;
        }

        int permissions() {
            return mode & 07777;
        }
    }

    /** A layer: its entries in archive order, and Jib's name for it (the history comment). */
    record Layer(String name, Map<String, Entry> entries) {
    }

    private final Path tar;
    private final List<String> repoTags;
    private final Map<String, Object> config;
    private final List<String> layerBlobs;
    private final List<Layer> layers;

    private ImageArchive(Path tar, List<String> repoTags, Map<String, Object> config, List<String> layerBlobs,
                         List<Layer> layers) {
        this.tar = tar;
        this.repoTags = repoTags;
        this.config = config;
        this.layerBlobs = layerBlobs;
        this.layers = layers;
    }

    /** The one {@code jib-image*.tar} k8s:build wrote below {@code module/target/docker}. */
    static Path find(Path module) {
        Path docker = module.resolve("target/docker");
        if (!Files.isDirectory(docker)) {
            throw new IllegalStateException("no image was built in " + module
                    + ": build with -Poffline-images and the image modules (-am)");
        }
        try (Stream<Path> files = Files.walk(docker)) {
            List<Path> tars = files.filter(p -> p.getFileName().toString().matches("jib-image.*\\.tar")).toList();
            if (tars.size() != 1) {
                throw new IllegalStateException("expected one image archive below " + docker + ", found " + tars);
            }
            return tars.getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static ImageArchive read(Path tar) throws IOException {
        try (TarFile archive = new TarFile(tar)) {
            Map<String, TarArchiveEntry> byName = index(archive);
            List<Object> manifests = (List<Object>) JSON.readValue(text(archive, byName, "manifest.json"), List.class);
            if (manifests.size() != 1) {
                throw new IllegalStateException(tar + " holds " + manifests.size() + " images");
            }
            Map<String, Object> manifest = (Map<String, Object>) manifests.getFirst();
            Map<String, Object> config = (Map<String, Object>) JSON.readValue(text(archive, byName, (String) manifest.get("Config")), Map.class);
            // Jib writes one history entry per layer of a scratch image, commented with the layer's name
            List<String> names = ((List<Object>) config.getOrDefault("history", List.of())).stream()
                    .map(h -> (String) ((Map<String, Object>) h).get("comment")).toList();
            List<String> layerFiles = (List<String>) (List<?>) manifest.get("Layers");
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < layerFiles.size(); i++) {
                TarArchiveEntry blob = entry(byName, layerFiles.get(i));
                Map<String, Entry> entries = new LinkedHashMap<>();
                try (TarArchiveInputStream in = new TarArchiveInputStream(
                        new GzipCompressorInputStream(archive.getInputStream(blob)))) {
                    for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                        String path = e.getName().replaceAll("^\\./", "").replaceAll("/$", "");
                        entries.put(path, new Entry(path, e.getMode(), e.isDirectory(), e.isSymbolicLink(), e.getSize(),
                                e.getLongUserId(), e.getLongGroupId()));
                    }
                }
                layers.add(new Layer(i < names.size() ? names.get(i) : null, entries));
            }
            return new ImageArchive(tar, (List<String>) (List<?>) manifest.get("RepoTags"), config,
                    List.copyOf(layerFiles), List.copyOf(layers));
        }
    }

    List<String> repoTags() {
        return repoTags;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> runConfig() {
        return (Map<String, Object>) config.getOrDefault("config", Map.of());
    }

    @SuppressWarnings("unchecked")
    List<String> entrypoint() {
        return (List<String>) (List<?>) Optional.ofNullable(runConfig().get("Entrypoint")).orElse(List.of());
    }

    @SuppressWarnings("unchecked")
    List<String> cmd() {
        return (List<String>) (List<?>) Optional.ofNullable(runConfig().get("Cmd")).orElse(List.of());
    }

    /** The layers' digests before compression: equal digests, one layer a registry and a node store once. */
    @SuppressWarnings("unchecked")
    List<String> diffIds() {
        return (List<String>) (List<?>) ((Map<String, Object>) config.get("rootfs")).get("diff_ids");
    }

    String user() {
        return (String) runConfig().get("User");
    }

    String architecture() {
        return (String) config.get("architecture");
    }

    List<Layer> layers() {
        return layers;
    }

    List<String> layerNames() {
        return layers.stream().map(Layer::name).toList();
    }

    Layer layer(String name) {
        return layers.stream().filter(l -> name.equals(l.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no layer " + name + " in " + layerNames()));
    }

    /** The file at {@code path} as the container sees it: from the topmost layer that has it. */
    Optional<Entry> file(String path) {
        for (Layer layer : layers.reversed()) {
            Entry e = layer.entries().get(path);
            if (e != null) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Every file the container sees, by path. */
    Map<String, Entry> files() {
        Map<String, Entry> all = new LinkedHashMap<>();
        layers.forEach(l -> all.putAll(l.entries()));
        return all;
    }

    /** Unpacks the layers, in order, into {@code root} with their permission bits, as a container runtime would. */
    void extractTo(Path root) throws IOException {
        try (TarFile archive = new TarFile(tar)) {
            Map<String, TarArchiveEntry> byName = index(archive);
            for (String blob : layerBlobs) {
                try (TarArchiveInputStream in = new TarArchiveInputStream(
                        new GzipCompressorInputStream(archive.getInputStream(entry(byName, blob))))) {
                    for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                        extract(in, e, root);
                    }
                }
            }
        }
    }

    private static void extract(InputStream in, TarArchiveEntry e, Path root) throws IOException {
        Path target = root.resolve(e.getName()).normalize();
        if (!target.startsWith(root)) {
            throw new IOException("entry outside the image root: " + e.getName());
        }
        if (e.isSymbolicLink()) {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            return;
        }
        if (e.isDirectory()) {
            Files.createDirectories(target);
        } else {
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        // the owner bits only ever widened, so that the extracting user can still write into every directory
        Files.setPosixFilePermissions(target, permissions(e.getMode() | 0700));
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, 0400 .. 0001
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    private static Map<String, TarArchiveEntry> index(TarFile archive) {
        Map<String, TarArchiveEntry> byName = new LinkedHashMap<>();
        for (TarArchiveEntry e : archive.getEntries()) {
            byName.put(e.getName(), e);
        }
        return byName;
    }

    private static TarArchiveEntry entry(Map<String, TarArchiveEntry> byName, String name) {
        TarArchiveEntry e = byName.get(name);
        if (e == null) {
            throw new IllegalStateException("no " + name + " in the image archive (entries: " + byName.keySet() + ")");
        }
        return e;
    }

    private static String text(TarFile archive, Map<String, TarArchiveEntry> byName, String name) throws IOException {
        try (InputStream in = archive.getInputStream(entry(byName, name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
