package com.redhat.das.testbed.kubelet;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateResponse;
import java.util.List;
import java.util.Map;

/**
 * The device manager's checkpoint entry of one pod, as a snapshot: which devices each container holds and what the
 * plugins answered to Allocate.
 *
 * @param uid               the pod's UID
 * @param namespace         the pod's namespace
 * @param name              the pod's name
 * @param listedContainers  the containers the pod-resources API reports: sidecars, then regular containers
 * @param containers        allocations by container name (init containers included)
 */
record PodAllocation(String uid, String namespace, String name, List<String> listedContainers,
                     Map<String, ContainerAllocation> containers) {

    PodAllocation {
        listedContainers = List.copyOf(listedContainers);
        containers = Map.copyOf(containers);
    }

    ContainerAllocation container(String container) {
        return containers.getOrDefault(container, ContainerAllocation.none(container));
    }

    /**
     * @param container the container's name
     * @param deviceIds device IDs per resource, in the order they were passed to Allocate
     * @param responses each resource's Allocate response for this container
     * @param numaNodes the NUMA nodes of each device, as the plugin reported them when it was allocated
     */
    record ContainerAllocation(String container, Map<String, List<String>> deviceIds,
                               Map<String, ContainerAllocateResponse> responses, Map<String, List<Long>> numaNodes) {

        ContainerAllocation {
            deviceIds = Map.copyOf(deviceIds);
            responses = Map.copyOf(responses);
            numaNodes = Map.copyOf(numaNodes);
        }

        static ContainerAllocation none(String container) {
            return new ContainerAllocation(container, Map.of(), Map.of(), Map.of());
        }
    }
}
