package com.redhat.das.node.backend.nvml;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.util.List;
import java.util.Set;

/**
 * The NVML functions MIG management needs, bound by JNA to {@code libnvidia-ml.so.1} (signatures of nvml.h 13.3).
 *
 * <p>Method names are the exported symbol names, so the versioned entry points are bound where nvml.h
 * {@code #define}s the plain name to one ({@code nvmlInit_v2}, {@code nvmlDeviceGetCount_v2}, ...): the unversioned
 * symbols are the old v1 functions with different semantics. Every function returns an {@code nvmlReturn_t}
 * ({@link com.redhat.das.node.backend.NvmlReturn}). {@code unsigned int} maps to {@code int}: every value involved
 * is far below 2^31.
 */
public interface NvmlLibrary extends Library {

    /** Functions older drivers lack; {@link NvmlBackend} checks for them and falls back to the v1 calls. */
    Set<String> OPTIONAL_FUNCTIONS = Set.of("nvmlDeviceGetGpuInstanceProfileInfoV",
            "nvmlGpuInstanceGetComputeInstanceProfileInfoV");

    int NVML_DEVICE_MIG_ENABLE = 1;
    int NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED = 0;
    /** {@code NVML_DEVICE_UUID_V2_BUFFER_SIZE}. */
    int UUID_BUFFER_SIZE = 96;
    /** {@code NVML_DEVICE_NAME_V2_BUFFER_SIZE}, also the size of {@code name[]} in the v2 profile-info structs. */
    int NAME_BUFFER_SIZE = 96;

    int nvmlInit_v2();

    int nvmlShutdown();

    /** A static string owned by NVML. */
    String nvmlErrorString(int result);

    int nvmlDeviceGetCount_v2(IntByReference deviceCount);

    int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

    int nvmlDeviceGetHandleByUUID(String uuid, PointerByReference device);

    int nvmlDeviceGetUUID(DeviceHandle device, byte[] uuid, int length);

    int nvmlDeviceGetName(DeviceHandle device, byte[] name, int length);

    int nvmlDeviceGetMemoryInfo(DeviceHandle device, MemoryInfo memory);

    int nvmlDeviceGetMigMode(DeviceHandle device, IntByReference currentMode, IntByReference pendingMode);

    /** v1: no struct version, no name. The fallback when {@code ...InfoV} is missing (drivers before R515). */
    int nvmlDeviceGetGpuInstanceProfileInfo(DeviceHandle device, int profile, GpuInstanceProfileInfo info);

    int nvmlDeviceGetGpuInstanceProfileInfoV(DeviceHandle device, int profile, GpuInstanceProfileInfoV2 info);

    /** With {@code placements == null} only counts; the array must come from {@link Structure#toArray(int)}. */
    int nvmlDeviceGetGpuInstancePossiblePlacements_v2(DeviceHandle device, int profileId,
            GpuInstancePlacement[] placements, IntByReference count);

    int nvmlDeviceCreateGpuInstanceWithPlacement(DeviceHandle device, int profileId, GpuInstancePlacement placement,
            PointerByReference gpuInstance);

    int nvmlGpuInstanceDestroy(GpuInstanceHandle gpuInstance);

    /** {@code gpuInstances} must hold at least {@code instanceCount} handles of the profile. */
    int nvmlDeviceGetGpuInstances(DeviceHandle device, int profileId, Pointer gpuInstances, IntByReference count);

    int nvmlDeviceGetGpuInstanceById(DeviceHandle device, int id, PointerByReference gpuInstance);

    int nvmlGpuInstanceGetInfo(GpuInstanceHandle gpuInstance, GpuInstanceInfo info);

    /** v1 fallback of {@link #nvmlGpuInstanceGetComputeInstanceProfileInfoV}. */
    int nvmlGpuInstanceGetComputeInstanceProfileInfo(GpuInstanceHandle gpuInstance, int profile, int engProfile,
            ComputeInstanceProfileInfo info);

    int nvmlGpuInstanceGetComputeInstanceProfileInfoV(GpuInstanceHandle gpuInstance, int profile, int engProfile,
            ComputeInstanceProfileInfoV2 info);

    int nvmlGpuInstanceCreateComputeInstance(GpuInstanceHandle gpuInstance, int profileId,
            PointerByReference computeInstance);

    int nvmlComputeInstanceDestroy(ComputeInstanceHandle computeInstance);

    /** {@code computeInstances} must hold at least {@code instanceCount} handles of the profile. */
    int nvmlGpuInstanceGetComputeInstances(GpuInstanceHandle gpuInstance, int profileId, Pointer computeInstances,
            IntByReference count);

    int nvmlGpuInstanceGetComputeInstanceById(GpuInstanceHandle gpuInstance, int id, PointerByReference computeInstance);

    int nvmlComputeInstanceGetInfo_v2(ComputeInstanceHandle computeInstance, ComputeInstanceInfo info);

    int nvmlDeviceIsMigDeviceHandle(DeviceHandle device, IntByReference isMigDevice);

    /** The most MIG devices there can be, not how many exist. */
    int nvmlDeviceGetMaxMigDeviceCount(DeviceHandle device, IntByReference count);

    /** {@code NOT_FOUND} for an empty index; indices can have holes. */
    int nvmlDeviceGetMigDeviceHandleByIndex(DeviceHandle device, int index, PointerByReference migDevice);

    /** GPU-instance id of a MIG device handle. */
    int nvmlDeviceGetGpuInstanceId(DeviceHandle migDevice, IntByReference id);

    /** Compute-instance id of a MIG device handle. */
    int nvmlDeviceGetComputeInstanceId(DeviceHandle migDevice, IntByReference id);

    int nvmlDeviceGetDeviceHandleFromMigDeviceHandle(DeviceHandle migDevice, PointerByReference device);

    // ----- opaque handles: distinct Java types so a GPU-instance handle cannot be passed where a device is expected

    /** {@code nvmlDevice_t}: a GPU or a MIG device. */
    final class DeviceHandle extends PointerType {
        public DeviceHandle() {
        }

        public DeviceHandle(Pointer pointer) {
            super(pointer);
        }
    }

    /** {@code nvmlGpuInstance_t}. */
    final class GpuInstanceHandle extends PointerType {
        public GpuInstanceHandle() {
        }

        public GpuInstanceHandle(Pointer pointer) {
            super(pointer);
        }
    }

    /** {@code nvmlComputeInstance_t}. */
    final class ComputeInstanceHandle extends PointerType {
        public ComputeInstanceHandle() {
        }

        public ComputeInstanceHandle(Pointer pointer) {
            super(pointer);
        }
    }

    // ----- structs: field names and order as in nvml.h; JNA's default alignment gives the C layout on LP64

    /** Base of the NVML structs; exposes the layout JNA computed so tests can compare it with the C compiler's. */
    abstract class NvmlStructure extends Structure {
        /** The C type name in nvml.h, e.g. {@code nvmlGpuInstanceInfo_t}. */
        public abstract String cType();

        /** Field names in layout order. */
        public List<String> fieldNames() {
            return getFieldOrder();
        }

        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** {@code nvmlMemory_t}, in bytes. */
    @FieldOrder({"total", "free", "used"})
    class MemoryInfo extends NvmlStructure {
        public long total;
        public long free;
        public long used;

        @Override
        public String cType() {
            return "nvmlMemory_t";
        }
    }

    /** {@code nvmlGpuInstancePlacement_t}, in memory slices. */
    @FieldOrder({"start", "size"})
    class GpuInstancePlacement extends NvmlStructure {
        public int start;
        public int size;

        public GpuInstancePlacement() {
        }

        public GpuInstancePlacement(int start, int size) {
            this.start = start;
            this.size = size;
        }

        @Override
        public String cType() {
            return "nvmlGpuInstancePlacement_t";
        }
    }

    /** {@code nvmlGpuInstanceProfileInfo_t} (v1). */
    @FieldOrder({"id", "isP2pSupported", "sliceCount", "instanceCount", "multiprocessorCount", "copyEngineCount",
            "decoderCount", "encoderCount", "jpegCount", "ofaCount", "memorySizeMB"})
    class GpuInstanceProfileInfo extends NvmlStructure {
        public int id;
        public int isP2pSupported;
        public int sliceCount;
        public int instanceCount;
        public int multiprocessorCount;
        public int copyEngineCount;
        public int decoderCount;
        public int encoderCount;
        public int jpegCount;
        public int ofaCount;
        public long memorySizeMB;

        @Override
        public String cType() {
            return "nvmlGpuInstanceProfileInfo_t";
        }
    }

    /** {@code nvmlGpuInstanceProfileInfo_v2_t}; {@link #version} is preset to {@link #VERSION}. */
    @FieldOrder({"version", "id", "isP2pSupported", "sliceCount", "instanceCount", "multiprocessorCount",
            "copyEngineCount", "decoderCount", "encoderCount", "jpegCount", "ofaCount", "memorySizeMB", "name"})
    class GpuInstanceProfileInfoV2 extends NvmlStructure {
        /** {@code nvmlGpuInstanceProfileInfo_v2}: sizeof 152 | 2 << 24. */
        public static final int VERSION = 0x02000098;

        public int version = VERSION;
        public int id;
        public int isP2pSupported;
        public int sliceCount;
        public int instanceCount;
        public int multiprocessorCount;
        public int copyEngineCount;
        public int decoderCount;
        public int encoderCount;
        public int jpegCount;
        public int ofaCount;
        public long memorySizeMB;
        public byte[] name = new byte[NAME_BUFFER_SIZE];

        public String nameString() {
            return Native.toString(name);
        }

        @Override
        public String cType() {
            return "nvmlGpuInstanceProfileInfo_v2_t";
        }
    }

    /** {@code nvmlGpuInstanceInfo_t}. */
    @FieldOrder({"device", "id", "profileId", "placement"})
    class GpuInstanceInfo extends NvmlStructure {
        public DeviceHandle device;
        /** GPU-instance id. */
        public int id;
        /** GPU-instance profile id ({@code info.id}), not the profile constant. */
        public int profileId;
        public GpuInstancePlacement placement;

        @Override
        public String cType() {
            return "nvmlGpuInstanceInfo_t";
        }
    }

    /** {@code nvmlComputeInstancePlacement_t}, in compute slices within the GPU instance. */
    @FieldOrder({"start", "size"})
    class ComputeInstancePlacement extends NvmlStructure {
        public int start;
        public int size;

        @Override
        public String cType() {
            return "nvmlComputeInstancePlacement_t";
        }
    }

    /** {@code nvmlComputeInstanceProfileInfo_t} (v1). */
    @FieldOrder({"id", "sliceCount", "instanceCount", "multiprocessorCount", "sharedCopyEngineCount",
            "sharedDecoderCount", "sharedEncoderCount", "sharedJpegCount", "sharedOfaCount"})
    class ComputeInstanceProfileInfo extends NvmlStructure {
        public int id;
        public int sliceCount;
        public int instanceCount;
        public int multiprocessorCount;
        public int sharedCopyEngineCount;
        public int sharedDecoderCount;
        public int sharedEncoderCount;
        public int sharedJpegCount;
        public int sharedOfaCount;

        @Override
        public String cType() {
            return "nvmlComputeInstanceProfileInfo_t";
        }
    }

    /** {@code nvmlComputeInstanceProfileInfo_v2_t}; {@link #version} is preset to {@link #VERSION}. */
    @FieldOrder({"version", "id", "sliceCount", "instanceCount", "multiprocessorCount", "sharedCopyEngineCount",
            "sharedDecoderCount", "sharedEncoderCount", "sharedJpegCount", "sharedOfaCount", "name"})
    class ComputeInstanceProfileInfoV2 extends NvmlStructure {
        /** {@code nvmlComputeInstanceProfileInfo_v2}: sizeof 136 | 2 << 24. */
        public static final int VERSION = 0x02000088;

        public int version = VERSION;
        public int id;
        public int sliceCount;
        public int instanceCount;
        public int multiprocessorCount;
        public int sharedCopyEngineCount;
        public int sharedDecoderCount;
        public int sharedEncoderCount;
        public int sharedJpegCount;
        public int sharedOfaCount;
        public byte[] name = new byte[NAME_BUFFER_SIZE];

        @Override
        public String cType() {
            return "nvmlComputeInstanceProfileInfo_v2_t";
        }
    }

    /** {@code nvmlComputeInstanceInfo_t}, as {@code nvmlComputeInstanceGetInfo_v2} fills it. */
    @FieldOrder({"device", "gpuInstance", "id", "profileId", "placement"})
    class ComputeInstanceInfo extends NvmlStructure {
        /** nvml.h says "parent device"; NVIDIA's DRA driver reads it as the MIG device. Check before use. */
        public DeviceHandle device;
        public GpuInstanceHandle gpuInstance;
        /** Compute-instance id. */
        public int id;
        /** Compute-instance profile id. */
        public int profileId;
        public ComputeInstancePlacement placement;

        @Override
        public String cType() {
            return "nvmlComputeInstanceInfo_t";
        }
    }
}
