package com.redhat.das.testbed.kubelet;

import io.grpc.Status;

/**
 * gRPC errors as the kubelet (a Go program) prints them, because its admission and container messages embed the Go
 * error string: {@code rpc error: code = Unknown desc = <description>}.
 */
final class GrpcErrors {

    private GrpcErrors() {
    }

    /** The Go rendering of a gRPC status, as {@code err.Error()} prints it. */
    static String goString(Throwable error) {
        Status status = Status.fromThrowable(error);
        String description = status.getDescription() == null ? "" : status.getDescription();
        return "rpc error: code = " + goCodeName(status.getCode()) + " desc = " + description;
    }

    /** Go's codes.Code names: CamelCase, and "Canceled" with one l. */
    static String goCodeName(Status.Code code) {
        if (code == Status.Code.CANCELLED) {
            return "Canceled";
        }
        if (code == Status.Code.OK) {
            return "OK";
        }
        StringBuilder out = new StringBuilder();
        for (String word : code.name().split("_")) {
            out.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return out.toString();
    }
}
