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
                PreFilterResponse.Builder b = PreFilterResponse.newBuilder();
                String rejection = engine.evaluate(slices.demand(), new PlacementEngine.Verdicts() {
                    @Override
                    public void feasible(String node, long score) {
                        b.putFeasibleNodes(node, score);
                    }

                    @Override
                    public void rejected(String node, String reason) {
                        b.putRejectedNodes(node, reason);
                    }
                });
                if (rejection != null) {
                    b.setPodRejection(rejection);
                }
                yield b.build();
            }
        };
    }
}
