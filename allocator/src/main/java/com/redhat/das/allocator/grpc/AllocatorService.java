package com.redhat.das.allocator.grpc;

import com.redhat.das.allocator.claims.ClaimWriter;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.placement.PlacementEngine;
import com.redhat.das.api.allocator.v1.AllocatorGrpc;
import com.redhat.das.api.allocator.v1.PreBindRequest;
import com.redhat.das.api.allocator.v1.PreBindResponse;
import com.redhat.das.api.allocator.v1.PreFilterRequest;
import com.redhat.das.api.allocator.v1.PreFilterResponse;
import com.redhat.das.api.allocator.v1.ReserveRequest;
import com.redhat.das.api.allocator.v1.ReserveResponse;
import com.redhat.das.api.allocator.v1.UnreserveRequest;
import com.redhat.das.api.allocator.v1.UnreserveResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The allocator's gRPC service: one handler per scheduling phase. */
public final class AllocatorService extends AllocatorGrpc.AllocatorImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(AllocatorService.class);

    private final PreFilterHandler preFilter;
    private final ReserveHandler reserve;
    private final UnreserveHandler unreserve;
    private final PreBindHandler preBind;

    public AllocatorService(ClusterModel model, PlacementEngine engine, ClaimWriter writer) {
        Set<String> preBindAttempted = ConcurrentHashMap.newKeySet();
        this.preFilter = new PreFilterHandler(engine);
        this.reserve = new ReserveHandler(model, engine);
        this.unreserve = new UnreserveHandler(model, writer, preBindAttempted);
        this.preBind = new PreBindHandler(model, writer, preBindAttempted);
    }

    @Override
    public void preFilter(PreFilterRequest request, StreamObserver<PreFilterResponse> out) {
        answer("PreFilter", request.getPod().getPod().getName(), request, preFilter::handle, out);
    }

    @Override
    public void reserve(ReserveRequest request, StreamObserver<ReserveResponse> out) {
        answer("Reserve", request.getPod().getPod().getName(), request, reserve::handle, out);
    }

    @Override
    public void unreserve(UnreserveRequest request, StreamObserver<UnreserveResponse> out) {
        answer("Unreserve", request.getPod().getName(), request, unreserve::handle, out);
    }

    @Override
    public void preBind(PreBindRequest request, StreamObserver<PreBindResponse> out) {
        answer("PreBind", request.getPod().getName(), request, preBind::handle, out);
    }

    private static <Q, A> void answer(String phase, String pod, Q request, Function<Q, A> handler, StreamObserver<A> out) {
        try {
            out.onNext(handler.apply(request));
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            LOG.info("{} {}: {}", phase, pod, e.getStatus());
            out.onError(e);
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", phase, pod, e);
            out.onError(Status.INTERNAL.withDescription(phase + " failed: " + e).withCause(e).asRuntimeException());
        }
    }
}
