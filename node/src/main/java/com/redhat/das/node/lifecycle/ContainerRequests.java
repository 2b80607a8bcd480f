package com.redhat.das.node.lifecycle;

import com.redhat.das.api.mig.ResourceNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The MIG slices each container of a pod asks for: profile → count, from limits (extended resources live there). */
final class ContainerRequests {

    private ContainerRequests() {
    }

    /** Init containers first, then regular ones: the order in which the kubelet allocates their devices. */
    static List<Container> inAdmissionOrder(Pod pod) {
        List<Container> all = new ArrayList<>();
        if (pod.getSpec().getInitContainers() != null) {
            all.addAll(pod.getSpec().getInitContainers());
        }
        all.addAll(pod.getSpec().getContainers());
        return all;
    }

    static boolean isInit(Pod pod, String container) {
        return pod.getSpec().getInitContainers() != null
                && pod.getSpec().getInitContainers().stream().anyMatch(c -> c.getName().equals(container));
    }

    static Map<String, Integer> slicesOf(Container container) {
        Map<String, Integer> out = new TreeMap<>();
        if (container.getResources() == null) {
            return out;
        }
        Map<String, Quantity> source = container.getResources().getLimits() != null && !container.getResources().getLimits().isEmpty()
                ? container.getResources().getLimits() : container.getResources().getRequests();
        if (source == null) {
            return out;
        }
        source.forEach((name, quantity) -> ResourceNames.profileName(name).ifPresent(profile -> {
            BigDecimal amount = Quantity.getAmountInBytes(quantity);
            if (amount.signum() > 0 && amount.stripTrailingZeros().scale() <= 0) {
                out.put(profile, amount.intValueExact());
            }
        }));
        return out;
    }

    static boolean ended(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
