package com.redhat.das.testbed.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Go binaries of the embedded cluster, built from the versions pinned in {@code plugin-shim/go.mod} and cached
 * under the user's cache directory: etcd, kube-apiserver and kube-controller-manager once per version, das-scheduler
 * once per content of {@code plugin-shim/}.
 */
public final class ControlPlaneBinaries {

    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneBinaries.class);
    private static final String ETCD_PACKAGE = "go.etcd.io/etcd/server/v3";

    /** Paths of the four binaries the cluster runs. */
    public record Paths(Path etcd, Path kubeApiserver, Path kubeControllerManager, Path dasScheduler,
                        String kubernetesVersion, String etcdVersion) {
    }

    private final Path pluginShim;
    private final Path cacheRoot;

    public ControlPlaneBinaries(Path repoRoot, Path cacheRoot) {
        this.pluginShim = repoRoot.resolve("plugin-shim");
        this.cacheRoot = cacheRoot;
        if (!Files.isRegularFile(pluginShim.resolve("go.mod"))) {
            throw new IllegalStateException("plugin-shim/go.mod not found under " + repoRoot
                    + "; set -Ddas.repo.root to the repository's top directory");
        }
    }

    /** The repository root: {@code -Ddas.repo.root}, else the nearest directory upwards that holds plugin-shim/. */
    public static Path locateRepoRoot() {
        String configured = System.getProperty("das.repo.root");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("plugin-shim/go.mod"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find plugin-shim/go.mod above " + Path.of("").toAbsolutePath());
    }

    /** {@code $XDG_CACHE_HOME/das}, else {@code ~/.cache/das}. */
    public static Path defaultCacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("das");
    }

    /** Builds what is missing (minutes on a cold machine, nothing on a warm one) and returns the paths. */
    public Paths ensureBuilt() {
        String goMod = read(pluginShim.resolve("go.mod"));
        String k8s = version(goMod, "k8s.io/kubernetes");
        String etcd = version(goMod, ETCD_PACKAGE);
        try {
            Files.createDirectories(cacheRoot);
            try (FileChannel lockFile = FileChannel.open(cacheRoot.resolve("build.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) {
                Path controlPlane = cacheRoot.resolve("control-plane").resolve("k8s-" + k8s + "-etcd-" + etcd);
                if (!Files.exists(controlPlane.resolve(".complete"))) {
                    LOG.info("Building etcd {} and Kubernetes {} control plane into {} (first run only; this takes minutes)",
                            etcd, k8s, controlPlane);
                    build(controlPlane, k8s, List.of(ETCD_PACKAGE, "k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager"));
                    // go names the etcd binary after the module's last element before /v3
                    Files.move(controlPlane.resolve("server"), controlPlane.resolve("etcd"), StandardCopyOption.REPLACE_EXISTING);
                    Files.writeString(controlPlane.resolve(".complete"), Instant.now().toString());
                }
                Path scheduler = cacheRoot.resolve("das-scheduler").resolve(pluginShimHash());
                if (!Files.exists(scheduler.resolve(".complete"))) {
                    LOG.info("Building das-scheduler from plugin-shim/ into {}", scheduler);
                    build(scheduler, k8s, List.of("."));
                    Files.move(scheduler.resolve("plugin-shim"), scheduler.resolve("das-scheduler"), StandardCopyOption.REPLACE_EXISTING);
                    Files.writeString(scheduler.resolve(".complete"), Instant.now().toString());
                }
                return new Paths(controlPlane.resolve("etcd"), controlPlane.resolve("kube-apiserver"),
                        controlPlane.resolve("kube-controller-manager"), scheduler.resolve("das-scheduler"), k8s, etcd);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the control-plane binaries in " + cacheRoot, e);
        }
    }

    private void build(Path outDir, String k8sVersion, List<String> packages) throws IOException {
        Path staging = Files.createDirectories(outDir.resolveSibling(outDir.getFileName() + ".building"));
        Matcher m = Pattern.compile("v(\\d+)\\.(\\d+)").matcher(k8sVersion);
        boolean semver = m.find();
        String major = semver ? m.group(1) : "";
        String minor = semver ? m.group(2) : "";
        String ldflags = "-s -w"
                + " -X k8s.io/component-base/version.gitVersion=" + k8sVersion
                + " -X k8s.io/component-base/version.gitMajor=" + major
                + " -X k8s.io/component-base/version.gitMinor=" + minor;
        List<String> cmd = new ArrayList<>(List.of(goCommand(), "build", "-ldflags", ldflags, "-o", staging.toString() + "/"));
        cmd.addAll(packages);
        Path log = staging.resolve("build.log");
        ManagedProcess.ensureLog(log);
        Instant start = Instant.now();
        // without cgo, as plugin-shim's Maven build compiles (static binaries; the two share Go's build cache)
        ManagedProcess go = ManagedProcess.start("go build", cmd, pluginShim, log, Map.of("CGO_ENABLED", "0"));
        int exit = go.exitCode();
        if (exit != 0) {
            throw new IllegalStateException("go build " + packages + " failed (exit " + exit + "):\n" + go.logTail(40));
        }
        LOG.info("Built {} in {} s", packages, Duration.between(start, Instant.now()).toSeconds());
        deleteTree(outDir);
        Files.move(staging, outDir, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String goCommand() {
        String go = System.getenv("GO");
        if (go != null && !go.isBlank()) {
            return go;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "go"))) {
                return Path.of(dir, "go").toString();
            }
        }
        if (Files.isExecutable(Path.of("/usr/local/go/bin/go"))) {
            return "/usr/local/go/bin/go";
        }
        throw new IllegalStateException("Go is needed to build the embedded control plane, and no 'go' is on PATH "
                + "(see README, Prerequisites)");
    }

    /** Hash of what das-scheduler is built from, so a change to the shim rebuilds it and nothing else does. */
    private String pluginShimHash() throws IOException {
        try (Stream<Path> files = Files.walk(pluginShim)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path f : files.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return (n.endsWith(".go") && !n.endsWith("_test.go")) || n.equals("go.mod") || n.equals("go.sum");
                    })
                    .sorted().toList()) {
                digest.update(pluginShim.relativize(f).toString().getBytes());
                digest.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String version(String goMod, String module) {
        Matcher m = Pattern.compile("(?m)^\\s*(?:require\\s+)?" + Pattern.quote(module) + "\\s+(v\\S+)").matcher(goMod);
        if (!m.find()) {
            throw new IllegalStateException("plugin-shim/go.mod does not pin " + module);
        }
        return m.group(1);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
