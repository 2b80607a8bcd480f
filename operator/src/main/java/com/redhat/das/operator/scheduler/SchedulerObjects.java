package com.redhat.das.operator.scheduler;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.operator.install.Installation;
import com.redhat.das.operator.install.Labels;
import com.redhat.das.operator.install.LogLevels;
import com.redhat.das.operator.install.RestrictedPods;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The das-scheduler installation: one pod with kube-scheduler (our plugin built in) and the allocator beside it,
 * talking over a Unix socket in a shared {@code emptyDir}; the scheduler configuration in a ConfigMap; a ServiceAccount
 * bound to the cluster's own kube-scheduler roles plus a Role for what DAS adds (claims, NodeAccelerators, the
 * leader lease).
 */
public final class SchedulerObjects {

    public static final String COMPONENT = "scheduler";
    public static final String NAME = "das-scheduler";
    public static final String CONFIG_MAP = "das-scheduler-config";
    public static final String CONFIG_KEY = "config.yaml";
    public static final String CONFIG_HASH_ANNOTATION = "das.inference.redhat.com/config-hash";
    public static final Path SOCKET = Path.of("/var/run/das/allocator.sock");
    /** kube-scheduler's secure port, serving /healthz. */
    public static final int SECURE_PORT = 10259;
    /**
     * The cluster's own roles for a scheduler: pods, nodes, bindings, events, volumes; and delegated authentication
     * for its metrics endpoint. The operator binds them (verb {@code bind}) instead of holding their rules.
     */
    public static final List<String> SYSTEM_CLUSTER_ROLES = List.of("system:kube-scheduler", "system:volume-scheduler",
            "system:auth-delegator");

    private final Installation in;

    public SchedulerObjects(Installation in) {
        this.in = in;
    }

    public ServiceAccount serviceAccount() {
        return in.serviceAccount(NAME, COMPONENT).build();
    }

    public ConfigMap configMap() {
        return new ConfigMapBuilder().withNewMetadata().withName(CONFIG_MAP).withNamespace(in.namespace())
                .withLabels(Labels.of(COMPONENT)).endMetadata()
                .withData(Map.of(CONFIG_KEY, configuration())).build();
    }

    String configuration() {
        return new SchedulerConfiguration(null, in.namespace(), SOCKET).render();
    }

    /** In the DAS namespace: the claims the allocator writes and collects, NodeAccelerators it stamps, its lease. */
    public Role role() {
        String group = AllocationClaim.GROUP;
        return new RoleBuilder().withNewMetadata().withName(NAME).withNamespace(in.namespace())
                .withLabels(Labels.of(COMPONENT)).endMetadata()
                .withRules(
                        new PolicyRuleBuilder().withApiGroups(group).withResources("allocationclaims")
                                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").build(),
                        new PolicyRuleBuilder().withApiGroups(group).withResources("allocationclaims/status")
                                .withVerbs("get", "update", "patch").build(),
                        new PolicyRuleBuilder().withApiGroups(group).withResources("nodeaccelerators")
                                .withVerbs("get", "list", "watch", "patch").build(),
                        // create cannot be limited by name; renewing can
                        new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                                .withVerbs("create").build(),
                        new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
                                .withResourceNames(SchedulerConfiguration.LEASE_NAME).withVerbs("get", "update", "patch").build())
                .build();
    }

    public RoleBinding roleBinding() {
        return new RoleBindingBuilder().withNewMetadata().withName(NAME).withNamespace(in.namespace())
                .withLabels(Labels.of(COMPONENT)).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(NAME).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(in.namespace()).endSubject()
                .build();
    }

    /** The binding of das-scheduler's ServiceAccount to one of {@link #SYSTEM_CLUSTER_ROLES}. */
    public ClusterRoleBinding systemRoleBinding(String clusterRole) {
        return new ClusterRoleBindingBuilder().withNewMetadata().withName(systemRoleBindingName(clusterRole))
                .withLabels(Labels.of(COMPONENT)).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(clusterRole).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(in.namespace()).endSubject()
                .build();
    }

    public static String systemRoleBindingName(String clusterRole) {
        return NAME + "-" + clusterRole.substring(clusterRole.indexOf(':') + 1);
    }

    public Deployment deployment() {
        Map<String, String> labels = Labels.of(COMPONENT);
        return new DeploymentBuilder().withNewMetadata().withName(NAME).withNamespace(in.namespace()).withLabels(labels).endMetadata()
                .withNewSpec()
                    // one active scheduler at a time (its lease); a second replica would only stand by
                    .withReplicas(1)
                    .withRevisionHistoryLimit(3)
                    .withNewSelector().withMatchLabels(Labels.selector(COMPONENT)).endSelector()
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels)
                            // a new configuration rolls the pod: kube-scheduler reads its file only at start
                            .withAnnotations(Map.of(CONFIG_HASH_ANNOTATION, sha256(configuration()))).endMetadata()
                        .withNewSpec()
                            .withServiceAccountName(NAME)
                            .withPriorityClassName("system-cluster-critical")
                            .withSecurityContext(RestrictedPods.podSecurity(in.platform()))
                            .addToContainers(new ContainerBuilder().withName("kube-scheduler").withImage(in.images().scheduler())
                                    .withArgs("--config=/etc/das-scheduler/" + CONFIG_KEY,
                                            "--v=" + LogLevels.klogVerbosity(in.logLevel()))
                                    .withSecurityContext(RestrictedPods.containerSecurity())
                                    .addNewPort().withName("https").withContainerPort(SECURE_PORT).endPort()
                                    .withNewLivenessProbe().withNewHttpGet().withPath("/healthz").withPort(new IntOrString(SECURE_PORT))
                                        .withScheme("HTTPS").endHttpGet().withInitialDelaySeconds(15).endLivenessProbe()
                                    .withNewReadinessProbe().withNewHttpGet().withPath("/healthz").withPort(new IntOrString(SECURE_PORT))
                                        .withScheme("HTTPS").endHttpGet().endReadinessProbe()
                                    .withNewResources().addToRequests("cpu", new Quantity("100m"))
                                        .addToRequests("memory", new Quantity("128Mi")).endResources()
                                    .addNewVolumeMount().withName("config").withMountPath("/etc/das-scheduler").withReadOnly(true).endVolumeMount()
                                    .addNewVolumeMount().withName("socket").withMountPath(SOCKET.getParent().toString()).endVolumeMount()
                                    .addToVolumeMounts(RestrictedPods.tmpMount())
                                    .build())
                            .addToContainers(new ContainerBuilder().withName("allocator").withImage(in.images().allocator())
                                    .withArgs("--socket=" + SOCKET, "--namespace=" + in.namespace(),
                                            "--placement-policy=" + in.placementPolicy())
                                    .withEnv(RestrictedPods.podNamespace(), LogLevels.javaToolOptions(in.logLevel()))
                                    .withSecurityContext(RestrictedPods.containerSecurity())
                                    .withNewResources().addToRequests("cpu", new Quantity("100m"))
                                        .addToRequests("memory", new Quantity("256Mi"))
                                        .addToLimits("memory", new Quantity("1Gi")).endResources()
                                    .addNewVolumeMount().withName("socket").withMountPath(SOCKET.getParent().toString()).endVolumeMount()
                                    .addToVolumeMounts(RestrictedPods.tmpMount())
                                    .build())
                            .addNewVolume().withName("config").withNewConfigMap().withName(CONFIG_MAP).endConfigMap().endVolume()
                            .addNewVolume().withName("socket").withNewEmptyDir().endEmptyDir().endVolume()
                            .addToVolumes(RestrictedPods.tmpVolume())
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
