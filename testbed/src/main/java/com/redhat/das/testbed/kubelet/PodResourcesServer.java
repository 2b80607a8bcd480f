package com.redhat.das.testbed.kubelet;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Device;
import com.redhat.das.api.kubelet.podresources.v1.AllocatableResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.AllocatableResourcesResponse;
import com.redhat.das.api.kubelet.podresources.v1.ContainerDevices;
import com.redhat.das.api.kubelet.podresources.v1.ContainerResources;
import com.redhat.das.api.kubelet.podresources.v1.GetPodResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.GetPodResourcesResponse;
import com.redhat.das.api.kubelet.podresources.v1.ListPodResourcesRequest;
import com.redhat.das.api.kubelet.podresources.v1.ListPodResourcesResponse;
import com.redhat.das.api.kubelet.podresources.v1.NUMANode;
import com.redhat.das.api.kubelet.podresources.v1.PodResources;
import com.redhat.das.api.kubelet.podresources.v1.PodResourcesListerGrpc;
import com.redhat.das.api.kubelet.podresources.v1.TopologyInfo;
import com.redhat.das.testbed.kubelet.PodAllocation.ContainerAllocation;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The PodResourcesLister service the kubelet serves on {@code pod-resources/kubelet.sock}, for the devices of
 * admitted pods that have not ended.
 *
 * <p>Like the kubelet, devices are reported one {@link ContainerDevices} entry per device (and per NUMA node when the
 * plugin reported a topology), not one entry per resource: a client must group them itself. Exclusive CPUs, memory
 * and DRA resources are not managed here, so those fields stay empty.
 */
final class PodResourcesServer extends PodResourcesListerGrpc.PodResourcesListerImplBase {

    private final DeviceManager devices;

    PodResourcesServer(DeviceManager devices) {
        this.devices = devices;
    }

    @Override
    public void list(ListPodResourcesRequest request, StreamObserver<ListPodResourcesResponse> response) {
        ListPodResourcesResponse.Builder out = ListPodResourcesResponse.newBuilder();
        devices.podAllocations().forEach(p -> out.addPodResources(podResources(p)));
        response.onNext(out.build());
        response.onCompleted();
    }

    @Override
    public void get(GetPodResourcesRequest request, StreamObserver<GetPodResourcesResponse> response) {
        var pod = devices.podAllocations().stream()
                .filter(p -> p.namespace().equals(request.getPodNamespace()) && p.name().equals(request.getPodName())).findFirst();
        if (pod.isEmpty()) {
            // the kubelet answers with a plain Go error, which gRPC sends as code Unknown
            response.onError(Status.UNKNOWN.withDescription("pod " + request.getPodName() + " in namespace "
                    + request.getPodNamespace() + " not found").asException());
            return;
        }
        response.onNext(GetPodResourcesResponse.newBuilder().setPodResources(podResources(pod.get())).build());
        response.onCompleted();
    }

    @Override
    public void getAllocatableResources(AllocatableResourcesRequest request, StreamObserver<AllocatableResourcesResponse> response) {
        AllocatableResourcesResponse.Builder out = AllocatableResourcesResponse.newBuilder();
        for (Map.Entry<String, List<Device>> e : devices.healthyDevices().entrySet()) {
            for (Device d : e.getValue()) {
                List<Long> numa = d.hasTopology() ? d.getTopology().getNodesList().stream().map(n -> n.getID()).toList() : List.of();
                out.addAllDevices(perDevice(e.getKey(), d.getID(), numa));
            }
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    private static PodResources podResources(PodAllocation pod) {
        PodResources.Builder out = PodResources.newBuilder().setName(pod.name()).setNamespace(pod.namespace());
        for (String container : pod.listedContainers()) {
            ContainerAllocation allocation = pod.container(container);
            ContainerResources.Builder c = ContainerResources.newBuilder().setName(container);
            allocation.deviceIds().keySet().stream().sorted().forEach(resource -> {
                for (String id : allocation.deviceIds().get(resource)) {
                    c.addAllDevices(perDevice(resource, id, allocation.numaNodes().getOrDefault(id, List.of())));
                }
            });
            out.addContainers(c);
        }
        return out.build();
    }

    /** One entry for a device without topology, one per NUMA node otherwise. */
    private static List<ContainerDevices> perDevice(String resource, String id, List<Long> numaNodes) {
        if (numaNodes.isEmpty()) {
            return List.of(ContainerDevices.newBuilder().setResourceName(resource).addDeviceIds(id).build());
        }
        List<ContainerDevices> out = new ArrayList<>();
        for (long node : numaNodes) {
            out.add(ContainerDevices.newBuilder().setResourceName(resource).addDeviceIds(id)
                    .setTopology(TopologyInfo.newBuilder().addNodes(NUMANode.newBuilder().setID(node))).build());
        }
        return out;
    }
}
