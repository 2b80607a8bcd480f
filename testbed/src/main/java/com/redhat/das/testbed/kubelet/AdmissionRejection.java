package com.redhat.das.testbed.kubelet;

/**
 * A pod the kubelet refuses to run: the reason and message become the Failed pod's status (message prefixed with
 * {@value #STATUS_MESSAGE_PREFIX}) and a Warning event on the pod.
 */
final class AdmissionRejection extends Exception {

    private static final long serialVersionUID = 1L;

    /** The kubelet's reason for admission errors it does not know more about, device allocation errors among them. */
    static final String UNEXPECTED_ADMISSION_ERROR = "UnexpectedAdmissionError";
    /** What the kubelet's rejectPod puts before the admission message in the pod's status. */
    static final String STATUS_MESSAGE_PREFIX = "Pod was rejected: ";

    private final String reason;

    AdmissionRejection(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** An allocation failure, worded as the kubelet wraps errors of its resource allocation admit handler. */
    static AdmissionRejection unexpected(String error) {
        return new AdmissionRejection(UNEXPECTED_ADMISSION_ERROR, "Allocate failed due to " + error + ", which is unexpected");
    }

    String reason() {
        return reason;
    }
}
