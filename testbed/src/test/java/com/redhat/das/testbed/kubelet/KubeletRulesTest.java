package com.redhat.das.testbed.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Small rules the stand-in copies from the kubelet: which names are extended resources, how Go prints gRPC errors. */
class KubeletRulesTest {

    @Test
    void extendedResourceNamesAreDomainPrefixedAndOutsideKubernetesIo() {
        assertThat(DeviceManager.isExtendedResourceName("nvidia.com/gpu")).isTrue();
        assertThat(DeviceManager.isExtendedResourceName("mig.das.com/1g.5gb")).isTrue();
        assertThat(DeviceManager.isExtendedResourceName("mig.das.com/1g.5gb-plus-me")).isTrue();

        assertThat(DeviceManager.isExtendedResourceName("cpu")).isFalse();
        assertThat(DeviceManager.isExtendedResourceName("kubernetes.io/gpu")).isFalse();
        assertThat(DeviceManager.isExtendedResourceName("nvidia.kubernetes.io/gpu")).isFalse();
        assertThat(DeviceManager.isExtendedResourceName("requests.nvidia.com/gpu")).isFalse();
        assertThat(DeviceManager.isExtendedResourceName("Nvidia.com/gpu")).isFalse();
        assertThat(DeviceManager.isExtendedResourceName("nvidia.com/gpu/x")).isFalse();
        assertThat(DeviceManager.isExtendedResourceName("nvidia.com/-gpu")).isFalse();
    }

    @Test
    void deviceRequestsComeFromLimitsElseRequestsAndOnlyForExtendedResources() {
        var container = new ContainerBuilder().withName("c").withNewResources()
                .addToLimits(Map.of("nvidia.com/gpu", new Quantity("2"), "cpu", new Quantity("1")))
                .addToRequests(Map.of("nvidia.com/gpu", new Quantity("2"), "example.com/nic", new Quantity("1"))).endResources().build();

        assertThat(DeviceManager.deviceRequests(container)).containsExactly(Map.entry("example.com/nic", 1), Map.entry("nvidia.com/gpu", 2));
    }

    @Test
    void grpcErrorsPrintAsGoPrintsThem() {
        assertThat(GrpcErrors.goString(Status.INTERNAL.withDescription("boom").asRuntimeException()))
                .isEqualTo("rpc error: code = Internal desc = boom");
        assertThat(GrpcErrors.goString(Status.UNKNOWN.withDescription("x").asException())).isEqualTo("rpc error: code = Unknown desc = x");
        assertThat(GrpcErrors.goCodeName(Status.Code.CANCELLED)).isEqualTo("Canceled");
        assertThat(GrpcErrors.goCodeName(Status.Code.DEADLINE_EXCEEDED)).isEqualTo("DeadlineExceeded");
        assertThat(GrpcErrors.goCodeName(Status.Code.RESOURCE_EXHAUSTED)).isEqualTo("ResourceExhausted");
    }

    @Test
    void imagesAreReportedAsTheRuntimeNormalizesThem() {
        assertThat(PodWorker.normalizedImage("busybox")).isEqualTo("docker.io/library/busybox:latest");
        assertThat(PodWorker.normalizedImage("library/busybox:1.36")).isEqualTo("docker.io/library/busybox:1.36");
        assertThat(PodWorker.normalizedImage("quay.io/org/app")).isEqualTo("quay.io/org/app:latest");
        assertThat(PodWorker.normalizedImage("localhost:5000/app:2")).isEqualTo("localhost:5000/app:2");
    }
}
