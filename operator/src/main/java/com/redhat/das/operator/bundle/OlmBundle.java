package com.redhat.das.operator.bundle;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.CRDDescription;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersion;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.ClusterServiceVersionBuilder;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.RelatedImage;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.StrategyDeploymentPermissions;
import io.fabric8.openshift.api.model.operatorhub.v1alpha1.StrategyDeploymentSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The OLM bundle (format {@code registry+v1}) of the operator, built from the manifests {@code k8s:resource}
 * generated and the descriptive part of the ClusterServiceVersion. OLM installs the operator's Deployment,
 * ServiceAccount and RBAC from the CSV's install strategy and the CRDs from the bundle; the Namespace is the
 * OperatorGroup's, and the DASOperator is offered as the initialization resource rather than created.
 *
 * @param manifests the generated {@code kubernetes.yml}
 * @param base      the descriptive CSV ({@code src/main/bundle/das-operator.csv-base.yaml})
 * @param version   the bundle's version, e.g. {@code 0.1.0}
 */
public record OlmBundle(KubernetesList manifests, ClusterServiceVersion base, String version) {

    public static final String PACKAGE = "das-operator";
    public static final String CHANNEL = "alpha";
    static final String OPERATOR = "das-operator";

    /** The bundle's files by their path inside {@code bundle/}, in a stable order. */
    public SortedMap<String, String> files() {
        SortedMap<String, String> files = new TreeMap<>();
        for (CustomResourceDefinition crd : items(CustomResourceDefinition.class)) {
            files.put("manifests/" + crd.getSpec().getGroup() + "_" + crd.getSpec().getNames().getPlural() + ".yaml",
                    yaml(withoutNamespace(crd)));
        }
        files.put("manifests/" + PACKAGE + ".clusterserviceversion.yaml", yaml(clusterServiceVersion()));
        files.put("metadata/annotations.yaml", annotations());
        files.put("bundle.Dockerfile", dockerfile());
        return files;
    }

    /** The CSV: the base with the version, install strategy, CRDs, related images and examples filled in. */
    public ClusterServiceVersion clusterServiceVersion() {
        Deployment deployment = only(Deployment.class, OPERATOR);
        String operatorImage = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();
        List<Map<String, Object>> examples = manifests.getItems().stream()
                .filter(o -> "DASOperator".equals(o.getKind())).map(OlmBundle::example).toList();
        if (examples.size() != 1) {
            throw new IllegalArgumentException("the manifests must hold exactly one DASOperator, found " + examples.size());
        }
        Map<String, String> annotations = new LinkedHashMap<>(base.getMetadata().getAnnotations());
        annotations.put("alm-examples", Serialization.asJson(examples));
        annotations.put("operatorframework.io/initialization-resource", Serialization.asJson(examples.getFirst()));
        annotations.put("containerImage", operatorImage);

        return new ClusterServiceVersionBuilder(base)
                .editMetadata()
                    .withName(PACKAGE + ".v" + version)
                    .withAnnotations(annotations)
                .endMetadata()
                .editSpec()
                    .withVersion(version)
                    .editCustomresourcedefinitions().withOwned(ownedCrds()).endCustomresourcedefinitions()
                    .withNewInstall()
                        .withStrategy("deployment")
                        .withNewSpec()
                            .withDeployments(new StrategyDeploymentSpec(deployment.getMetadata().getLabels(),
                                    deployment.getMetadata().getName(), deployment.getSpec()))
                            .withPermissions(new StrategyDeploymentPermissions(
                                    only(Role.class, OPERATOR).getRules(), serviceAccount()))
                            .withClusterPermissions(new StrategyDeploymentPermissions(
                                    only(ClusterRole.class, OPERATOR).getRules(), serviceAccount()))
                        .endSpec()
                    .endInstall()
                    .withRelatedImages(relatedImages(deployment))
                .endSpec()
                .build();
    }

    /** The base's owned-CRD descriptions, each completed with its CRD's name and served version. */
    private List<CRDDescription> ownedCrds() {
        Map<String, CRDDescription> described = new LinkedHashMap<>();
        base.getSpec().getCustomresourcedefinitions().getOwned().forEach(d -> described.put(d.getKind(), d));
        List<CRDDescription> owned = new ArrayList<>();
        for (CustomResourceDefinition crd : items(CustomResourceDefinition.class)) {
            String kind = crd.getSpec().getNames().getKind();
            CRDDescription description = described.remove(kind);
            if (description == null) {
                throw new IllegalArgumentException("the CSV base describes no owned CRD of kind " + kind);
            }
            String served = crd.getSpec().getVersions().stream().filter(CustomResourceDefinitionVersion::getStorage)
                    .map(CustomResourceDefinitionVersion::getName).findFirst().orElseThrow();
            description.setName(crd.getMetadata().getName());
            description.setVersion(served);
            owned.add(description);
        }
        if (!described.isEmpty()) {
            throw new IllegalArgumentException("the CSV base describes CRDs the manifests lack: " + described.keySet());
        }
        return owned;
    }

    /** The operator's image and the four it deploys, as its {@code RELATED_IMAGE_*} variables name them. */
    private static List<RelatedImage> relatedImages(Deployment deployment) {
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().getFirst();
        List<RelatedImage> images = new ArrayList<>();
        images.add(new RelatedImage(container.getImage(), OPERATOR));
        container.getEnv().stream().filter(e -> e.getName().startsWith("RELATED_IMAGE_"))
                .forEach(e -> images.add(new RelatedImage(e.getValue(),
                        "das-" + e.getName().substring("RELATED_IMAGE_".length()).toLowerCase())));
        return images;
    }

    /** A DASOperator as the console shows it to copy: kind, name and spec; the namespace is the user's. */
    private static Map<String, Object> example(HasMetadata o) {
        Map<String, Object> example = new LinkedHashMap<>();
        example.put("apiVersion", o.getApiVersion());
        example.put("kind", o.getKind());
        example.put("metadata", Map.of("name", o.getMetadata().getName()));
        example.put("spec", Serialization.jsonMapper().convertValue(o, Map.class).get("spec"));
        return example;
    }

    private String serviceAccount() {
        return only(Deployment.class, OPERATOR).getSpec().getTemplate().getSpec().getServiceAccountName();
    }

    private static String annotations() {
        return """
                annotations:
                  operators.operatorframework.io.bundle.mediatype.v1: registry+v1
                  operators.operatorframework.io.bundle.manifests.v1: manifests/
                  operators.operatorframework.io.bundle.metadata.v1: metadata/
                  operators.operatorframework.io.bundle.package.v1: %s
                  operators.operatorframework.io.bundle.channels.v1: %s
                  operators.operatorframework.io.bundle.channel.default.v1: %s
                """.formatted(PACKAGE, CHANNEL, CHANNEL);
    }

    /** The bundle image; its labels repeat metadata/annotations.yaml, as OLM reads either. */
    private static String dockerfile() {
        return """
                # Build from this directory: podman build -f bundle.Dockerfile -t <registry>/das-operator-bundle:<version> .
                FROM scratch
                LABEL operators.operatorframework.io.bundle.mediatype.v1=registry+v1
                LABEL operators.operatorframework.io.bundle.manifests.v1=manifests/
                LABEL operators.operatorframework.io.bundle.metadata.v1=metadata/
                LABEL operators.operatorframework.io.bundle.package.v1=%s
                LABEL operators.operatorframework.io.bundle.channels.v1=%s
                LABEL operators.operatorframework.io.bundle.channel.default.v1=%s
                COPY manifests /manifests/
                COPY metadata /metadata/
                """.formatted(PACKAGE, CHANNEL, CHANNEL);
    }

    private static <T extends HasMetadata> T withoutNamespace(T o) {
        o.getMetadata().setNamespace(null);
        return o;
    }

    private <T extends HasMetadata> List<T> items(Class<T> type) {
        return manifests.getItems().stream().filter(type::isInstance).map(type::cast).toList();
    }

    private <T extends HasMetadata> T only(Class<T> type, String name) {
        return items(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the manifests hold no " + type.getSimpleName() + " " + name));
    }

    private static String yaml(Object o) {
        return Serialization.asYaml(o);
    }
}
