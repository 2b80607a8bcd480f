package com.redhat.das.operator.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code k8s:resource} and {@code oc:resource} made of {@code src/main/jkube} in this build. The acceptance
 * tests apply the Kubernetes list to a real API server; these checks cover what only the file shows.
 */
class InstallManifestsTest {

    @ParameterizedTest
    @ValueSource(strings = {"kubernetes.yml", "openshift.yml"})
    void holdOnePlainDeploymentWhoseSelectorMatchesItsPods(String file) throws IOException {
        List<HasMetadata> items = load(file);
        assertThat(items).extracting(HasMetadata::getKind).doesNotContain("DeploymentConfig", "ImageStream", "Route", "Service");
        List<Deployment> deployments = items.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
        assertThat(deployments).hasSize(1);
        Deployment deployment = deployments.getFirst();
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getImage()).matches(".+/das-operator:[^:/]+");
        assertThat(container.getEnv()).extracting(EnvVar::getName)
                .contains("POD_NAMESPACE", "RELATED_IMAGE_SCHEDULER", "RELATED_IMAGE_ALLOCATOR", "RELATED_IMAGE_NODE", "RELATED_IMAGE_WEBHOOK");
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"kubernetes.yml", "openshift.yml"})
    void carryNoBuildSpecificStamps(String file) throws IOException {
        // the OLM bundle is generated from these and committed: a commit id or a JKube label would change it per build
        assertThat(Files.readString(manifest(file))).doesNotContain("jkube.eclipse.org/git-commit", "provider: jkube",
                "app.kubernetes.io/managed-by: jkube");
    }

    private static List<HasMetadata> load(String file) throws IOException {
        try (InputStream in = Files.newInputStream(manifest(file))) {
            return Serialization.unmarshal(in, KubernetesList.class).getItems();
        }
    }

    private static Path manifest(String file) {
        return Path.of("target/classes/META-INF/jkube", file);
    }
}
