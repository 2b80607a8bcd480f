package com.redhat.das.benchmarks.scheduling;

import com.redhat.das.allocator.claims.ClaimWriter;
import com.redhat.das.allocator.grpc.AllocatorService;
import com.redhat.das.allocator.model.ClusterModel;
import com.redhat.das.allocator.placement.PlacementEngine;
import com.redhat.das.allocator.placement.PlacementPolicies;
import com.redhat.das.allocator.placement.PlacementPolicy;
import com.redhat.das.api.allocator.v1.Container;
import com.redhat.das.api.allocator.v1.PodRef;
import com.redhat.das.api.allocator.v1.PodRequest;
import com.redhat.das.api.allocator.v1.PreFilterRequest;
import com.redhat.das.api.allocator.v1.PreFilterResponse;
import com.redhat.das.api.allocator.v1.ReserveRequest;
import com.redhat.das.api.allocator.v1.ReserveResponse;
import com.redhat.das.api.allocator.v1.UnreserveRequest;
import com.redhat.das.api.mig.MigCatalog;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the allocator does for one pod in das-scheduler's scheduling cycle: PreFilter over every node, then Reserve on
 * the best one (the service's own handlers, called in process: the Unix-socket hop is not measured). The reservation
 * is dropped after each operation so the cluster stays at the same occupancy; the node it touched changes version,
 * as in a real cycle.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SchedulingBenchmark {

    @Param({"100", "1000", "5000"})
    public int nodes;

    @Param({"8"})
    public int gpusPerNode;

    /** The pod's request: {@code count×profile} joined by {@code +}. */
    @Param({"1x1g.5gb", "1x3g.20gb+2x1g.5gb"})
    public String request;

    @Param({"packed"})
    public String policy;

    private AllocatorService service;
    private long podCounter;
    private double occupancy;

    @Setup(Level.Trial)
    public void setUp() {
        PlacementPolicy p = PlacementPolicies.byName(policy);
        ClusterModel model = ClusterFixture.build(MigCatalog.bundled().requireModel("A100-40GB"), nodes, gpusPerNode, 0.6, p, 42);
        occupancy = ClusterFixture.computeUse(model);
        // PreBind is not measured, so no API server is needed.
        service = new AllocatorService(model, new PlacementEngine(model, p), (ClaimWriter) null);
    }

    public double occupancy() {
        return occupancy;
    }

    @Benchmark
    public ReserveResponse preFilterAndReserve() {
        String uid = "bench-" + (podCounter++);
        PodRequest pod = pod(uid, request);
        Capture<PreFilterResponse> filtered = new Capture<>();
        service.preFilter(PreFilterRequest.newBuilder().setPod(pod).build(), filtered);
        String best = null;
        long bestScore = -1;
        for (Map.Entry<String, Long> e : filtered.value.getFeasibleNodesMap().entrySet()) {
            if (e.getValue() > bestScore || e.getValue() == bestScore && e.getKey().compareTo(best) < 0) {
                best = e.getKey();
                bestScore = e.getValue();
            }
        }
        if (best == null) {
            throw new IllegalStateException("the fixture has no room for " + request);
        }
        Capture<ReserveResponse> reserved = new Capture<>();
        service.reserve(ReserveRequest.newBuilder().setPod(pod).setNode(best).build(), reserved);
        service.unreserve(UnreserveRequest.newBuilder().setPod(pod.getPod()).setNode(best).build(), new Capture<>());
        return reserved.value;
    }

    static PodRequest pod(String uid, String request) {
        Container.Builder main = Container.newBuilder().setName("main").setKind(Container.Kind.APP);
        for (String part : request.split("\\+")) {
            String[] countAndProfile = part.split("x", 2);
            main.putLimits("mig.das.com/" + countAndProfile[1], countAndProfile[0]);
        }
        return PodRequest.newBuilder().setPod(PodRef.newBuilder().setNamespace("bench").setName(uid).setUid(uid)).addContainers(main).build();
    }

    private static final class Capture<T> implements StreamObserver<T> {
        T value;

        @Override
        public void onNext(T v) {
            value = v;
        }

        @Override
        public void onError(Throwable t) {
            throw new IllegalStateException(t);
        }

        @Override
        public void onCompleted() {
        }
    }
}
