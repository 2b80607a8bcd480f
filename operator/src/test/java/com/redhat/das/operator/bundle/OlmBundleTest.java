package com.redhat.das.operator.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.CRDDescription;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.InstallMode;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.RelatedImage;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.StrategyDeploymentPermissions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The bundle built from this build's own manifests (k8s:resource runs before the tests) and CSV base. */
class OlmBundleTest {

    private static final Path MANIFESTS = Path.of("target/classes/META-INF/jkube/kubernetes.yml");
    private static final Path BASE = Path.of("src/main/bundle/das-operator.csv-base.yaml");

    private final KubernetesList manifests = load(MANIFESTS, KubernetesList.class);
    private final OlmBundle bundle = new OlmBundle(manifests, load(BASE, ClusterServiceVersion.class), "1.2.3");
    private final ClusterServiceVersion csv = bundle.clusterServiceVersion();

    @Test
    void installsTheOperatorDeploymentWithItsOwnRbac() {
        Deployment deployment = item(Deployment.class);
        var strategy = csv.getSpec().getInstall();
        assertThat(strategy.getStrategy()).isEqualTo("deployment");
        assertThat(strategy.getSpec().getDeployments()).singleElement().satisfies(d -> {
            assertThat(d.getName()).isEqualTo("das-operator");
            assertThat(d.getSpec()).isEqualTo(deployment.getSpec());
        });
        assertThat(strategy.getSpec().getPermissions()).singleElement()
                .returns("das-operator", StrategyDeploymentPermissions::getServiceAccountName)
                .returns(item(Role.class).getRules(), StrategyDeploymentPermissions::getRules);
        assertThat(strategy.getSpec().getClusterPermissions()).singleElement()
                .returns("das-operator", StrategyDeploymentPermissions::getServiceAccountName)
                .returns(item(ClusterRole.class).getRules(), StrategyDeploymentPermissions::getRules);
    }

    @Test
    void namesTheOperatorAndEveryImageItDeploysAsRelatedImages() {
        var container = item(Deployment.class).getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, String> env = container.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertThat(csv.getSpec().getRelatedImages()).extracting(RelatedImage::getName, RelatedImage::getImage)
                .containsExactly(
                        tuple("das-operator", container.getImage()),
                        tuple("das-scheduler", env.get("RELATED_IMAGE_SCHEDULER")),
                        tuple("das-allocator", env.get("RELATED_IMAGE_ALLOCATOR")),
                        tuple("das-node", env.get("RELATED_IMAGE_NODE")),
                        tuple("das-webhook", env.get("RELATED_IMAGE_WEBHOOK")));
        assertThat(csv.getMetadata().getAnnotations()).containsEntry("containerImage", container.getImage());
    }

    @Test
    void ownsTheThreeCrdsWithDescriptionsAndOffersTheDefaultDasOperator() throws IOException {
        assertThat(csv.getMetadata().getName()).isEqualTo("das-operator.v1.2.3");
        assertThat(csv.getSpec().getVersion()).isEqualTo("1.2.3");
        assertThat(csv.getSpec().getCustomresourcedefinitions().getOwned())
                .extracting(CRDDescription::getName)
                .containsExactlyInAnyOrder("allocationclaims.inference.redhat.com", "dasoperators.inference.redhat.com",
                        "nodeaccelerators.inference.redhat.com");
        assertThat(csv.getSpec().getCustomresourcedefinitions().getOwned()).allSatisfy(d -> {
            assertThat(d.getVersion()).isEqualTo("v1alpha1");
            assertThat(d.getDisplayName()).isNotBlank();
            assertThat(d.getDescription()).isNotBlank();
        });
        List<?> examples = Serialization.jsonMapper().readValue(csv.getMetadata().getAnnotations().get("alm-examples"), List.class);
        assertThat(examples).singleElement().asInstanceOf(MAP)
                .containsEntry("kind", "DASOperator")
                .containsEntry("metadata", Map.of("name", "cluster"))
                .extractingByKey("spec").asInstanceOf(MAP)
                .containsEntry("managementState", "Managed");
        assertThat(csv.getSpec().getInstallModes()).filteredOn(InstallMode::getSupported)
                .extracting(InstallMode::getType).containsExactly("OwnNamespace");
    }

    @Test
    void writesTheRegistryV1Layout() {
        assertThat(bundle.files()).containsOnlyKeys("bundle.Dockerfile", "metadata/annotations.yaml",
                "manifests/das-operator.clusterserviceversion.yaml",
                "manifests/inference.redhat.com_allocationclaims.yaml",
                "manifests/inference.redhat.com_dasoperators.yaml",
                "manifests/inference.redhat.com_nodeaccelerators.yaml");
        assertThat(bundle.files().get("metadata/annotations.yaml"))
                .contains("operators.operatorframework.io.bundle.mediatype.v1: registry+v1")
                .contains("operators.operatorframework.io.bundle.package.v1: das-operator");
        assertThat(bundle.files().get("bundle.Dockerfile"))
                .contains("LABEL operators.operatorframework.io.bundle.package.v1=das-operator")
                .contains("COPY manifests /manifests/");
    }

    @Test
    void refusesACrdTheCsvBaseDoesNotDescribe() {
        ClusterServiceVersion base = load(BASE, ClusterServiceVersion.class);
        base.getSpec().getCustomresourcedefinitions().getOwned().removeIf(d -> d.getKind().equals("NodeAccelerator"));
        assertThatThrownBy(() -> new OlmBundle(manifests, base, "1.2.3").clusterServiceVersion())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NodeAccelerator");
    }

    private <T> T item(Class<T> type) {
        return manifests.getItems().stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    private static <T> T load(Path file, Class<T> type) {
        try (InputStream in = Files.newInputStream(file)) {
            return Serialization.unmarshal(in, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
