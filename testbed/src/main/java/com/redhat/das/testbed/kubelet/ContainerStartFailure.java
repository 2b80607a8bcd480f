package com.redhat.das.testbed.kubelet;

/**
 * A container that could not be created this time; it stays waiting with this reason and message, and the kubelet
 * tries again later.
 */
final class ContainerStartFailure extends Exception {

    private static final long serialVersionUID = 1L;

    /** The container config could not be made (here: PreStartContainer failed). */
    static final String CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError";
    /** The runtime refused to create the container (here: CDI injection failed). */
    static final String CREATE_CONTAINER_ERROR = "CreateContainerError";

    private final String reason;

    ContainerStartFailure(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    String reason() {
        return reason;
    }
}
