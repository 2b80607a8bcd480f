package com.redhat.das.operator.dependent;

import com.redhat.das.operator.install.DesiredObjects;
import com.redhat.das.operator.install.Labels;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The node daemon's objects. */
public final class NodeDependents {

    private NodeDependents() {
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
            return desired.node().serviceAccount();
        }
    }

    /** Pods, its Node, events. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class ClusterRoleOf extends InstalledObject<ClusterRole> {
        public ClusterRoleOf() {
            super(ClusterRole.class);
        }

        @Override
        protected ClusterRole pick(DesiredObjects desired) {
            return desired.node().clusterRole();
        }
    }

    /** Binds the ClusterRole. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class ClusterRoleBindingOf extends InstalledObject<ClusterRoleBinding> {
        public ClusterRoleBindingOf() {
            super(ClusterRoleBinding.class);
        }

        @Override
        protected ClusterRoleBinding pick(DesiredObjects desired) {
            return desired.node().clusterRoleBinding();
        }
    }

    /** Claims and NodeAccelerators in the DAS namespace. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class RoleOf extends InstalledObject<Role> {
        public RoleOf() {
            super(Role.class);
        }

        @Override
        protected Role pick(DesiredObjects desired) {
            return desired.node().role();
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
            return desired.node().roleBinding();
        }
    }

    /** One node daemon per GPU node. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class DaemonSetOf extends InstalledObject<DaemonSet> {
        public DaemonSetOf() {
            super(DaemonSet.class);
        }

        @Override
        protected DaemonSet pick(DesiredObjects desired) {
            return desired.node().daemonSet();
        }
    }

    /** OpenShift only: lets its pods use the privileged SCC. */
    @KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR),
            createResourceOnlyIfNotExistingWithSSA = false)
    public static final class SccRoleBindingOf extends InstalledObject<RoleBinding> {
        public SccRoleBindingOf() {
            super(RoleBinding.class);
        }

        @Override
        protected RoleBinding pick(DesiredObjects desired) {
            return desired.node().sccRoleBinding();
        }
    }
}
