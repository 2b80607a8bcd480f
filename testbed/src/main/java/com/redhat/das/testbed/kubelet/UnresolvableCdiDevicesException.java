package com.redhat.das.testbed.kubelet;

import java.util.List;

/**
 * CDI device names no valid spec defines. The message is the CDI library's ({@code unresolvable CDI devices a, b}),
 * which the runtime wraps into the container's CreateContainerError.
 */
public final class UnresolvableCdiDevicesException extends Exception {

    private static final long serialVersionUID = 1L;

    private final List<String> devices;

    public UnresolvableCdiDevicesException(List<String> devices) {
        super("unresolvable CDI devices " + String.join(", ", devices));
        this.devices = List.copyOf(devices);
    }

    /** The names that could not be resolved, in request order. */
    public List<String> devices() {
        return devices;
    }
}
