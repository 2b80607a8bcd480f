package com.redhat.das.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Where the image archives are, what they should be called, and how the tests run what is in them. */
final class Images {

    static final Path REPO = Path.of(property("das.repo.root")).toAbsolutePath().normalize();
    static final String USER = property("das.image.user");

    private static final Map<String, ImageArchive> ARCHIVES = new ConcurrentHashMap<>();

    private Images() {
    }

    /** {@code registry/name:tag}, as the operator's ComponentImages names it. */
    static String reference(String name) {
        return property("das.image.registry") + "/" + name + ":" + property("das.image.tag");
    }

    /** The image k8s:build wrote in {@code module}, read once per test run. */
    static ImageArchive archive(String module) {
        return ARCHIVES.computeIfAbsent(module, m -> {
            try {
                return ImageArchive.read(ImageArchive.find(REPO.resolve(m)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    record Result(int exitCode, String output) {
    }

    /** Runs {@code command} and returns its exit code and output (stdout and stderr together). */
    static Result run(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("das-image-run", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("still running after 60 s: " + command);
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (the images module's surefire sets it)");
        }
        return value;
    }
}
