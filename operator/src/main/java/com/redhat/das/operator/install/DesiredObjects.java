package com.redhat.das.operator.install;

import com.redhat.das.operator.node.NodeObjects;
import com.redhat.das.operator.scheduler.SchedulerObjects;
import com.redhat.das.operator.webhook.WebhookObjects;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The objects one DASOperator asks for, computed once per reconciliation and handed to the dependent resources
 * through the workflow's context.
 */
public record DesiredObjects(Installation installation, SchedulerObjects scheduler, WebhookObjects webhook, NodeObjects node) {

    private static final String KEY = DesiredObjects.class.getName();

    public static DesiredObjects of(Installation installation) {
        return new DesiredObjects(installation, new SchedulerObjects(installation), new WebhookObjects(installation),
                new NodeObjects(installation));
    }

    public void putInto(Context<?> context) {
        context.managedWorkflowAndDependentResourceContext().put(KEY, this);
    }

    public static DesiredObjects from(Context<?> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(KEY, DesiredObjects.class);
    }
}
