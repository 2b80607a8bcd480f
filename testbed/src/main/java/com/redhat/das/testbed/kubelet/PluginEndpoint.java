package com.redhat.das.testbed.kubelet;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.AllocateRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.AllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerPreferredAllocationRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Device;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DevicePluginGrpc;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DevicePluginOptions;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Empty;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ListAndWatchResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreStartContainerRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreferredAllocationRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreferredAllocationResponse;
import com.redhat.das.api.transport.UnixSocketChannel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The kubelet's connection to one registered device plugin: its socket, its options, its ListAndWatch stream and the
 * allocation calls.
 */
final class PluginEndpoint implements AutoCloseable {

    /** How long the kubelet waits for a registering plugin's socket to answer (its blocking dial timeout). */
    static final Duration DIAL_TIMEOUT = Duration.ofSeconds(10);
    /** KubeletPreStartContainerRPCTimeoutInSecs. */
    static final Duration PRE_START_TIMEOUT = Duration.ofSeconds(30);

    private final String resourceName;
    private final Path socket;
    private final UnixSocketChannel channel;
    private final DevicePluginOptions options;
    private volatile boolean closed;

    private PluginEndpoint(String resourceName, Path socket, UnixSocketChannel channel, DevicePluginOptions options) {
        this.resourceName = resourceName;
        this.socket = socket;
        this.channel = channel;
        this.options = options;
    }

    /**
     * Dials the plugin and asks for its options, as the kubelet does inside Register: a plugin must serve before it
     * registers.
     *
     * @throws StatusRuntimeException when the plugin does not answer within {@link #DIAL_TIMEOUT}
     */
    static PluginEndpoint connect(String resourceName, Path socket) {
        UnixSocketChannel channel = UnixSocketChannel.open(socket);
        try {
            DevicePluginOptions options = DevicePluginGrpc.newBlockingStub(channel.channel()).withWaitForReady()
                    .withDeadlineAfter(DIAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .getDevicePluginOptions(Empty.getDefaultInstance());
            return new PluginEndpoint(resourceName, socket, channel, options);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    String resourceName() {
        return resourceName;
    }

    Path socket() {
        return socket;
    }

    DevicePluginOptions options() {
        return options;
    }

    /**
     * Opens ListAndWatch. Every update (the full list) goes to {@code onDevices}; the end of the stream, for whatever
     * reason, goes once to {@code onEnd} with its status (OK when the plugin completed it).
     */
    void watch(Consumer<List<Device>> onDevices, Consumer<Status> onEnd) {
        // Opened while serving Register: without a context of its own the stream would inherit the Register call's
        // context and be cancelled the moment Register returns.
        Context.ROOT.run(() -> DevicePluginGrpc.newStub(channel.channel()).listAndWatch(Empty.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(ListAndWatchResponse response) {
                onDevices.accept(response.getDevicesList());
            }

            @Override
            public void onError(Throwable t) {
                onEnd.accept(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                onEnd.accept(Status.OK);
            }
        }));
    }

    /** GetPreferredAllocation for one container; the plugin's choice, which the caller still checks. */
    List<String> preferredAllocation(Collection<String> available, Collection<String> mustInclude, int size, Duration timeout) {
        PreferredAllocationResponse response = blocking(timeout).getPreferredAllocation(PreferredAllocationRequest.newBuilder()
                .addContainerRequests(ContainerPreferredAllocationRequest.newBuilder()
                        .addAllAvailableDeviceIDs(available).addAllMustIncludeDeviceIDs(mustInclude).setAllocationSize(size))
                .build());
        return response.getContainerResponsesCount() == 0 ? List.of() : response.getContainerResponses(0).getDeviceIDsList();
    }

    /**
     * Allocate with one container request holding {@code deviceIds}.
     *
     * @throws StatusRuntimeException the plugin's error
     * @throws IllegalStateException  when the plugin answered without a container response, as the kubelet rejects it
     */
    ContainerAllocateResponse allocate(List<String> deviceIds, Duration timeout) {
        AllocateResponse response = blocking(timeout).allocate(AllocateRequest.newBuilder()
                .addContainerRequests(ContainerAllocateRequest.newBuilder().addAllDevicesIds(deviceIds)).build());
        if (response.getContainerResponsesCount() == 0) {
            throw new IllegalStateException("no containers return in allocation response");
        }
        return response.getContainerResponses(0);
    }

    void preStartContainer(List<String> deviceIds) {
        blocking(PRE_START_TIMEOUT).preStartContainer(PreStartContainerRequest.newBuilder().addAllDevicesIds(deviceIds).build());
    }

    private DevicePluginGrpc.DevicePluginBlockingStub blocking(Duration timeout) {
        if (closed) {
            throw Status.UNAVAILABLE.withDescription("endpoint " + resourceName + " has been stopped").asRuntimeException();
        }
        return DevicePluginGrpc.newBlockingStub(channel.channel()).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        channel.close();
    }
}
