package com.redhat.das.webhook.server;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.webhook.mutation.PodMutation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the admission webhook until the process is stopped. */
@Command(name = "das-webhook", mixinStandardHelpOptions = true,
        description = "DAS mutating admission webhook: nvidia.com/mig-<profile> -> mig.das.com/<profile>.")
public final class Main implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8443", description = "HTTPS port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--cert", required = true,
            description = "PEM certificate chain, e.g. tls.crt of the mounted secret; re-read when it changes.")
    Path certificateFile;

    @Option(names = "--key", required = true,
            description = "PEM private key, e.g. tls.key of the mounted secret; re-read when it changes.")
    Path keyFile;

    @Override
    public Integer call() throws Exception {
        AdmissionServer server;
        try {
            server = AdmissionServer.start(new InetSocketAddress(bind, port), certificateFile, keyFile,
                    new PodMutation(MigCatalog.bundled()));
        } catch (IOException | GeneralSecurityException e) {
            System.err.println("das-webhook: cannot serve with " + certificateFile + " and " + keyFile + ": " + e);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "das-webhook-shutdown"));
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        // The JDK server waits forever for a slow request by default; a client that trickles bytes must not hold
        // a connection open indefinitely. Read once, when the first server is created.
        System.setProperty("sun.net.httpserver.maxReqTime",
                System.getProperty("sun.net.httpserver.maxReqTime", "30"));
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
