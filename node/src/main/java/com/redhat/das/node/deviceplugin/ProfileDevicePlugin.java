package com.redhat.das.node.deviceplugin;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.AllocateRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.AllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.CDIDevice;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ContainerAllocateResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Device;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DevicePluginGrpc;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.DevicePluginOptions;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Empty;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.ListAndWatchResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreStartContainerRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreStartContainerResponse;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreferredAllocationRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.PreferredAllocationResponse;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.node.lifecycle.AllocationException;
import com.redhat.das.node.lifecycle.SliceProvisioner;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's view of one MIG profile: {@code mig.das.com/<profile>}. The device list is a stable upper bound —
 * on each GPU that offers the profile, as many devices as the profile has instances at most — so the kubelet's
 * count never shrinks under a running pod; real contention is the allocator's business. The list is sent in full
 * on every ListAndWatch call (a restarted kubelet gets it again). Device IDs say nothing about placement: which
 * slice a container gets is decided by its AllocationClaims, in {@link SliceProvisioner}.
 */
public final class ProfileDevicePlugin extends DevicePluginGrpc.DevicePluginImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(ProfileDevicePlugin.class);
    public static final String HEALTHY = "Healthy";

    private final String profile;
    private final List<Device> devices;
    private final SliceProvisioner provisioner;
    private final List<StreamObserver<ListAndWatchResponse>> watchers = new CopyOnWriteArrayList<>();

    public ProfileDevicePlugin(String profile, List<GpuInventory> gpus, SliceProvisioner provisioner) {
        this.profile = profile;
        this.provisioner = provisioner;
        this.devices = deviceIds(profile, gpus).stream().map(id -> Device.newBuilder().setID(id).setHealth(HEALTHY).build()).toList();
    }

    /** The device IDs advertised for a profile on these GPUs (the upper bound described above). */
    public static List<String> deviceIds(String profile, List<GpuInventory> gpus) {
        List<String> ids = new ArrayList<>();
        for (GpuInventory gpu : gpus) {
            gpu.profiles().stream().filter(p -> p.name().equals(profile)).findFirst().ifPresent(p -> {
                for (int n = 0; n < Math.max(1, p.maxInstances()); n++) {
                    ids.add("gpu" + gpu.index() + "-" + n);
                }
            });
        }
        return List.copyOf(ids);
    }

    public String profile() {
        return profile;
    }

    public String resourceName() {
        return ResourceNames.resourceName(profile);
    }

    /** {@code mig.das.com_1g.5gb.sock}: the resource name with "/" made file-safe. */
    public String socketName() {
        return resourceName().replace('/', '_') + ".sock";
    }

    public List<Device> devices() {
        return devices;
    }

    public DevicePluginOptions options() {
        return DevicePluginOptions.newBuilder().setPreStartRequired(false).setGetPreferredAllocationAvailable(false).build();
    }

    @Override
    public void getDevicePluginOptions(Empty request, StreamObserver<DevicePluginOptions> responseObserver) {
        responseObserver.onNext(options());
        responseObserver.onCompleted();
    }

    @Override
    public void listAndWatch(Empty request, StreamObserver<ListAndWatchResponse> responseObserver) {
        watchers.add(responseObserver);
        if (responseObserver instanceof ServerCallStreamObserver<ListAndWatchResponse> call) {
            call.setOnCancelHandler(() -> watchers.remove(responseObserver));
        }
        responseObserver.onNext(ListAndWatchResponse.newBuilder().addAllDevices(devices).build());
        LOG.info("{}: ListAndWatch sent {} devices", resourceName(), devices.size());
        // the stream stays open: closing it would tell the kubelet the plugin is gone
    }

    @Override
    public void getPreferredAllocation(PreferredAllocationRequest request, StreamObserver<PreferredAllocationResponse> responseObserver) {
        responseObserver.onError(Status.UNIMPLEMENTED.withDescription("no preferred allocation: device IDs do not choose slices")
                .asRuntimeException());
    }

    @Override
    public void allocate(AllocateRequest request, StreamObserver<AllocateResponse> responseObserver) {
        AllocateResponse.Builder response = AllocateResponse.newBuilder();
        try {
            for (ContainerAllocateRequest container : request.getContainerRequestsList()) {
                SliceProvisioner.Assignment a = provisioner.allocate(profile, container.getDevicesIdsList());
                response.addContainerResponses(ContainerAllocateResponse.newBuilder()
                        .addCdiDevices(CDIDevice.newBuilder().setName(a.cdiDevice()).build()));
            }
        } catch (AllocationException e) {
            responseObserver.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (RuntimeException e) {
            LOG.error("{}: Allocate failed", resourceName(), e);
            responseObserver.onError(Status.INTERNAL.withDescription("DAS node daemon: " + e).asRuntimeException());
            return;
        }
        responseObserver.onNext(response.build());
        responseObserver.onCompleted();
    }

    @Override
    public void preStartContainer(PreStartContainerRequest request, StreamObserver<PreStartContainerResponse> responseObserver) {
        responseObserver.onNext(PreStartContainerResponse.getDefaultInstance());
        responseObserver.onCompleted();
    }

    /** Ends the open ListAndWatch streams (the server is going away). */
    public void endWatches() {
        for (StreamObserver<ListAndWatchResponse> w : watchers) {
            try {
                w.onCompleted();
            } catch (RuntimeException ignored) {
                // the kubelet may have gone first
            }
        }
        watchers.clear();
    }
}
