package com.redhat.das.allocator.grpc;

import com.redhat.das.allocator.claims.ClaimNames;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.model.ClusterModel.Reservation;
import com.redhat.das.allocator.model.ClusterModel.ReservedSlice;
import com.redhat.das.allocator.model.NodeState;
import com.redhat.das.allocator.model.PodDemand;
import com.redhat.das.allocator.model.Slice;
import com.redhat.das.allocator.placement.PlacementEngine;
import com.redhat.das.allocator.placement.SlicePlacement;
import com.redhat.das.allocator.request.PodRequestParser;
import com.redhat.das.api.allocator.v1.ReserveRequest;
import com.redhat.das.api.allocator.v1.ReserveResponse;
import com.redhat.das.api.allocator.v1.SliceAssignment;
import com.redhat.das.api.mig.PlacedInstance;
import io.grpc.Status;
import java.util.List;
import java.util.Optional;

/** Reserve: place the pod's slices on the chosen node and hold them as assumed. */
final class ReserveHandler {

    /** The node may change between computing and recording a placement (an informer event); then try again. */
    private static final int ATTEMPTS = 5;

    private final ClusterModel model;
    private final PlacementEngine engine;

    ReserveHandler(ClusterModel model, PlacementEngine engine) {
        this.model = model;
        this.engine = engine;
    }

    ReserveResponse handle(ReserveRequest request) {
        PodDemand demand = switch (PodRequestParser.parse(request.getPod())) {
            case PodRequestParser.Slices s -> s.demand();
            case PodRequestParser.Invalid i -> throw Status.INVALID_ARGUMENT.withDescription(i.message()).asRuntimeException();
            case PodRequestParser.NoSlices n -> throw Status.INVALID_ARGUMENT.withDescription("the pod asks for no MIG slice").asRuntimeException();
        };
        String nodeName = request.getNode();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            NodeState node = model.node(nodeName).orElseThrow(() -> Status.FAILED_PRECONDITION
                    .withDescription("node " + nodeName + " has no DAS-managed GPU").asRuntimeException());
            Optional<List<SlicePlacement>> placement = engine.place(node, demand);
            if (placement.isEmpty()) {
                throw Status.FAILED_PRECONDITION.withDescription(engine.explain(node, demand)).asRuntimeException();
            }
            List<ReservedSlice> slices = placement.get().stream().map(p -> new ReservedSlice(p.gpuUuid(),
                    new Slice(ClaimNames.of(demand.uid(), p.demand()), demand.uid(), demand.displayName(), p.demand().container(),
                            new PlacedInstance(p.profile(), p.start()), true))).toList();
            Optional<Reservation> reserved = model.reserve(demand.uid(), demand.displayName(), nodeName, node.version(), slices);
            if (reserved.isPresent()) {
                ReserveResponse.Builder b = ReserveResponse.newBuilder();
                for (SlicePlacement p : placement.get()) {
                    b.addSlices(SliceAssignment.newBuilder().setContainer(p.demand().container()).setProfile(p.profile().name())
                            .setGpuUuid(p.gpuUuid()).setStart(p.start()).setSize(p.profile().memorySlices()));
                }
                return b.build();
            }
        }
        throw Status.ABORTED.withDescription("node " + nodeName + " kept changing while reserving; retry").asRuntimeException();
    }
}
