package com.redhat.das.testbed.kubelet;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.Empty;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegisterRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegistrationGrpc;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Registration service the kubelet serves on {@code device-plugins/kubelet.sock}. */
final class RegistrationServer extends RegistrationGrpc.RegistrationImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(RegistrationServer.class);

    private final DeviceManager devices;

    RegistrationServer(DeviceManager devices) {
        this.devices = devices;
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<Empty> response) {
        LOG.info("Got registration request from device plugin with resource {} (version {}, endpoint {})", request.getResourceName(),
                request.getVersion(), request.getEndpoint());
        try {
            devices.register(request);
            response.onNext(Empty.getDefaultInstance());
            response.onCompleted();
        } catch (StatusException e) {
            LOG.warn("Registration of {} refused: {}", request.getResourceName(), e.getStatus().getDescription());
            response.onError(e);
        }
    }
}
