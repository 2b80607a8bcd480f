package com.redhat.das.operator.bundle;

import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes the OLM bundle into a directory; the build runs it after {@code k8s:resource} (see the operator's pom). */
@Command(name = "bundle-writer", mixinStandardHelpOptions = true,
        description = "Writes the OLM bundle of the DAS operator from the generated manifests.")
public final class BundleWriter implements Callable<Integer> {

    @Option(names = "--manifests", required = true, description = "the kubernetes.yml k8s:resource wrote")
    Path manifests;

    @Option(names = "--csv-base", required = true, description = "the descriptive part of the ClusterServiceVersion")
    Path csvBase;

    @Option(names = "--version", required = true,
            description = "the bundle's version; a Maven -SNAPSHOT suffix is dropped, OLM orders releases")
    String version;

    @Option(names = "--output", required = true, description = "the bundle directory to (re)write")
    Path output;

    public static void main(String[] args) {
        int exit = new CommandLine(new BundleWriter()).execute(args);
        if (exit != 0) {
            // exec:java runs in Maven's JVM: fail the build by exception, not by System.exit
            throw new IllegalStateException("bundle-writer failed with exit code " + exit);
        }
    }

    @Override
    public Integer call() throws IOException {
        KubernetesList list;
        try (InputStream in = Files.newInputStream(manifests)) {
            list = Serialization.unmarshal(in, KubernetesList.class);
        }
        ClusterServiceVersion base;
        try (InputStream in = Files.newInputStream(csvBase)) {
            base = Serialization.unmarshal(in, ClusterServiceVersion.class);
        }
        String release = version.replaceFirst("-SNAPSHOT$", "");
        Map<String, String> files = new OlmBundle(list, base, release).files();
        // a CRD dropped from the API must leave the bundle too
        Path manifestDir = output.resolve("manifests");
        if (Files.isDirectory(manifestDir)) {
            try (Stream<Path> old = Files.list(manifestDir)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        for (var file : files.entrySet()) {
            Path target = output.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
        System.out.println("bundle-writer: wrote " + files.size() + " files of bundle " + release + " to " + output.normalize());
        return 0;
    }
}
