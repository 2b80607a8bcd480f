package com.redhat.das.allocator.grpc;

import com.redhat.das.allocator.claims.ClaimWriter;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.model.ClusterModel.Reservation;
import com.redhat.das.api.allocator.v1.PreBindRequest;
import com.redhat.das.api.allocator.v1.PreBindResponse;
import io.grpc.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Set;

/** PreBind: persist the reservation as AllocationClaims and answer once they are stored. */
final class PreBindHandler {

    private final ClusterModel model;
    private final ClaimWriter writer;
    private final Set<String> preBindAttempted;

    PreBindHandler(ClusterModel model, ClaimWriter writer, Set<String> preBindAttempted) {
        this.model = model;
        this.writer = writer;
        this.preBindAttempted = preBindAttempted;
    }

    PreBindResponse handle(PreBindRequest request) {
        String uid = request.getPod().getUid();
        Reservation r = model.reservation(uid).orElseThrow(() -> Status.FAILED_PRECONDITION
                .withDescription("no reservation for the pod (it expired, or the allocator restarted); the pod will be scheduled again")
                .asRuntimeException());
        if (!r.node().equals(request.getNode())) {
            throw Status.FAILED_PRECONDITION.withDescription("the pod is reserved on " + r.node() + ", not on " + request.getNode())
                    .asRuntimeException();
        }
        preBindAttempted.add(uid);
        try {
            List<String> names = writer.persist(r, request.getPod().getNamespace(), request.getPod().getName());
            model.markBound(uid);
            preBindAttempted.remove(uid);
            return PreBindResponse.newBuilder().addAllClaimNames(names).build();
        } catch (ClaimWriter.ClaimWriteException | KubernetesClientException e) {
            throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        }
    }
}
