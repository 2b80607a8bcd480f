package com.redhat.das.node.backend.emulated;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The UUID of an emulated GPU, derived from the node name and the device index, so that it is the same after every
 * restart of the node daemon. (The reference generated random UUIDs at every start, which orphaned every claim
 * that named the old ones.) Formatted like NVML's: {@code GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}.
 */
public final class EmulatedGpuIdentity {

    private EmulatedGpuIdentity() {
    }

    public static String uuid(String nodeName, int index) {
        Objects.requireNonNull(nodeName, "nodeName");
        if (index < 0) {
            throw new IllegalArgumentException("device index must be >= 0, got " + index);
        }
        return "GPU-" + hashed("das-emulated-gpu/" + nodeName + "/" + index);
    }

    /** The UUID of an emulated MIG device: stable for the same GPU and placement. */
    public static String migUuid(String gpuUuid, int start, int size) {
        return "MIG-" + hashed("das-emulated-mig/" + gpuUuid + "/" + start + "+" + size);
    }

    private static String hashed(String name) {
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
            return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
