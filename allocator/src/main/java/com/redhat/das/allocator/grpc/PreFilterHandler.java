package com.redhat.das.allocator.grpc;

import com.redhat.das.allocator.placement.PlacementEngine;
import com.redhat.das.allocator.request.PodRequestParser;
import com.redhat.das.api.allocator.v1.PreFilterRequest;
import com.redhat.das.api.allocator.v1.PreFilterResponse;

/** PreFilter: every node judged in memory; request-level problems become the pod's rejection. */
final class PreFilterHandler {

    private final PlacementEngine engine;

    PreFilterHandler(PlacementEngine engine) {
        this.engine = engine;
    }

    PreFilterResponse handle(PreFilterRequest request) {
        return switch (PodRequestParser.parse(request.getPod())) {
            case PodRequestParser.Invalid invalid -> PreFilterResponse.newBuilder().setPodRejection(invalid.message()).build();
            case PodRequestParser.NoSlices none -> PreFilterResponse.newBuilder()
                    .setPodRejection("the pod asks for no MIG slice; it should not have been sent to the DAS allocator").build();
            case PodRequestParser.Slices slices -> {
                PlacementEngine.Evaluation e = engine.evaluate(slices.demand());
                PreFilterResponse.Builder b = PreFilterResponse.newBuilder();
                if (e.podRejection() != null) {
                    b.setPodRejection(e.podRejection());
                } else {
                    b.putAllFeasibleNodes(e.feasible()).putAllRejectedNodes(e.rejected());
                }
                yield b.build();
            }
        };
    }
}
