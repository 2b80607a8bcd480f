package com.redhat.das.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.images.ImageArchive.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The four Java images as profile offline-images builds them: FROM scratch, on a runtime layer of their own. */
class JavaImageTest {

    enum Component {
        ALLOCATOR("allocator", "das-allocator", "com.redhat.das.allocator.Main"),
        NODE("node", "das-node", "com.redhat.das.node.Main"),
        WEBHOOK("webhook", "das-webhook", "com.redhat.das.webhook.server.Main"),
        OPERATOR("operator", "das-operator", "com.redhat.das.operator.Main");

        final String module;
        final String image;
        final String mainClass;

        Component(String module, String image, String mainClass) {
            this.module = module;
            this.image = image;
            this.mainClass = mainClass;
        }

        ImageArchive archive() {
            return Images.archive(module);
        }
    }

    static final String JAVA = "opt/jre/bin/java";
    static final String LOADER = "lib64/ld-linux-x86-64.so.2";
    static final String LIBC_DIR = "lib/x86_64-linux-gnu";

    @TempDir
    static Path extracted;
    private static final Map<Component, Path> ROOTS = new EnumMap<>(Component.class);

    /** The image's file system, unpacked once per image. */
    private static synchronized Path root(Component c) throws IOException {
        Path root = ROOTS.get(c);
        if (root == null) {
            root = Files.createDirectory(extracted.resolve(c.image));
            c.archive().extractTo(root);
            ROOTS.put(c, root);
        }
        return root;
    }

    @ParameterizedTest
    @EnumSource(Component.class)
    void isNamedAsTheOperatorExpectsIt(Component c) {
        assertThat(c.archive().repoTags()).containsExactly(Images.reference(c.image));
        assertThat(c.archive().architecture()).isEqualTo("amd64");
    }

    @ParameterizedTest
    @EnumSource(Component.class)
    void entrypointStartsTheMainClassAndTakesTheOperatorsArguments(Component c) {
        assertThat(c.archive().entrypoint())
                .containsExactly("/opt/jre/bin/java", "-cp", "/deployments/lib/*:/deployments/app.jar", c.mainClass);
        // the operator sets only args: nothing may stand between the main class and them
        assertThat(c.archive().cmd()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Component.class)
    void runsAsTheNonRootImageUser(Component c) {
        assertThat(c.archive().user()).isEqualTo(Images.USER).isNotIn("0", "root");
    }

    @ParameterizedTest
    @EnumSource(Component.class)
    void hasARuntimeThenADependencyThenAnAppLayerAndNothingElse(Component c) {
        ImageArchive image = c.archive();
        assertThat(image.layerNames()).containsExactly("runtime", "deps", "app");
        assertThat(image.layer("runtime").entries()).isNotEmpty().allSatisfy((path, e) ->
                assertThat(path).matches("(opt|lib|lib64|tmp)(/.+)?"));
        assertThat(image.layer("deps").entries()).isNotEmpty().allSatisfy((path, e) ->
                assertThat(path).matches("deployments(/lib(/[^/]+\\.jar)?)?"));
        assertThat(image.layer("app").entries()).containsOnlyKeys("deployments", "deployments/app.jar");
    }

    @Test
    void everyJavaImageSharesOneRuntimeLayer() {
        List<String> runtimeDigests = Stream.of(Component.values()).map(c -> c.archive().diffIds().getFirst()).toList();
        assertThat(runtimeDigests).hasSize(4).containsOnly(runtimeDigests.getFirst());
    }

    @ParameterizedTest
    @EnumSource(Component.class)
    void tmpIsADirectoryEveryUserCanWrite(Component c) {
        // Jib writes permission bits 000 to 777 only, so no sticky bit; /tmp is an emptyDir in every DAS pod anyway
        Entry tmp = c.archive().file("tmp").orElseThrow(() -> new AssertionError("no /tmp"));
        assertThat(tmp.directory()).isTrue();
        assertThat(tmp.permissions()).isEqualTo(0777);
        assertThat(c.archive().layer("runtime").entries()).containsKey("tmp");
    }

    @ParameterizedTest
    @EnumSource(Component.class)
    void holdsTheAppJarAndExactlyItsRuntimeDependenciesReadableByAnyUser(Component c) throws IOException {
        ImageArchive image = c.archive();
        Entry app = image.file("deployments/app.jar").orElseThrow(() -> new AssertionError("no app.jar"));
        List<String> expected;
        try (Stream<Path> deps = Files.list(Images.REPO.resolve(c.module).resolve("target/image-deps"))) {
            expected = deps.map(p -> p.getFileName().toString()).sorted().toList();
        }
        List<Entry> jars = image.files().values().stream()
                .filter(e -> e.path().startsWith("deployments/lib/") && e.regularFile()).toList();

        assertThat(jars).extracting(e -> e.path().substring("deployments/lib/".length()))
                .containsExactlyInAnyOrderElementsOf(expected)
                .contains("das-api-" + System.getProperty("das.image.tag") + ".jar");
        assertThat(app.size()).isPositive();
        List<Entry> all = new ArrayList<>(jars);
        all.add(app);
        assertThat(all).allSatisfy(e -> {
            assertThat(e.permissions() & 0444).as("%s readable by all", e.path()).isEqualTo(0444);
            assertThat(e.permissions() & 0022).as("%s writable by its owner only", e.path()).isZero();
            assertThat(e.uid()).as("%s owner", e.path()).isZero();
        });
    }

    @ParameterizedTest
    @EnumSource(Component.class)
    void javaIsExecutableAndTheGlibcLoaderIsThere(Component c) {
        ImageArchive image = c.archive();
        for (String path : List.of(JAVA, LOADER, LIBC_DIR + "/libc.so.6")) {
            Entry e = image.file(path).orElseThrow(() -> new AssertionError("no /" + path));
            assertThat(e.regularFile()).as(path).isTrue();
            assertThat(e.permissions()).as(path).isEqualTo(0755);
        }
    }

    /** What the image's own loader resolves for every executable and library of the JRE: all of it in the image. */
    @ParameterizedTest
    @EnumSource(Component.class)
    void everyLibraryTheJreNeedsIsInTheImage(Component c) throws Exception {
        Path root = root(c);
        Path jre = root.resolve("opt/jre");
        List<Path> objects;
        try (Stream<Path> files = Files.walk(jre)) {
            objects = files.filter(p -> p.toString().endsWith(".so") || p.equals(jre.resolve("bin/java"))).toList();
        }
        assertThat(objects).contains(jre.resolve("lib/server/libjvm.so"));
        Pattern resolved = Pattern.compile("=>\\s+(\\S+)|^\\s*(/\\S+)\\s+\\(", Pattern.MULTILINE);
        for (Path object : objects) {
            Images.Result list = Images.run(withImageLoader(root, List.of("--list", object.toString()),
                    jre.resolve("lib/server"), jre.resolve("lib")));
            assertThat(list.exitCode()).as("%s: %s", object, list.output()).isZero();
            assertThat(list.output()).as(object.toString()).doesNotContain("not found");
            Matcher m = resolved.matcher(list.output());
            while (m.find()) {
                String path = m.group(1) != null ? m.group(1) : m.group(2);
                if (path.equals("/" + LOADER)) {
                    continue; // the loader the object names (PT_INTERP): in a container, the image's own /lib64
                }
                assertThat(Path.of(path).normalize()).as("%s needs %s", object, path).startsWith(root);
            }
        }
    }

    /** The entrypoint, run with the image's loader, glibc and JRE (no chroot needed): the main class answers --help. */
    @ParameterizedTest
    @EnumSource(Component.class)
    void mainClassRunsOnTheImagesOwnRuntime(Component c) throws Exception {
        Path root = root(c);
        List<String> entrypoint = c.archive().entrypoint();
        List<String> args = new ArrayList<>();
        args.add(root.resolve(entrypoint.getFirst().substring(1)).toString());
        args.add("-Djava.io.tmpdir=" + Files.createDirectories(root.resolve("tmp")));
        args.add(entrypoint.get(1));
        args.add(entrypoint.get(2).replace("/deployments/", root.resolve("deployments") + "/"));
        args.add(entrypoint.get(3));
        args.add("--help");
        Images.Result help = Images.run(withImageLoader(root, args));
        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: " + c.image + " ");
    }

    /** das-node loads NVML through JNA, whose own native library must load with the image's glibc. */
    @Test
    void jnaLoadsItsNativeLibraryOnTheNodeImage() throws Exception {
        Path root = root(Component.NODE);
        Path jna;
        try (Stream<Path> jars = Files.list(root.resolve("deployments/lib"))) {
            jna = jars.filter(p -> p.getFileName().toString().matches("jna-[0-9.]+\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no JNA in das-node"));
        }
        Images.Result version = Images.run(withImageLoader(root, List.of(root.resolve(JAVA).toString(),
                "-Djava.io.tmpdir=" + Files.createDirectories(root.resolve("tmp")),
                "-cp", jna.toString(), "com.sun.jna.Native")));
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).contains("Java Native Access (JNA)").containsPattern("Native: \\d+\\.\\d+");
    }

    /** {@code command} started by the image's dynamic loader with the image's glibc, not the machine's. */
    private static List<String> withImageLoader(Path root, List<String> command, Path... moreLibraryDirs) {
        StringBuilder path = new StringBuilder(root.resolve(LIBC_DIR).toString());
        for (Path dir : moreLibraryDirs) {
            path.append(':').append(dir);
        }
        List<String> cmd = new ArrayList<>(List.of(root.resolve(LOADER).toString(), "--inhibit-cache",
                "--library-path", path.toString()));
        cmd.addAll(command);
        return cmd;
    }
}
