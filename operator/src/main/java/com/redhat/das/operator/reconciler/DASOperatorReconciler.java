package com.redhat.das.operator.reconciler;

import com.redhat.das.api.v1alpha1.DASOperator;
import com.redhat.das.api.v1alpha1.DASOperatorSpec;
import com.redhat.das.api.v1alpha1.DASOperatorSpec.ManagementState;
import com.redhat.das.api.v1alpha1.DASOperatorStatus;
import com.redhat.das.operator.dependent.Activation;
import com.redhat.das.operator.dependent.NodeDependents;
import com.redhat.das.operator.dependent.SchedulerDependents;
import com.redhat.das.operator.dependent.WebhookDependents;
import com.redhat.das.operator.install.ComponentImages;
import com.redhat.das.operator.install.DesiredObjects;
import com.redhat.das.operator.install.Installation;
import com.redhat.das.operator.install.Platform;
import com.redhat.das.operator.node.NodeDaemonArguments;
import com.redhat.das.operator.node.NodeObjects;
import com.redhat.das.operator.reconciler.InstallationStatus.Outcome;
import com.redhat.das.operator.reconciler.InstallationStatus.Workload;
import com.redhat.das.operator.scheduler.SchedulerObjects;
import com.redhat.das.operator.webhook.WebhookObjects;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles the singleton DASOperator into the DAS installation. The objects are declared as dependent resources;
 * the workflow is invoked explicitly because {@code managementState} decides whether it is applied
 * ({@code Managed}, {@code Force}), cleaned up ({@code Removed}) or left alone ({@code Unmanaged}).
 */
@Workflow(explicitInvocation = true, handleExceptionsInReconciler = true, dependents = {
        @Dependent(type = SchedulerDependents.ServiceAccountOf.class),
        @Dependent(type = SchedulerDependents.ConfigurationOf.class),
        @Dependent(type = SchedulerDependents.RoleOf.class, name = "scheduler-role"),
        // a binding to a role the operator may not "bind" is checked against the role's rules: the role must exist
        @Dependent(type = SchedulerDependents.RoleBindingOf.class, dependsOn = "scheduler-role"),
        @Dependent(type = SchedulerDependents.KubeSchedulerBinding.class),
        @Dependent(type = SchedulerDependents.VolumeSchedulerBinding.class),
        @Dependent(type = SchedulerDependents.AuthDelegatorBinding.class),
        @Dependent(type = SchedulerDependents.DeploymentOf.class),
        @Dependent(type = WebhookDependents.ServiceAccountOf.class),
        @Dependent(type = WebhookDependents.ServiceOf.class),
        @Dependent(type = WebhookDependents.DeploymentOf.class),
        @Dependent(type = WebhookDependents.SelfSignedIssuer.class, activationCondition = Activation.CertManagerIssues.class),
        @Dependent(type = WebhookDependents.CaCertificate.class, activationCondition = Activation.CertManagerIssues.class),
        @Dependent(type = WebhookDependents.CaIssuer.class, activationCondition = Activation.CertManagerIssues.class),
        @Dependent(type = WebhookDependents.ServingCertificate.class, activationCondition = Activation.CertManagerIssues.class),
        @Dependent(type = WebhookDependents.Registration.class, activationCondition = Activation.WebhookCertificateIssued.class),
        @Dependent(type = NodeDependents.ServiceAccountOf.class),
        @Dependent(type = NodeDependents.ClusterRoleOf.class, name = "node-clusterrole"),
        @Dependent(type = NodeDependents.ClusterRoleBindingOf.class, dependsOn = "node-clusterrole"),
        @Dependent(type = NodeDependents.RoleOf.class, name = "node-role"),
        @Dependent(type = NodeDependents.RoleBindingOf.class, dependsOn = "node-role"),
        @Dependent(type = NodeDependents.SccRoleBindingOf.class, activationCondition = Activation.OnOpenShift.class),
        @Dependent(type = NodeDependents.DaemonSetOf.class),
})
@ControllerConfiguration(name = DASOperatorReconciler.NAME)
public class DASOperatorReconciler implements Reconciler<DASOperator>, Cleaner<DASOperator> {

    public static final String NAME = "dasoperator";
    private static final Logger LOG = LoggerFactory.getLogger(DASOperatorReconciler.class);
    /** How soon a reconciliation that failed is tried again. */
    static final Duration RETRY = Duration.ofSeconds(30);

    private final ComponentImages images;
    private final Clock clock;

    public DASOperatorReconciler(ComponentImages images, Clock clock) {
        this.images = images;
        this.clock = clock;
    }

    @Override
    public UpdateControl<DASOperator> reconcile(DASOperator das, Context<DASOperator> context) {
        if (!DASOperator.SINGLETON_NAME.equals(das.getMetadata().getName())) {
            return status(das, new Outcome.Failed("NotTheSingleton", "only the DASOperator named '" + DASOperator.SINGLETON_NAME
                    + "' configures DAS; this one is ignored"), context);
        }
        ManagementState state = das.getSpec() == null || das.getSpec().managementState() == null
                ? ManagementState.MANAGED : das.getSpec().managementState();
        Installation installation = installation(das, context);
        Outcome outcome = switch (state) {
            case UNMANAGED -> new Outcome.Unmanaged();
            case REMOVED -> remove(installation, context);
            case MANAGED, FORCE -> apply(installation, context);
        };
        UpdateControl<DASOperator> control = status(das, outcome, context);
        return outcome instanceof Outcome.Failed ? control.rescheduleAfter(RETRY) : control;
    }

    private Outcome apply(Installation installation, Context<DASOperator> context) {
        try {
            NodeDaemonArguments.of(installation.spec());
        } catch (IllegalArgumentException e) {
            // nothing is changed: the running components stay as they were
            LOG.warn("DASOperator spec rejected: {}", e.getMessage());
            return new Outcome.Failed("InvalidSpec", e.getMessage());
        }
        DesiredObjects.of(installation).putInto(context);
        var result = context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        if (result.erroredDependentsExist()) {
            String errors = result.getErroredDependents().entrySet().stream()
                    .map(e -> e.getKey().resourceType().getSimpleName() + ": " + rootMessage(e.getValue()))
                    .sorted().distinct().collect(Collectors.joining("; "));
            LOG.warn("could not apply the DAS installation: {}", errors);
            return new Outcome.Failed("ApplyFailed", errors);
        }
        if (installation.certificateSource() == Installation.CertificateSource.NONE) {
            return new Outcome.Failed("CertManagerMissing", "cert-manager (API cert-manager.io/v1) is not installed: the webhook "
                    + "gets no serving certificate and is not registered, so pods asking for nvidia.com/mig-* are not routed "
                    + "to das-scheduler. Install cert-manager; the operator notices within " + RETRY.toSeconds() + " s");
        }
        return new Outcome.Applied();
    }

    private Outcome remove(Installation installation, Context<DASOperator> context) {
        DesiredObjects.of(removable(installation)).putInto(context);
        var result = context.managedWorkflowAndDependentResourceContext().cleanupManageWorkflow();
        if (result.erroredDependentsExist()) {
            return new Outcome.Failed("RemoveFailed", result.getErroredDependents().values().stream()
                    .map(DASOperatorReconciler::rootMessage).distinct().collect(Collectors.joining("; ")));
        }
        return new Outcome.Removed();
    }

    @Override
    public DeleteControl cleanup(DASOperator das, Context<DASOperator> context) {
        DesiredObjects.of(removable(installation(das, context))).putInto(context);
        var result = context.managedWorkflowAndDependentResourceContext().cleanupManageWorkflow();
        if (result.erroredDependentsExist()) {
            LOG.warn("could not remove every DAS component yet; retrying: {}", result.getErroredDependents().values().stream()
                    .map(DASOperatorReconciler::rootMessage).distinct().collect(Collectors.joining("; ")));
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(RETRY);
        }
        LOG.info("DAS components removed with DASOperator {}/{}", das.getMetadata().getNamespace(), das.getMetadata().getName());
        return DeleteControl.defaultDelete();
    }

    private Installation installation(DASOperator das, Context<DASOperator> context) {
        var client = context.getClient();
        return Installation.of(das, images, Platform.detect(client), Platform.certManagerServed(client));
    }

    /** Names do not depend on the spec, so an invalid spec must not stop removal: remove as if it were the default. */
    private static Installation removable(Installation in) {
        DASOperatorSpec s = in.spec();
        DASOperatorSpec plain = new DASOperatorSpec(s.managementState(), s.logLevel(), s.operatorLogLevel(), s.nodeSelector(),
                false, null, s.placementPolicy(), s.images());
        return new Installation(in.namespace(), plain, in.images(), in.platform(), in.certManagerServed());
    }

    private UpdateControl<DASOperator> status(DASOperator das, Outcome outcome, Context<DASOperator> context) {
        List<Workload> workloads = List.of(
                Workload.of(SchedulerObjects.NAME, deployment(context, SchedulerObjects.NAME)),
                Workload.of(WebhookObjects.NAME, deployment(context, WebhookObjects.NAME)),
                Workload.ofDaemonSet(NodeObjects.NAME, context.getSecondaryResourcesAsStream(DaemonSet.class)
                        .filter(d -> NodeObjects.NAME.equals(d.getMetadata().getName())).findFirst()));
        long generation = das.getMetadata().getGeneration() == null ? 0 : das.getMetadata().getGeneration();
        var previous = das.getStatus() == null ? null : das.getStatus().conditions();
        var conditions = InstallationStatus.conditions(previous, outcome, workloads, generation, clock.instant());
        DASOperatorStatus status = new DASOperatorStatus(generation, conditions);
        if (status.equals(das.getStatus())) {
            return UpdateControl.noUpdate();
        }
        // server-side apply of the status alone: a fresh object, so no spec field is claimed by the operator
        DASOperator patch = new DASOperator();
        patch.setMetadata(new ObjectMetaBuilder().withName(das.getMetadata().getName())
                .withNamespace(das.getMetadata().getNamespace()).build());
        patch.setStatus(status);
        return UpdateControl.patchStatus(patch);
    }

    private static java.util.Optional<Deployment> deployment(Context<DASOperator> context, String name) {
        return context.getSecondaryResourcesAsStream(Deployment.class).filter(d -> name.equals(d.getMetadata().getName())).findFirst();
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
