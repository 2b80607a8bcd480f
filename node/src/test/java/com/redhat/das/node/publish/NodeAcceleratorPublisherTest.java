package com.redhat.das.node.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.node.backend.MigSlice;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeAcceleratorPublisherTest {

    @Test
    void occupancyShowsEachSliceOnItsMemorySlices() {
        var model = MigCatalog.bundled().requireModel("A100-40GB");
        GpuInventory g0 = GpuInventory.of(model, "GPU-0", 0, "x", 0);
        GpuInventory g1 = GpuInventory.of(model, "GPU-1", 1, "x", 0);
        int id4g = model.requireProfile("4g.20gb").giProfileId();
        int id1g = model.requireProfile("1g.5gb").giProfileId();
        var slices = List.of(new MigSlice("GPU-0", 1, id4g, 0, 4, 0, "MIG-1"), new MigSlice("GPU-0", 2, id1g, 6, 1, 0, "MIG-2"));
        var occupancy = NodeAcceleratorPublisher.occupancy(List.of(g0, g1), slices);
        assertThat(occupancy.get(0).slots()).isEqualTo("4444..1.");
        assertThat(occupancy.get(0).usedMemorySlices()).isEqualTo(5);
        assertThat(occupancy.get(0).usedComputeSlices()).isEqualTo(5);
        assertThat(occupancy.get(1).slots()).isEqualTo("........");
    }
}
