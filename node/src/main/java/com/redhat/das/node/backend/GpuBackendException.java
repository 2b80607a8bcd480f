package com.redhat.das.node.backend;

/** A GPU operation failed; {@link #code()} says how, in NVML's terms, whichever backend raised it. */
public class GpuBackendException extends Exception {

    private final NvmlReturn code;
    private final int rawCode;

    public GpuBackendException(NvmlReturn code, String message) {
        this(code, code.code(), message);
    }

    public GpuBackendException(NvmlReturn code, int rawCode, String message) {
        super(message + " (" + code.cName() + (code == NvmlReturn.UNKNOWN && rawCode != 999 ? " " + rawCode : "") + ")");
        this.code = code;
        this.rawCode = rawCode;
    }

    public NvmlReturn code() {
        return code;
    }

    /** The number the library returned (differs from {@code code().code()} only for codes newer than this enum). */
    public int rawCode() {
        return rawCode;
    }
}
