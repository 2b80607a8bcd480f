package com.redhat.das.node.lifecycle;

import com.redhat.das.api.v1alpha1.AllocationClaim;
import com.redhat.das.api.v1alpha1.ClaimState;
import com.redhat.das.node.backend.GpuBackend;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.cdi.CdiSpecDirectory;
import com.redhat.das.node.metrics.NodeMetrics;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tears a pod's slices down when the pod has ended: destroy each slice, remove the CDI specs, then let the claims go
 * (delete, remove the finalizer). The order is the point: a claim disappears only after its slice, so the allocator
 * never offers a placement that still holds an instance. A failed destroy leaves the claim and its finalizer in
 * place; the periodic reconciliation tries again.
 */
public final class SliceReleaser {

    private static final Logger LOG = LoggerFactory.getLogger(SliceReleaser.class);

    private final GpuBackend backend;
    private final ClaimStatusWriter claims;
    private final CdiSpecDirectory cdi;
    private final NodeMetrics metrics;
    private final Lock gpuLock;

    public SliceReleaser(GpuBackend backend, ClaimStatusWriter claims, CdiSpecDirectory cdi, NodeMetrics metrics, Lock gpuLock) {
        this.backend = backend;
        this.claims = claims;
        this.cdi = cdi;
        this.metrics = metrics;
        this.gpuLock = gpuLock;
    }

    /**
     * Releases every claim of a pod that has ended and removes its specs.
     *
     * @return whether everything was released (false: something is left for the next pass)
     */
    public boolean releasePod(String podUid, List<AllocationClaim> podClaims, String why) {
        boolean all = true;
        for (AllocationClaim claim : podClaims) {
            all &= releaseClaim(claim, why);
        }
        if (all) {
            int removed = cdi.removePod(podUid);
            if (removed > 0) {
                LOG.info("removed {} CDI spec(s) of pod {} ({})", removed, podUid, why);
            }
        }
        return all;
    }

    /** Destroys the claim's slice, if any, then lets the claim go. */
    public boolean releaseClaim(AllocationClaim claim, String why) {
        String name = claim.getMetadata().getName();
        gpuLock.lock();
        try {
            Optional<MigSlice> slice = sliceOf(claim);
            if (slice.isPresent()) {
                if (ClaimStatusWriter.stateOf(claim) == ClaimState.IN_USE || ClaimStatusWriter.stateOf(claim) == ClaimState.PROCESSING) {
                    claims.releasing(claim);
                }
                long t0 = System.nanoTime();
                backend.destroy(slice.get().gpuUuid(), slice.get().gpuInstanceId());
                metrics.sliceDestroy().record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                LOG.info("claim {}: destroyed {} (GPU instance {} at slice {} on {}) because {}", name,
                        slice.get().migUuid(), slice.get().gpuInstanceId(), slice.get().start(), slice.get().gpuUuid(), why);
            }
            claims.release(name);
            return true;
        } catch (GpuBackendException | RuntimeException e) {
            LOG.warn("claim {}: could not release ({}); will retry: {}", name, why, e.getMessage());
            return false;
        } finally {
            gpuLock.unlock();
        }
    }

    /**
     * The instance at the claim's placement. When the claim recorded a MIG UUID, the instance must carry it: an
     * instance made there for somebody else is not this claim's to destroy.
     */
    private Optional<MigSlice> sliceOf(AllocationClaim claim) throws GpuBackendException {
        var spec = claim.getSpec();
        String recorded = claim.getStatus() == null ? null : claim.getStatus().migUUID();
        return backend.slices().stream()
                .filter(s -> s.at(spec.gpuUUID(), spec.migPlacement().start(), spec.migPlacement().size()))
                .filter(s -> recorded == null || s.migUuid() == null || recorded.equals(s.migUuid()))
                .findFirst();
    }
}
