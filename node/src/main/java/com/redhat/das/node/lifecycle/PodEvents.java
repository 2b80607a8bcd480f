package com.redhat.das.node.lifecycle;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Events on pods, so that {@code kubectl describe pod} tells the workload's author what the node daemon did. */
public final class PodEvents {

    private static final Logger LOG = LoggerFactory.getLogger(PodEvents.class);
    public static final String COMPONENT = "das-node";

    private final KubernetesClient client;
    private final String nodeName;

    public PodEvents(KubernetesClient client, String nodeName) {
        this.client = client;
        this.nodeName = nodeName;
    }

    public void normal(Pod pod, String reason, String message) {
        emit(pod, "Normal", reason, message);
    }

    public void warning(Pod pod, String reason, String message) {
        emit(pod, "Warning", reason, message);
    }

    private void emit(Pod pod, String type, String reason, String message) {
        String now = Instant.now().toString();
        try {
            client.v1().events().inNamespace(pod.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withName(pod.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                    .withNamespace(pod.getMetadata().getNamespace()).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withKind("Pod").withApiVersion("v1")
                            .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                            .withUid(pod.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(message)
                    .withNewSource().withComponent(COMPONENT).withHost(nodeName).endSource()
                    .withReportingComponent(COMPONENT).withReportingInstance(nodeName)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build()).create();
        } catch (KubernetesClientException e) {
            // an event is help, not state: never fail the operation over it
            LOG.warn("could not record event {} on pod {}/{}: {}", reason, pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), e.getMessage());
        }
    }
}
