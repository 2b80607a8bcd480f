package com.redhat.das.allocator.grpc;

import com.redhat.das.allocator.claims.ClaimWriter;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.api.allocator.v1.UnreserveRequest;
import com.redhat.das.api.allocator.v1.UnreserveResponse;
import java.util.Set;

/**
 * Unreserve: the scheduling or binding cycle failed after Reserve. The assumed slices are dropped; claims a failed
 * PreBind may already have written are deleted in the background.
 */
final class UnreserveHandler {

    private final ClusterModel model;
    private final ClaimWriter writer;
    private final Set<String> preBindAttempted;

    UnreserveHandler(ClusterModel model, ClaimWriter writer, Set<String> preBindAttempted) {
        this.model = model;
        this.writer = writer;
        this.preBindAttempted = preBindAttempted;
    }

    UnreserveResponse handle(UnreserveRequest request) {
        String uid = request.getPod().getUid();
        model.unreserve(uid).ifPresent(r -> {
            if (preBindAttempted.remove(uid)) {
                writer.deleteLater(r.slices().stream().map(s -> s.slice().claimName()).toList());
            }
        });
        return UnreserveResponse.getDefaultInstance();
    }
}
