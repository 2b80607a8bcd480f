package com.redhat.das.operator.dependent;

import com.redhat.das.api.v1alpha1.DASOperator;
import com.redhat.das.operator.install.DesiredObjects;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDNoGCKubernetesDependentResource;
import java.util.Objects;

/**
 * An object of the DAS installation, applied with server-side apply and deleted explicitly when the DASOperator is
 * deleted or set to {@code Removed}: cluster-scoped objects cannot be owned by a namespaced DASOperator, and
 * {@code Removed} must remove them while the DASOperator stays. Namespaced objects carry an owner reference as well,
 * so that garbage collection removes them should the operator be gone when the DASOperator is deleted.
 *
 * <p>Every subclass sets {@code createResourceOnlyIfNotExistingWithSSA = false}: otherwise the SDK creates with
 * resourceVersion "1", which the API server answers with 404 for RBAC bindings (their storage creates on update)
 * and with 409 for an object that exists but is not yet in the informer's cache. A plain apply is idempotent.
 */
public abstract class InstalledObject<R extends HasMetadata> extends CRUDNoGCKubernetesDependentResource<R, DASOperator> {

    protected InstalledObject(Class<R> type) {
        super(type);
    }

    /** This dependent's object among the desired ones. */
    protected abstract R pick(DesiredObjects desired);

    @Override
    protected R desired(DASOperator primary, Context<DASOperator> context) {
        return pick(DesiredObjects.from(context));
    }

    /**
     * Deletes by name when the informer has not seen the object yet: a DASOperator deleted right after its first
     * reconciliation would otherwise leave behind what that reconciliation created.
     */
    @Override
    protected void handleDelete(DASOperator primary, R secondary, Context<DASOperator> context) {
        context.getClient().resource(secondary != null ? secondary : desired(primary, context)).delete();
    }

    @Override
    protected void addReferenceHandlingMetadata(R desired, DASOperator primary) {
        super.addReferenceHandlingMetadata(desired, primary);
        if (desired instanceof Namespaced
                && Objects.equals(desired.getMetadata().getNamespace(), primary.getMetadata().getNamespace())) {
            desired.addOwnerReference(primary);
        }
    }
}
