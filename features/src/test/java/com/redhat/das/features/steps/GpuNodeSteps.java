package com.redhat.das.features.steps;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.testbed.cluster.EmbeddedCluster;
import io.cucumber.java.en.Given;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * GPU nodes as a node daemon would present them: a Node whose capacity advertises each profile's upper bound (what
 * the device plugin reports) and a NodeAccelerator with the GPUs' inventory. The node daemon has its own feature.
 */
public class GpuNodeSteps {

    private final ScenarioObjects objects;

    public GpuNodeSteps(ScenarioObjects objects) {
        this.objects = objects;
    }

    private static KubernetesClient client() {
        return SharedCluster.get().client();
    }

    @Given("a GPU node {string} with {int} {string} GPU(s)")
    public void gpuNode(String name, int count, String modelName) {
        GpuModel model = MigCatalog.bundled().requireModel(modelName);
        Map<String, Quantity> capacity = new HashMap<>(Map.of("cpu", new Quantity("64"), "memory", new Quantity("512Gi"),
                "pods", new Quantity("250")));
        for (MigProfile p : model.profiles()) {
            capacity.put(ResourceNames.resourceName(p), new Quantity(Integer.toString(p.maxInstances() * count)));
        }
        Node node = new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewStatus().withCapacity(capacity).withAllocatable(capacity)
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").withMessage("stand-in").endCondition()
                .endStatus().build();
        objects.track(client().nodes().resource(node).create());
        List<GpuInventory> gpus = IntStream.range(0, count)
                .mapToObj(i -> GpuInventory.of(model, gpuUuid(name, i), i, "NVIDIA " + modelName, 0)).toList();
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(EmbeddedCluster.DAS_NAMESPACE).build());
        na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, true, gpus));
        objects.track(client().resource(na).serverSideApply());
    }

    /** Readable, stable test UUIDs: GPU index i of node n is {@code GPU-n-i}. */
    static String gpuUuid(String node, int index) {
        return "GPU-" + node + "-" + index;
    }
}
