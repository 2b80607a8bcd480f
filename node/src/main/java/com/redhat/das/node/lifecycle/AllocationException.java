package com.redhat.das.node.lifecycle;

/** Allocate cannot hand the container its slices; the message goes to the kubelet and into the pod's status. */
public final class AllocationException extends Exception {

    public AllocationException(String message) {
        super(message);
    }
}
