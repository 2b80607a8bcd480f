package com.redhat.das.operator.dependent;

import com.redhat.das.operator.install.DesiredObjects;
import com.redhat.das.operator.install.Labels;
import com.redhat.das.operator.scheduler.SchedulerObjects;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The das-scheduler objects. */
public final class SchedulerDependents {

    private SchedulerDependents() {
    }

    /** Its ServiceAccount. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class ServiceAccountOf extends InstalledObject<ServiceAccount> {
        public ServiceAccountOf() {
            super(ServiceAccount.class);
        }

        @Override
        protected ServiceAccount pick(DesiredObjects desired) {
            return desired.scheduler().serviceAccount();
        }
    }

    /** The KubeSchedulerConfiguration. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class ConfigurationOf extends InstalledObject<ConfigMap> {
        public ConfigurationOf() {
            super(ConfigMap.class);
        }

        @Override
        protected ConfigMap pick(DesiredObjects desired) {
            return desired.scheduler().configMap();
        }
    }

    /** Claims, NodeAccelerators and its lease in the DAS namespace. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class RoleOf extends InstalledObject<Role> {
        public RoleOf() {
            super(Role.class);
        }

        @Override
        protected Role pick(DesiredObjects desired) {
            return desired.scheduler().role();
        }
    }

    /** Binds the Role. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class RoleBindingOf extends InstalledObject<RoleBinding> {
        public RoleBindingOf() {
            super(RoleBinding.class);
        }

        @Override
        protected RoleBinding pick(DesiredObjects desired) {
            return desired.scheduler().roleBinding();
        }
    }

    /** Binds system:kube-scheduler. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class KubeSchedulerBinding extends InstalledObject<ClusterRoleBinding> {
        public KubeSchedulerBinding() {
            super(ClusterRoleBinding.class);
        }

        @Override
        protected ClusterRoleBinding pick(DesiredObjects desired) {
            return desired.scheduler().systemRoleBinding(SchedulerObjects.SYSTEM_CLUSTER_ROLES.get(0));
        }
    }

    /** Binds system:volume-scheduler. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class VolumeSchedulerBinding extends InstalledObject<ClusterRoleBinding> {
        public VolumeSchedulerBinding() {
            super(ClusterRoleBinding.class);
        }

        @Override
        protected ClusterRoleBinding pick(DesiredObjects desired) {
            return desired.scheduler().systemRoleBinding(SchedulerObjects.SYSTEM_CLUSTER_ROLES.get(1));
        }
    }

    /** Binds system:auth-delegator (authenticating metrics scrapes). */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class AuthDelegatorBinding extends InstalledObject<ClusterRoleBinding> {
        public AuthDelegatorBinding() {
            super(ClusterRoleBinding.class);
        }

        @Override
        protected ClusterRoleBinding pick(DesiredObjects desired) {
            return desired.scheduler().systemRoleBinding(SchedulerObjects.SYSTEM_CLUSTER_ROLES.get(2));
        }
    }

    /** kube-scheduler and the allocator in one pod. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class DeploymentOf extends InstalledObject<Deployment> {
        public DeploymentOf() {
            super(Deployment.class);
        }

        @Override
        protected Deployment pick(DesiredObjects desired) {
            return desired.scheduler().deployment();
        }
    }
}
