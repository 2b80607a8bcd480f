package com.redhat.das.allocator;

import com.redhat.das.allocator.placement.PlacementPolicies;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code das-allocator}: runs beside kube-scheduler in the das-scheduler pod. */
@Command(name = "das-allocator", mixinStandardHelpOptions = true,
        description = "Decides where MIG slices go; serves das-scheduler's plugin over a Unix socket.")
public final class Main implements Callable<Integer> {

    @Option(names = "--socket", defaultValue = "/var/run/das/allocator.sock", description = "Unix socket to serve on (default: ${DEFAULT-VALUE})")
    Path socket;

    @Option(names = "--namespace", defaultValue = "${env:POD_NAMESPACE:-das-operator}", description = "namespace of the DAS resources (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--placement-policy", defaultValue = "packed", description = "packed or reference (default: ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--reservation-ttl", defaultValue = "PT60S", description = "how long a Reserve waits for PreBind, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration reservationTtl;

    @Option(names = "--gc-interval", defaultValue = "PT30S", description = "how often all claims are checked (default: ${DEFAULT-VALUE})")
    Duration gcInterval;

    @Option(names = "--gc-grace", defaultValue = "PT30S", description = "how long a new claim may wait for its pod to appear (default: ${DEFAULT-VALUE})")
    Duration gcGrace;

    @Override
    public Integer call() throws InterruptedException {
        KubernetesClient client = new KubernetesClientBuilder().build();
        Allocator allocator = Allocator.start(client, new Allocator.Settings(socket, namespace, PlacementPolicies.byName(policy),
                reservationTtl, gcInterval, gcGrace));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            allocator.close();
            client.close();
            stopped.countDown();
        }, "allocator-shutdown"));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
