package com.redhat.das.node.publish;

import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.api.v1alpha1.NodeAccelerator;
import com.redhat.das.api.v1alpha1.NodeAcceleratorSpec;
import com.redhat.das.api.v1alpha1.NodeAcceleratorStatus;
import com.redhat.das.node.backend.MigSlice;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's NodeAccelerator current: spec = the GPUs and what MIG offers on each, as the backend found them;
 * status = what the GPUs hold now, one character per memory slice, for people and dashboards. Written with
 * server-side apply under the field manager {@value #FIELD_MANAGER}, so the allocator's annotation and anybody
 * else's fields stay untouched. The ownerReference to the Node lets the garbage collector remove it with the node.
 */
public final class NodeAcceleratorPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAcceleratorPublisher.class);
    public static final String FIELD_MANAGER = "das-node";

    private final KubernetesClient client;
    private final String nodeName;
    private final String namespace;
    private String lastStatus;

    public NodeAcceleratorPublisher(KubernetesClient client, String nodeName, String namespace) {
        this.client = client;
        this.nodeName = nodeName;
        this.namespace = namespace;
    }

    public NodeAccelerator publishSpec(List<GpuInventory> gpus, boolean emulated) {
        Node node = client.nodes().withName(nodeName).get();
        ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(nodeName).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/managed-by", FIELD_MANAGER);
        if (node != null) {
            meta.withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Node")
                    .withName(nodeName).withUid(node.getMetadata().getUid()).build());
        } else {
            LOG.warn("Node {} not found: publishing its NodeAccelerator without an owner", nodeName);
        }
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(meta.build());
        na.setSpec(new NodeAcceleratorSpec(NodeAccelerator.NVIDIA_MIG, emulated, gpus));
        NodeAccelerator applied = client.resource(na).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        LOG.info("published NodeAccelerator {}/{}: {} GPU(s) {}", namespace, nodeName, gpus.size(),
                gpus.stream().map(g -> g.index() + ":" + g.model()).toList());
        return applied;
    }

    /** Applies the occupancy status when it changed since the last call. */
    public synchronized void publishStatus(List<GpuInventory> gpus, List<MigSlice> slices, String backendKind, String problem) {
        List<NodeAcceleratorStatus.GpuOccupancy> occupancy = occupancy(gpus, slices);
        String summary = occupancy.stream()
                .map(o -> "GPU" + gpus.stream().filter(g -> g.uuid().equals(o.uuid())).findFirst().map(GpuInventory::index).orElse(-1)
                        + " [" + o.slots() + "]")
                .collect(Collectors.joining(" "));
        boolean ready = problem == null;
        String key = summary + "|" + ready + "|" + problem;
        if (key.equals(lastStatus)) {
            return;
        }
        Condition condition = new ConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                .withReason(ready ? "GpusReachable" : "BackendFailing")
                .withMessage(ready ? gpus.size() + " MIG GPU(s) through the " + backendKind + " backend" : problem)
                .withLastTransitionTime(transitionTime(ready)).build();
        NodeAccelerator na = new NodeAccelerator();
        na.setMetadata(new ObjectMetaBuilder().withName(nodeName).withNamespace(namespace).build());
        na.setStatus(new NodeAcceleratorStatus(gpus.size(), summary, occupancy, List.of(condition)));
        client.resource(na).subresource("status").patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager(FIELD_MANAGER).withForce(true).build());
        lastStatus = key;
    }

    /** Keeps lastTransitionTime when the condition's status did not change (the reference rewrote it on every sync). */
    private String transitionTime(boolean ready) {
        NodeAccelerator current = client.resources(NodeAccelerator.class).inNamespace(namespace).withName(nodeName).get();
        if (current != null && current.getStatus() != null && current.getStatus().conditions() != null) {
            for (Condition c : current.getStatus().conditions()) {
                if ("Ready".equals(c.getType()) && Objects.equals(c.getStatus(), ready ? "True" : "False")
                        && c.getLastTransitionTime() != null) {
                    return c.getLastTransitionTime();
                }
            }
        }
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    static List<NodeAcceleratorStatus.GpuOccupancy> occupancy(List<GpuInventory> gpus, List<MigSlice> slices) {
        List<NodeAcceleratorStatus.GpuOccupancy> out = new ArrayList<>();
        for (GpuInventory gpu : gpus) {
            Map<Integer, GpuProfile> byId = gpu.profiles().stream()
                    .collect(Collectors.toMap(GpuProfile::giProfileId, Function.identity(), (a, b) -> a));
            char[] slots = new char[Math.max(0, gpu.memorySlices())];
            Arrays.fill(slots, '.');
            int memory = 0;
            int compute = 0;
            for (MigSlice s : slices) {
                if (!s.gpuUuid().equals(gpu.uuid())) {
                    continue;
                }
                GpuProfile p = byId.get(s.giProfileId());
                char mark = p == null ? '?' : p.name().charAt(0);
                for (int i = s.start(); i < s.start() + s.size() && i < slots.length; i++) {
                    slots[i] = mark;
                }
                memory += s.size();
                compute += p == null ? 0 : p.computeSlices();
            }
            out.add(new NodeAcceleratorStatus.GpuOccupancy(gpu.uuid(), memory, compute, new String(slots)));
        }
        return out;
    }
}
