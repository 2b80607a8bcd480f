package com.redhat.das.testbed.kubelet;

import static org.awaitility.Awaitility.await;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.AllocateRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.AllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.CDIDevice;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerPreferredAllocationRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerPreferredAllocationResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Device;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DevicePluginGrpc;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DevicePluginOptions;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Empty;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ListAndWatchResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreStartContainerRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreStartContainerResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreferredAllocationRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreferredAllocationResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegisterRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegistrationGrpc;
import com.redhat.das.api.transport.UnixSocketChannel;
import com.redhat.das.api.transport.UnixSocketServer;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * A device plugin for tests, written as a real one is: it serves its socket in the kubelet's device-plugins directory,
 * registers, streams its devices, answers the allocation calls (remembering them), and — when asked to — re-registers
 * after a kubelet restart, which it notices by its socket disappearing.
 *
 * <p>By default Allocate answers with env {@code TEST_DEVICES=<ids>} and one CDI device {@code <cdiKind>=<id>} per
 * device; GetPreferredAllocation prefers the highest IDs, so a test can tell the preference was used.
 */
final class TestDevicePlugin extends DevicePluginGrpc.DevicePluginImplBase implements AutoCloseable {

    private final Path pluginDirectory;
    private final String resourceName;
    private final String socketName;
    private final DevicePluginOptions options;
    private final String cdiKind;
    private volatile List<Device> devices;
    private volatile Status allocateFailure;
    private volatile Function<ContainerAllocateRequest, ContainerAllocateResponse> allocator = this::defaultAllocation;
    private final List<StreamObserver<ListAndWatchResponse>> watchers = new CopyOnWriteArrayList<>();
    final List<AllocateRequest> allocateRequests = new CopyOnWriteArrayList<>();
    final List<PreferredAllocationRequest> preferredAllocationRequests = new CopyOnWriteArrayList<>();
    final List<PreStartContainerRequest> preStartRequests = new CopyOnWriteArrayList<>();
    private final AtomicInteger registrations = new AtomicInteger();
    private UnixSocketServer server;
    private Thread restartWatcher;
    private volatile boolean closed;

    TestDevicePlugin(Path pluginDirectory, String resourceName, String cdiKind, DevicePluginOptions options, int deviceCount) {
        this.pluginDirectory = pluginDirectory;
        this.resourceName = resourceName;
        this.socketName = resourceName.replaceAll("[^A-Za-z0-9]", "-") + ".sock";
        this.cdiKind = cdiKind;
        this.options = options;
        this.devices = IntStream.range(0, deviceCount).mapToObj(i -> device("dev-" + i, DeviceManager.HEALTHY)).toList();
    }

    static Device device(String id, String health) {
        return Device.newBuilder().setID(id).setHealth(health).build();
    }

    Path socket() {
        return pluginDirectory.resolve(socketName);
    }

    int registrations() {
        return registrations.get();
    }

    /** Serves and registers (retrying until the kubelet's socket answers). */
    synchronized TestDevicePlugin start() {
        server = UnixSocketServer.start(socket(), this);
        register(Duration.ofSeconds(30));
        return this;
    }

    /** Keeps re-registering after kubelet restarts, as real plugins do. */
    TestDevicePlugin reRegisterAfterKubeletRestarts() {
        restartWatcher = Thread.ofVirtual().name("test-plugin-restart-watch-" + resourceName).start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(100);
                    if (!Files.exists(socket()) && !closed) {
                        synchronized (this) {
                            if (server != null) {
                                server.close();
                            }
                            start();
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the kubelet is still restarting: the next round tries again
                }
            }
        });
        return this;
    }

    private void register(Duration within) {
        RegisterRequest request = RegisterRequest.newBuilder().setVersion(DeviceManager.API_VERSION).setEndpoint(socketName)
                .setResourceName(resourceName).setOptions(options).build();
        Path kubeletSocket = pluginDirectory.resolve("kubelet.sock");
        await("registration of " + resourceName).atMost(within).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (UnixSocketChannel channel = UnixSocketChannel.open(kubeletSocket)) {
                RegistrationGrpc.newBlockingStub(channel.channel()).withDeadlineAfter(15, TimeUnit.SECONDS).register(request);
                return true;
            }
        });
        registrations.incrementAndGet();
    }

    /** Replaces the device list and streams it to the kubelet. */
    void setDevices(List<Device> newDevices) {
        devices = List.copyOf(newDevices);
        watchers.forEach(w -> w.onNext(ListAndWatchResponse.newBuilder().addAllDevices(devices).build()));
    }

    void failAllocate(Status status) {
        allocateFailure = status;
    }

    void allocateWith(Function<ContainerAllocateRequest, ContainerAllocateResponse> answer) {
        allocator = answer;
    }

    /** Stops serving, ending ListAndWatch: to the kubelet the plugin is gone. */
    synchronized void stopServing() {
        watchers.forEach(StreamObserver::onCompleted);
        watchers.clear();
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private ContainerAllocateResponse defaultAllocation(ContainerAllocateRequest request) {
        ContainerAllocateResponse.Builder response = ContainerAllocateResponse.newBuilder()
                .putEnvs("TEST_DEVICES", String.join(",", request.getDevicesIdsList()));
        request.getDevicesIdsList().forEach(id -> response.addCdiDevices(CDIDevice.newBuilder().setName(cdiKind + "=" + id)));
        return response.build();
    }

    @Override
    public void getDevicePluginOptions(Empty request, StreamObserver<DevicePluginOptions> response) {
        response.onNext(options);
        response.onCompleted();
    }

    @Override
    public void listAndWatch(Empty request, StreamObserver<ListAndWatchResponse> response) {
        watchers.add(response);
        ((ServerCallStreamObserver<ListAndWatchResponse>) response).setOnCancelHandler(() -> watchers.remove(response));
        response.onNext(ListAndWatchResponse.newBuilder().addAllDevices(devices).build());
    }

    @Override
    public void getPreferredAllocation(PreferredAllocationRequest request, StreamObserver<PreferredAllocationResponse> response) {
        preferredAllocationRequests.add(request);
        PreferredAllocationResponse.Builder out = PreferredAllocationResponse.newBuilder();
        for (ContainerPreferredAllocationRequest r : request.getContainerRequestsList()) {
            List<String> preferred = new java.util.ArrayList<>(r.getMustIncludeDeviceIDsList());
            r.getAvailableDeviceIDsList().stream().sorted(java.util.Comparator.reverseOrder()).filter(id -> !preferred.contains(id))
                    .limit(Math.max(0, r.getAllocationSize() - preferred.size())).forEach(preferred::add);
            out.addContainerResponses(ContainerPreferredAllocationResponse.newBuilder().addAllDeviceIDs(preferred));
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    @Override
    public void allocate(AllocateRequest request, StreamObserver<AllocateResponse> response) {
        allocateRequests.add(request);
        Status failure = allocateFailure;
        if (failure != null) {
            response.onError(failure.asException());
            return;
        }
        AllocateResponse.Builder out = AllocateResponse.newBuilder();
        request.getContainerRequestsList().forEach(r -> out.addContainerResponses(allocator.apply(r)));
        response.onNext(out.build());
        response.onCompleted();
    }

    @Override
    public void preStartContainer(PreStartContainerRequest request, StreamObserver<PreStartContainerResponse> response) {
        preStartRequests.add(request);
        response.onNext(PreStartContainerResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void close() {
        closed = true;
        if (restartWatcher != null) {
            restartWatcher.interrupt();
        }
        stopServing();
    }
}
