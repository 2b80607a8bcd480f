package com.redhat.das.operator;

import com.redhat.das.operator.install.ComponentImages;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The das-operator process: the DASOperator controller plus {@code /healthz} and {@code /readyz} for the kubelet. */
@Command(name = "das-operator", mixinStandardHelpOptions = true,
        description = "Reconciles the DASOperator resource into the DAS components.")
public final class Main implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    @Option(names = "--namespace", defaultValue = "${env:POD_NAMESPACE:-das-operator}",
            description = "namespace of the DASOperator and the components (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--health-port", defaultValue = "8081", description = "port of /healthz and /readyz, -1 for none (default: ${DEFAULT-VALUE})")
    int healthPort;

    @Option(names = "--leader-election", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "take the das-operator lease before reconciling (default: ${DEFAULT-VALUE})")
    boolean leaderElection;

    @Option(names = "--default-image-prefix", defaultValue = "quay.io/das/",
            description = "images of components whose RELATED_IMAGE_* variable is unset: prefix (default: ${DEFAULT-VALUE})")
    String imagePrefix;

    @Option(names = "--default-image-tag", defaultValue = "latest",
            description = "... and tag (default: ${DEFAULT-VALUE})")
    String imageTag;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        ComponentImages images = ComponentImages.fromEnvironment(System.getenv(), imagePrefix, imageTag);
        LOG.info("das-operator in namespace {}; component images {}", namespace, images);
        KubernetesClient client = new KubernetesClientBuilder().build();
        OperatorProcess process = OperatorProcess.start(client, new OperatorProcess.Settings(namespace, images, leaderElection));
        HttpServer health = healthPort < 0 ? null : health(healthPort, process::ready);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (health != null) {
                health.stop(0);
            }
            process.close();
            client.close();
            stopped.countDown();
        }, "das-operator-shutdown"));
        stopped.await();
        return 0;
    }

    static HttpServer health(int port, BooleanSupplier ready) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "ok\n"));
        server.createContext("/readyz", exchange -> {
            boolean ok = ready.getAsBoolean();
            respond(exchange, ok ? 200 : 503, ok ? "ok\n" : "informers not synced\n");
        });
        server.start();
        return server;
    }

    private static void respond(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
