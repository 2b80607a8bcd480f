package com.redhat.das.testbed.cluster;

import static org.awaitility.Awaitility.await;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.DASOperator;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.operator.scheduler.SchedulerConfiguration;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager and das-scheduler (our
 * plugin inside kube-scheduler), with the DAS CRDs installed and the {@value #DAS_NAMESPACE} namespace created.
 * Nodes are API objects only; no kubelet runs.
 *
 * <p>Everything it starts lives in one temporary directory and dies with the JVM (see {@link ManagedProcess});
 * {@link #close()} stops the processes and removes the directory, and a directory left by a killed JVM is removed
 * by the next start.
 */
public final class EmbeddedCluster implements AutoCloseable {

    public static final String DAS_NAMESPACE = DASOperator.DEFAULT_NAMESPACE;
    public static final String SCHEDULER_NAME = SchedulerConfiguration.SCHEDULER_NAME;
    public static final String SCHEDULER_LEASE = SchedulerConfiguration.LEASE_NAME;
    public static final String ALLOCATOR = "das-allocator";
    public static final String ETCD = "etcd";
    public static final String KUBE_APISERVER = "kube-apiserver";
    public static final String KUBE_CONTROLLER_MANAGER = "kube-controller-manager";
    /** The processes of the control plane, in start order; each can be killed and started again by name. */
    public static final List<String> COMPONENTS = List.of(ETCD, KUBE_APISERVER, KUBE_CONTROLLER_MANAGER, SCHEDULER_NAME, ALLOCATOR);
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCluster.class);
    private static final String DIR_PREFIX = "das-cluster-";
    private static final String OWNER_FILE = "owner.pid";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    /**
     * @param workRoot  where the cluster's directory is made (the system temp dir by default)
     * @param cacheRoot where built binaries are cached
     * @param repoRoot  the repository, for {@code plugin-shim/}
     * @param socketRelay whether das-scheduler reaches the allocator through a {@link SocketRelay} that a test can cut
     */
    public record Options(Path workRoot, Path cacheRoot, Path repoRoot, boolean socketRelay) {
        public static Options defaults() {
            return new Options(Path.of(System.getProperty("java.io.tmpdir")), ControlPlaneBinaries.defaultCacheRoot(),
                    ControlPlaneBinaries.locateRepoRoot(), false);
        }

        /** These options with das-scheduler's connection to the allocator running through a {@link SocketRelay}. */
        public Options withSocketRelay() {
            return new Options(workRoot, cacheRoot, repoRoot, true);
        }
    }

    private final Path dir;
    private final ControlPlaneBinaries.Paths binaries;
    private final ClusterPki pki;
    private final Map<String, ManagedProcess> processes = new LinkedHashMap<>();
    private final Thread shutdownHook;
    private final int etcdPort;
    private final int etcdPeerPort;
    private final int apiserverPort;
    private final int controllerManagerPort;
    private final int schedulerPort;
    private KubernetesClient client;
    /** Between the shim and the allocator when the options ask for it. */
    private SocketRelay relay;
    /** The placement policy the allocator was last started with, for a restart after a kill. */
    private String allocatorPolicy;
    private volatile boolean closed;

    private EmbeddedCluster(Path dir, ControlPlaneBinaries.Paths binaries) {
        this.dir = dir;
        this.binaries = binaries;
        this.pki = ClusterPki.create(dir.getFileName().toString());
        int[] ports = freePorts(5);
        this.etcdPort = ports[0];
        this.etcdPeerPort = ports[1];
        this.apiserverPort = ports[2];
        this.controllerManagerPort = ports[3];
        this.schedulerPort = ports[4];
        this.shutdownHook = new Thread(this::close, "das-embedded-cluster-shutdown");
    }

    /** Builds what is missing, starts every component, and returns once all are healthy. */
    public static EmbeddedCluster start(Options options) {
        removeStaleDirectories(options.workRoot());
        ControlPlaneBinaries.Paths binaries = new ControlPlaneBinaries(options.repoRoot(), options.cacheRoot()).ensureBuilt();
        Path dir;
        try {
            Files.createDirectories(options.workRoot());
            dir = Files.createTempDirectory(options.workRoot(), DIR_PREFIX);
            Files.writeString(dir.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster directory", e);
        }
        EmbeddedCluster cluster = new EmbeddedCluster(dir, binaries);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            if (options.socketRelay()) {
                cluster.relay = SocketRelay.start(dir.resolve("run").resolve("allocator-relay.sock"), cluster.allocatorSocket());
            }
            cluster.boot();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void boot() {
        Instant t0 = Instant.now();
        writeCredentials();
        startEtcd();
        startApiserver();
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(read(kubeconfig()))).build();
        installDasApi();
        startControllerManager();
        startScheduler();
        LOG.info("Embedded cluster up in {} ms: API server {}, kubeconfig {}", Duration.between(t0, Instant.now()).toMillis(),
                apiServerUrl(), kubeconfig());
    }

    /** An admin client (group system:masters). */
    public KubernetesClient client() {
        return client;
    }

    /** The admin kubeconfig, usable with kubectl. */
    public Path kubeconfig() {
        return dir.resolve("admin.kubeconfig");
    }

    public String apiServerUrl() {
        return "https://127.0.0.1:" + apiserverPort;
    }

    public Path directory() {
        return dir;
    }

    /** The Unix socket das-scheduler's plugin calls; the allocator listens here. */
    public Path allocatorSocket() {
        return dir.resolve("run").resolve("allocator.sock");
    }

    /** The socket das-scheduler's plugin dials: the relay's when there is one, else the allocator's. */
    public Path schedulerSocket() {
        return relay == null ? allocatorSocket() : relay.listenPath();
    }

    /** The relay between the shim and the allocator, when the options asked for one. */
    public Optional<SocketRelay> socketRelay() {
        return Optional.ofNullable(relay);
    }

    public ControlPlaneBinaries.Paths binaries() {
        return binaries;
    }

    /** Process ids of the live components, for checks that nothing is left behind. */
    public List<Long> processIds() {
        return processes.values().stream().filter(ManagedProcess::isAlive).map(ManagedProcess::pid).toList();
    }

    public Optional<ManagedProcess> process(String component) {
        return Optional.ofNullable(processes.get(component));
    }

    /** Whether the component's process is alive. */
    public boolean running(String component) {
        ManagedProcess p = processes.get(requireComponent(component));
        return p != null && p.isAlive();
    }

    /**
     * Kills the component at once (SIGKILL), as a crash, an OOM kill or a lost host would: no shutdown hook runs, no
     * lease is released, no socket is closed cleanly. Nothing happens when it is not running.
     */
    public void kill(String component) {
        ManagedProcess p = processes.remove(requireComponent(component));
        if (p != null) {
            p.kill();
            LOG.info("Killed {} (pid {}) with SIGKILL", component, p.pid());
        }
    }

    /**
     * Starts the component again with the command line it had, after {@link #kill} or a stop (killing it first if
     * it still runs), and waits until it is healthy again. Its log continues in the same file.
     */
    public void restart(String component) {
        kill(component);
        switch (component) {
            case ETCD -> startEtcd();
            case KUBE_APISERVER -> startApiserver();
            case KUBE_CONTROLLER_MANAGER -> startControllerManager();
            case SCHEDULER_NAME -> startScheduler();
            case ALLOCATOR -> {
                if (allocatorPolicy == null) {
                    throw new IllegalStateException("the allocator was never started, so there is nothing to restart");
                }
                startAllocator(allocatorPolicy);
            }
            default -> throw new IllegalArgumentException(component);
        }
    }

    private static String requireComponent(String component) {
        if (!COMPONENTS.contains(component)) {
            throw new IllegalArgumentException("unknown component " + component + "; the control plane has " + COMPONENTS);
        }
        return component;
    }

    /** Stops das-scheduler (SIGTERM), as a rolling update would. */
    public void stopScheduler() {
        stop(SCHEDULER_NAME);
    }

    /**
     * Starts das-scheduler and waits until it is healthy and leads: when a killed predecessor still holds the lease,
     * until the lease has expired and this one took it over.
     */
    public void startScheduler() {
        Optional<String> previousLeader;
        try {
            previousLeader = schedulerLeaseHolder();
        } catch (RuntimeException apiServerDown) {
            previousLeader = Optional.empty();
        }
        Optional<String> predecessor = previousLeader;
        Path config = dir.resolve("das-scheduler.yaml");
        write(config, new SchedulerConfiguration(dir.resolve("das-scheduler.kubeconfig"), DAS_NAMESPACE, schedulerSocket()).render());
        mkdirs(allocatorSocket().getParent());
        start(SCHEDULER_NAME, List.of(binaries.dasScheduler().toString(),
                "--config=" + config,
                "--bind-address=127.0.0.1",
                "--secure-port=" + schedulerPort,
                "--cert-dir=" + mkdirs(dir.resolve("das-scheduler-certs")),
                "--authentication-kubeconfig=" + dir.resolve("das-scheduler.kubeconfig"),
                "--authorization-kubeconfig=" + dir.resolve("das-scheduler.kubeconfig"),
                "--v=2"));
        awaitHealthy(SCHEDULER_NAME, () -> httpOk(insecureTls(), "https://127.0.0.1:" + schedulerPort + "/healthz"));
        awaitHealthy(SCHEDULER_NAME + " leader lease", () -> schedulerLeaseHolder().filter(h -> !predecessor.equals(Optional.of(h))).isPresent());
    }

    /**
     * Starts the DAS allocator in its own JVM (as it runs in its own container), serving {@link #allocatorSocket()},
     * and waits until it serves: it opens the socket only after its informers have synced.
     */
    public void startAllocator(String placementPolicy) {
        if (processes.containsKey(ALLOCATOR)) {
            throw new IllegalStateException("the allocator is already running");
        }
        allocatorPolicy = placementPolicy;
        write(dir.resolve("allocator.kubeconfig"), read(kubeconfig()));
        try {
            Files.deleteIfExists(allocatorSocket());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("logs").resolve(ALLOCATOR + ".log");
        if (!Files.exists(log)) {
            ManagedProcess.ensureLog(log);
        }
        processes.put(ALLOCATOR, ManagedProcess.start(ALLOCATOR, List.of(java, "-XX:+UseSerialGC", "-Xss512k",
                "-cp", System.getProperty("java.class.path"), "com.redhat.das.allocator.Main",
                "--socket=" + allocatorSocket(), "--namespace=" + DAS_NAMESPACE, "--placement-policy=" + placementPolicy,
                "--gc-interval=PT2S", "--gc-grace=PT10S"), dir, log, Map.of("KUBECONFIG", dir.resolve("allocator.kubeconfig").toString())));
        awaitHealthy(ALLOCATOR, () -> Files.exists(allocatorSocket()));
    }

    /** Stops the allocator gracefully (SIGTERM). */
    public void stopAllocator() {
        stop(ALLOCATOR);
    }

    /** Kills the allocator at once (SIGKILL), as a crash or an OOM kill would. */
    public void killAllocator() {
        kill(ALLOCATOR);
    }

    public boolean allocatorRunning() {
        return processes.containsKey(ALLOCATOR) && processes.get(ALLOCATOR).isAlive();
    }

    /** The identity holding das-scheduler's leader lease, if any. */
    public Optional<String> schedulerLeaseHolder() {
        Lease lease = client.leases().inNamespace(DAS_NAMESPACE).withName(SCHEDULER_LEASE).get();
        return Optional.ofNullable(lease).map(l -> l.getSpec().getHolderIdentity()).filter(h -> !h.isBlank());
    }

    private void writeCredentials() {
        ClusterPki.writePem(dir.resolve("ca.crt"), pki.ca().certificate());
        ClusterPki.Credential serving = pki.serverCertificate("kube-apiserver",
                List.of("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"),
                List.of("127.0.0.1", "10.96.0.1"));
        ClusterPki.writePem(dir.resolve("apiserver.crt"), serving.certificate());
        ClusterPki.writePem(dir.resolve("apiserver.key"), serving.keyPair().getPrivate());
        KeyPair sa = ClusterPki.serviceAccountKeyPair();
        ClusterPki.writePem(dir.resolve("sa.key"), sa.getPrivate());
        ClusterPki.writePem(dir.resolve("sa.pub"), sa.getPublic());
        // Every identity is in system:masters for now; the operator brings least-privilege RBAC for real installs.
        writeKubeconfig(kubeconfig(), pki.clientCertificate("das-admin", "system:masters"));
        writeKubeconfig(dir.resolve("kube-controller-manager.kubeconfig"),
                pki.clientCertificate("system:kube-controller-manager", "system:masters"));
        writeKubeconfig(dir.resolve("das-scheduler.kubeconfig"), pki.clientCertificate("system:kube-scheduler", "system:masters"));
    }

    private void writeKubeconfig(Path file, ClusterPki.Credential user) {
        Base64.Encoder b64 = Base64.getEncoder();
        write(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: das-embedded
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: %s
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                contexts:
                - name: das-embedded
                  context:
                    cluster: das-embedded
                    user: %s
                current-context: das-embedded
                """.formatted(apiServerUrl(), b64.encodeToString(pki.ca().certificatePem().getBytes()),
                user.certificate().getSubjectX500Principal().getName(),
                b64.encodeToString(user.certificatePem().getBytes()), b64.encodeToString(user.privateKeyPem().getBytes()),
                user.certificate().getSubjectX500Principal().getName()));
    }

    private void startEtcd() {
        String client = "http://127.0.0.1:" + etcdPort;
        String peer = "http://127.0.0.1:" + etcdPeerPort;
        start(ETCD, List.of(binaries.etcd().toString(),
                "--name=das",
                "--data-dir=" + dir.resolve("etcd"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=das=" + peer,
                // A test cluster loses nothing worth an fsync; this keeps etcd fast on slow disks.
                "--unsafe-no-fsync=true",
                "--log-level=warn"));
        awaitHealthy(ETCD, () -> httpOk(HttpClient.newHttpClient(), client + "/health"));
    }

    private void startApiserver() {
        start(KUBE_APISERVER, List.of(binaries.kubeApiserver().toString(),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                "--secure-port=" + apiserverPort,
                "--cert-dir=" + mkdirs(dir.resolve("apiserver-certs")),
                "--tls-cert-file=" + dir.resolve("apiserver.crt"),
                "--tls-private-key-file=" + dir.resolve("apiserver.key"),
                "--client-ca-file=" + dir.resolve("ca.crt"),
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + dir.resolve("sa.pub"),
                "--service-account-signing-key-file=" + dir.resolve("sa.key"),
                "--service-cluster-ip-range=10.96.0.0/16",
                "--authorization-mode=Node,RBAC",
                "--allow-privileged=true",
                "--endpoint-reconciler-type=none",
                "--enable-priority-and-fairness=false",
                "--profiling=false",
                "--v=1"));
        SSLContext admin = pki.sslContext(pki.clientCertificate("das-health", "system:masters"));
        HttpClient http = HttpClient.newBuilder().sslContext(admin).build();
        awaitHealthy(KUBE_APISERVER, () -> httpOk(http, apiServerUrl() + "/readyz"));
    }

    /** The DAS CRDs, generated by the api module, and the DAS namespace. */
    private void installDasApi() {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(DAS_NAMESPACE).endMetadata().build())
                .serverSideApply();
        for (Class<? extends CustomResource<?, ?>> type : List.of(AllocationClaim.class, NodeAccelerator.class, DASOperator.class)) {
            String name = CustomResource.getCRDName(type);
            String resource = "META-INF/fabric8/" + name + "-v1.yml";
            try (InputStream in = EmbeddedCluster.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is not on the classpath; build the api module first");
                }
                CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
                client.apiextensions().v1().customResourceDefinitions().resource(crd).forceConflicts().serverSideApply();
                client.apiextensions().v1().customResourceDefinitions().withName(name).waitUntilCondition(
                        c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                                && c.getStatus().getConditions().stream()
                                .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())),
                        60, TimeUnit.SECONDS);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void startControllerManager() {
        Path kubeconfig = dir.resolve("kube-controller-manager.kubeconfig");
        start(KUBE_CONTROLLER_MANAGER, List.of(binaries.kubeControllerManager().toString(),
                "--kubeconfig=" + kubeconfig,
                "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig,
                "--bind-address=127.0.0.1",
                "--secure-port=" + controllerManagerPort,
                "--cert-dir=" + mkdirs(dir.resolve("kube-controller-manager-certs")),
                "--service-account-private-key-file=" + dir.resolve("sa.key"),
                "--root-ca-file=" + dir.resolve("ca.crt"),
                "--use-service-account-credentials=false",
                "--leader-elect=false",
                "--v=1"));
        awaitHealthy(KUBE_CONTROLLER_MANAGER, () -> httpOk(insecureTls(), "https://127.0.0.1:" + controllerManagerPort + "/healthz"));
        // The service-account controller makes "default" in every namespace; pods cannot be admitted before it.
        awaitHealthy(KUBE_CONTROLLER_MANAGER + " service accounts",
                () -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
    }

    private void start(String component, List<String> command) {
        Path log = dir.resolve("logs").resolve(component + ".log");
        if (!Files.exists(log)) { // a restarted component appends to its log
            ManagedProcess.ensureLog(log);
        }
        processes.put(component, ManagedProcess.start(component, command, dir, log, Map.of()));
    }

    private void stop(String component) {
        ManagedProcess p = processes.remove(component);
        if (p != null) {
            p.stop(15);
        }
    }

    private void awaitHealthy(String what, java.util.concurrent.Callable<Boolean> probe) {
        String component = what.split(" ")[0];
        try {
            await(what + " healthy").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .failFast(component + " exited", () -> processes.containsKey(component) && !processes.get(component).isAlive())
                    .until(probe);
        } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            ManagedProcess p = processes.get(component);
            String tail = p == null ? "" : "\n--- last lines of " + p.log() + " ---\n" + p.logTail(30);
            throw new IllegalStateException(what + " did not become healthy: " + e.getMessage() + tail, e);
        }
    }

    private static boolean httpOk(HttpClient http, String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200;
    }

    /** For health probes of components that serve a self-signed certificate of their own. */
    private static HttpClient insecureTls() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return HttpClient.newBuilder().sslContext(ctx).build();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops everything (scheduler first, etcd last) and removes the cluster's directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (client != null) {
            client.close();
        }
        List<String> order = new ArrayList<>(processes.keySet());
        java.util.Collections.reverse(order);
        order.forEach(this::stop);
        if (relay != null) {
            relay.close();
        }
        keepLogs();
        try {
            ControlPlaneBinaries.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", dir, e.toString());
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
        }
    }

    /**
     * Copies the components' logs to {@code -Ddas.cluster.logs} (the features build sets it to target/cluster-logs), so
     * that a failed run can be read after the cluster's directory is gone.
     */
    private void keepLogs() {
        String target = System.getProperty("das.cluster.logs");
        Path logs = dir.resolve("logs");
        if (target == null || target.isBlank() || !Files.isDirectory(logs)) {
            return;
        }
        try (Stream<Path> files = Files.list(logs)) {
            Path out = Files.createDirectories(Path.of(target).resolve(dir.getFileName()));
            for (Path f : files.toList()) {
                Files.copy(f, out.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("could not keep the logs of {}: {}", dir, e.toString());
        }
    }

    /** Removes cluster directories whose owning JVM is gone (killed before it could clean up). */
    static void removeStaleDirectories(Path workRoot) {
        if (!Files.isDirectory(workRoot)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(workRoot)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(DIR_PREFIX)).toList()) {
                Path owner = d.resolve(OWNER_FILE);
                boolean ownerAlive;
                try {
                    long pid = Long.parseLong(Files.readString(owner).trim());
                    ownerAlive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                } catch (IOException | NumberFormatException e) {
                    // no owner yet: another JVM may be creating it this instant, so only old ones go
                    ownerAlive = Files.getLastModifiedTime(d).toInstant().isAfter(Instant.now().minusSeconds(120));
                }
                if (!ownerAlive) {
                    LOG.info("Removing {} left by a JVM that is gone", d);
                    ControlPlaneBinaries.deleteTree(d);
                }
            }
        } catch (IOException e) {
            LOG.warn("could not clean stale cluster directories in {}: {}", workRoot, e.toString());
        }
    }

    private static int[] freePorts(int n) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String content) {
        try {
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
