package com.redhat.das.operator.node;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.operator.install.Installation;
import com.redhat.das.operator.install.Labels;
import com.redhat.das.operator.install.LogLevels;
import com.redhat.das.operator.install.RestrictedPods;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node daemon's installation: a DaemonSet on the GPU nodes, its ServiceAccount and roles.
 *
 * <p>Why it is privileged: creating and destroying MIG instances through NVML needs root and the GPU's device and
 * capability files ({@code /dev/nvidia*}, {@code /dev/nvidia-caps}), and the daemon serves the kubelet's
 * device-plugin sockets and writes CDI specs in host directories owned by root. In emulated mode no GPU is touched:
 * it runs as root for the host directories only, without privilege and with every capability dropped.
 */
public final class NodeObjects {

    public static final String COMPONENT = "node";
    public static final String NAME = "das-node";
    /** The label NVIDIA's GPU feature discovery puts on nodes whose GPUs support MIG. */
    public static final Map<String, String> DEFAULT_NODE_SELECTOR = Map.of("nvidia.com/mig.capable", "true");
    public static final String OPENSHIFT_SCC_ROLE = "system:openshift:scc:privileged";
    public static final String SCC_BINDING = "das-node-privileged-scc";
    public static final int METRICS_PORT = 8083;

    private final Installation in;

    public NodeObjects(Installation in) {
        this.in = in;
    }

    public ServiceAccount serviceAccount() {
        return in.serviceAccount(NAME, COMPONENT).build();
    }

    /** Cluster-wide reads: the pods bound to its node (selected by field, which RBAC cannot express), the Node. */
    public ClusterRole clusterRole() {
        return new ClusterRoleBuilder().withNewMetadata().withName(NAME).withLabels(Labels.of(COMPONENT)).endMetadata()
                .withRules(
                        new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get", "list", "watch").build(),
                        new PolicyRuleBuilder().withApiGroups("").withResources("nodes").withVerbs("get").build(),
                        // events on the pods whose slices it makes or cannot make
                        new PolicyRuleBuilder().withApiGroups("").withResources("events").withVerbs("create", "patch").build())
                .build();
    }

    public ClusterRoleBinding clusterRoleBinding() {
        return new ClusterRoleBindingBuilder().withNewMetadata().withName(NAME).withLabels(Labels.of(COMPONENT)).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(NAME).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(in.namespace()).endSubject()
                .build();
    }

    /** In the DAS namespace: claims it takes up, re-points and deletes; its node's NodeAccelerator. */
    public Role role() {
        String group = AllocationClaim.GROUP;
        return new RoleBuilder().withNewMetadata().withName(NAME).withNamespace(in.namespace())
                .withLabels(Labels.of(COMPONENT)).endMetadata()
                .withRules(
                        new PolicyRuleBuilder().withApiGroups(group).withResources("allocationclaims")
                                .withVerbs("get", "list", "watch", "update", "patch", "delete").build(),
                        new PolicyRuleBuilder().withApiGroups(group).withResources("allocationclaims/status")
                                .withVerbs("get", "update", "patch").build(),
                        new PolicyRuleBuilder().withApiGroups(group).withResources("nodeaccelerators")
                                .withVerbs("get", "list", "watch", "create", "update", "patch").build(),
                        new PolicyRuleBuilder().withApiGroups(group).withResources("nodeaccelerators/status")
                                .withVerbs("get", "update", "patch").build())
                .build();
    }

    public RoleBinding roleBinding() {
        return roleBinding(NAME, "Role", NAME);
    }

    /** OpenShift only: lets the DaemonSet's pods use the privileged SCC. */
    public RoleBinding sccRoleBinding() {
        return roleBinding(SCC_BINDING, "ClusterRole", OPENSHIFT_SCC_ROLE);
    }

    private RoleBinding roleBinding(String name, String kind, String role) {
        return new RoleBindingBuilder().withNewMetadata().withName(name).withNamespace(in.namespace())
                .withLabels(Labels.of(COMPONENT)).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind(kind).withName(role).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(NAME).withNamespace(in.namespace()).endSubject()
                .build();
    }

    /** {@code spec.nodeSelector} when given, else the nodes GPU feature discovery marks MIG-capable. */
    public Map<String, String> nodeSelector() {
        return in.nodeSelector().isEmpty() ? DEFAULT_NODE_SELECTOR : new LinkedHashMap<>(in.nodeSelector());
    }

    public DaemonSet daemonSet() {
        Map<String, String> labels = Labels.of(COMPONENT);
        List<String> args = new ArrayList<>(NodeDaemonArguments.of(in.spec()));
        args.add("--namespace=" + in.namespace());
        List<EnvVar> env = new ArrayList<>(List.of(
                new EnvVarBuilder().withName("NODE_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName")
                        .endFieldRef().endValueFrom().build(),
                RestrictedPods.podNamespace(),
                LogLevels.javaToolOptions(in.logLevel())));
        if (!in.emulated()) {
            // the NVIDIA container runtime mounts the driver's libnvidia-ml and every GPU and MIG device node
            env.add(env("NVIDIA_VISIBLE_DEVICES", "all"));
            env.add(env("NVIDIA_DRIVER_CAPABILITIES", "utility"));
            env.add(env("NVIDIA_MIG_CONFIG_DEVICES", "all"));
            env.add(env("NVIDIA_MIG_MONITOR_DEVICES", "all"));
        }
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        hostPath(volumes, mounts, "device-plugins", "/var/lib/kubelet/device-plugins", "Directory");
        hostPath(volumes, mounts, "pod-resources", "/var/lib/kubelet/pod-resources", "Directory");
        hostPath(volumes, mounts, "cdi", "/var/run/cdi", "DirectoryOrCreate");
        hostPath(volumes, mounts, "state", "/var/lib/das", "DirectoryOrCreate");
        volumes.add(RestrictedPods.tmpVolume());
        mounts.add(RestrictedPods.tmpMount());
        return new DaemonSetBuilder().withNewMetadata().withName(NAME).withNamespace(in.namespace()).withLabels(labels).endMetadata()
                .withNewSpec()
                    .withRevisionHistoryLimit(3)
                    .withNewSelector().withMatchLabels(Labels.selector(COMPONENT)).endSelector()
                    .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                        .withMaxUnavailable(new IntOrString(1)).endRollingUpdate().endUpdateStrategy()
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).endMetadata()
                        .withNewSpec()
                            .withServiceAccountName(NAME)
                            .withNodeSelector(nodeSelector())
                            .withPriorityClassName("system-node-critical")
                            .addNewToleration().withKey("nvidia.com/gpu").withOperator("Exists").withEffect("NoSchedule").endToleration()
                            // slices live as long as their pods; the daemon needs time to record a release in progress
                            .withTerminationGracePeriodSeconds(30L)
                            .addToContainers(new ContainerBuilder().withName("node").withImage(in.images().node())
                                    .withArgs(args)
                                    .withEnv(env)
                                    .withSecurityContext(containerSecurity())
                                    .addNewPort().withName("metrics").withContainerPort(METRICS_PORT).endPort()
                                    // healthy only while its device plugins are registered with the kubelet
                                    .withNewReadinessProbe().withNewHttpGet().withPath("/healthz").withPort(new IntOrString("metrics"))
                                        .endHttpGet().withPeriodSeconds(10).endReadinessProbe()
                                    .withNewResources().addToRequests("cpu", new Quantity("50m"))
                                        .addToRequests("memory", new Quantity("192Mi"))
                                        .addToLimits("memory", new Quantity("512Mi")).endResources()
                                    .withVolumeMounts(mounts)
                                    .build())
                            .withVolumes(volumes)
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    private SecurityContext containerSecurity() {
        if (in.emulated()) {
            return new SecurityContextBuilder().withRunAsUser(0L).withRunAsNonRoot(false).withPrivileged(false)
                    .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                    .withNewCapabilities().withDrop("ALL").endCapabilities().build();
        }
        return new SecurityContextBuilder().withRunAsUser(0L).withRunAsNonRoot(false).withPrivileged(true)
                .withReadOnlyRootFilesystem(true).build();
    }

    private static void hostPath(List<Volume> volumes, List<VolumeMount> mounts, String name, String path, String type) {
        volumes.add(new VolumeBuilder().withName(name).withNewHostPath().withPath(path).withType(type).endHostPath().build());
        mounts.add(new VolumeMountBuilder().withName(name).withMountPath(path).build());
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }
}
