/*
 * A stand-in for libnvidia-ml.so.1 that the node daemon's JNA binding is tested against.
 *
 * It exports the NVML entry points the binding uses, under the same (versioned) symbol names and with the same C
 * signatures and struct layouts as nvml.h 13.3 (see shared/reference/nvml-mig-api.md, Part B), and emulates:
 *
 *   GPU 0, 1  "NVIDIA A100-SXM4-40GB", MIG enabled, the A100-40GB GPU-instance profiles of mig-catalog.json;
 *   GPU 2     "Tesla T4", which has no MIG (nvmlDeviceGetMigMode answers NOT_SUPPORTED).
 *
 * MIG rules enforced: allowed placements, memory-slice overlap and per-profile instance caps (both
 * NVML_ERROR_INSUFFICIENT_RESOURCES), destroying a GPU instance that still has compute instances (NVML_ERROR_IN_USE),
 * struct versions (NVML_ERROR_ARGUMENT_VERSION_MISMATCH), calls before nvmlInit_v2 (NVML_ERROR_UNINITIALIZED).
 * GPU-instance ids are handed out lowest-free-first, independent of the placement, as the driver's may be.
 *
 * The old unversioned entry points (nvmlInit, nvmlDeviceGetCount, ...) are deliberately not exported: a binding that
 * used them would fail to link in the tests. Build with -DFAKE_NVML_WITHOUT_PROFILE_INFO_V to get a library like a
 * pre-R515 driver's, without the ...ProfileInfoV functions (only the v1 profile-info calls, which carry no names).
 *
 * Functions prefixed fake_nvml_ are test controls: reset, failure injection, a call log, struct layout facts.
 * Not thread-safe: the tests call it from one thread at a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------------------
 * Types and constants as in nvml.h 13.3 (LP64 layouts from Part B.4)
 * ------------------------------------------------------------------------------------------------------------ */

typedef enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_IN_USE = 19,
    NVML_ERROR_INSUFFICIENT_RESOURCES = 23,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
    NVML_ERROR_UNKNOWN = 999
} nvmlReturn_t;

typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct nvmlGpuInstance_st *nvmlGpuInstance_t;
typedef struct nvmlComputeInstance_st *nvmlComputeInstance_t;

#define NVML_DEVICE_MIG_DISABLE 0u
#define NVML_DEVICE_MIG_ENABLE 1u
#define NVML_DEVICE_NAME_V2_BUFFER_SIZE 96
#define NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED 0u

typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

typedef struct {
    unsigned int start;
    unsigned int size;
} nvmlGpuInstancePlacement_t;

typedef struct {
    unsigned int id;
    unsigned int isP2pSupported;
    unsigned int sliceCount;
    unsigned int instanceCount;
    unsigned int multiprocessorCount;
    unsigned int copyEngineCount;
    unsigned int decoderCount;
    unsigned int encoderCount;
    unsigned int jpegCount;
    unsigned int ofaCount;
    unsigned long long memorySizeMB;
} nvmlGpuInstanceProfileInfo_t;

typedef struct {
    unsigned int version;
    unsigned int id;
    unsigned int isP2pSupported;
    unsigned int sliceCount;
    unsigned int instanceCount;
    unsigned int multiprocessorCount;
    unsigned int copyEngineCount;
    unsigned int decoderCount;
    unsigned int encoderCount;
    unsigned int jpegCount;
    unsigned int ofaCount;
    unsigned long long memorySizeMB;
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
} nvmlGpuInstanceProfileInfo_v2_t;

typedef struct {
    unsigned int version;
    unsigned int id;
    unsigned int sliceCount;
    unsigned int instanceCount;
    unsigned int multiprocessorCount;
    unsigned int copyEngineCount;
    unsigned int decoderCount;
    unsigned int encoderCount;
    unsigned int jpegCount;
    unsigned int ofaCount;
    unsigned long long memorySizeMB;
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    unsigned int capabilities;
} nvmlGpuInstanceProfileInfo_v3_t;

typedef struct {
    nvmlDevice_t device;
    unsigned int id;
    unsigned int profileId;
    nvmlGpuInstancePlacement_t placement;
} nvmlGpuInstanceInfo_t;

typedef struct {
    unsigned int start;
    unsigned int size;
} nvmlComputeInstancePlacement_t;

typedef struct {
    unsigned int id;
    unsigned int sliceCount;
    unsigned int instanceCount;
    unsigned int multiprocessorCount;
    unsigned int sharedCopyEngineCount;
    unsigned int sharedDecoderCount;
    unsigned int sharedEncoderCount;
    unsigned int sharedJpegCount;
    unsigned int sharedOfaCount;
} nvmlComputeInstanceProfileInfo_t;

typedef struct {
    unsigned int version;
    unsigned int id;
    unsigned int sliceCount;
    unsigned int instanceCount;
    unsigned int multiprocessorCount;
    unsigned int sharedCopyEngineCount;
    unsigned int sharedDecoderCount;
    unsigned int sharedEncoderCount;
    unsigned int sharedJpegCount;
    unsigned int sharedOfaCount;
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
} nvmlComputeInstanceProfileInfo_v2_t;

typedef struct {
    unsigned int version;
    unsigned int id;
    unsigned int sliceCount;
    unsigned int instanceCount;
    unsigned int multiprocessorCount;
    unsigned int sharedCopyEngineCount;
    unsigned int sharedDecoderCount;
    unsigned int sharedEncoderCount;
    unsigned int sharedJpegCount;
    unsigned int sharedOfaCount;
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    unsigned int capabilities;
} nvmlComputeInstanceProfileInfo_v3_t;

typedef struct {
    nvmlDevice_t device;
    nvmlGpuInstance_t gpuInstance;
    unsigned int id;
    unsigned int profileId;
    nvmlComputeInstancePlacement_t placement;
} nvmlComputeInstanceInfo_t;

#define STRUCT_VERSION(type, ver) ((unsigned int) (sizeof(type) | ((ver) << 24)))
#define GI_PROFILE_INFO_V2 STRUCT_VERSION(nvmlGpuInstanceProfileInfo_v2_t, 2u)
#define GI_PROFILE_INFO_V3 STRUCT_VERSION(nvmlGpuInstanceProfileInfo_v3_t, 3u)
#define CI_PROFILE_INFO_V2 STRUCT_VERSION(nvmlComputeInstanceProfileInfo_v2_t, 2u)
#define CI_PROFILE_INFO_V3 STRUCT_VERSION(nvmlComputeInstanceProfileInfo_v3_t, 3u)

/* ---------------------------------------------------------------------------------------------------------------
 * The emulated hardware
 * ------------------------------------------------------------------------------------------------------------ */

/* NVML 13.3 knows GPU-instance profile constants 0x0..0x11 and compute-instance profile constants 0x0..0x8. */
#define GI_PROFILE_CONSTANT_END 0x12u
#define CI_PROFILE_CONSTANT_END 0x9u

#define GPU_COUNT 3
#define MIG_GPUS 2
#define MAX_GPU_INSTANCES 8
#define MAX_COMPUTE_INSTANCES 8
#define MEMORY_SLICES 8u
#define COMPUTE_SLICES 7u
#define HANDLE_MAGIC 0x4e564d4cu

typedef struct {
    unsigned int constant;      /* NVML_GPU_INSTANCE_PROFILE_* */
    unsigned int id;            /* GI profile id */
    unsigned int sliceCount;
    unsigned int memorySlices;
    unsigned int instanceCount;
    unsigned int multiprocessors;
    unsigned int copyEngines;
    unsigned int decoders;
    unsigned int jpegs;
    unsigned int ofas;
    unsigned long long memoryMB;
    const char *name;
    unsigned int startCount;
    unsigned int starts[MEMORY_SLICES];
} GiProfile;

/* A100-SXM4-40GB, from the documented nvidia-smi mig -lgip / -lgipp listings (catalog model A100-40GB). */
static const GiProfile A100_40GB_PROFILES[] = {
    {0, 19, 1, 1, 7, 14, 1, 0, 0, 0, 4864, "MIG 1g.5gb", 7, {0, 1, 2, 3, 4, 5, 6}},
    {1, 14, 2, 2, 3, 28, 2, 1, 0, 0, 9856, "MIG 2g.10gb", 3, {0, 2, 4}},
    {2, 9, 3, 4, 2, 42, 3, 2, 0, 0, 19968, "MIG 3g.20gb", 2, {0, 4}},
    {3, 5, 4, 4, 1, 56, 4, 2, 0, 0, 19968, "MIG 4g.20gb", 1, {0}},
    {4, 0, 7, 8, 1, 98, 7, 5, 1, 1, 40192, "MIG 7g.40gb", 1, {0}},
    {7, 20, 1, 1, 1, 14, 1, 1, 1, 1, 4864, "MIG 1g.5gb+me", 7, {0, 1, 2, 3, 4, 5, 6}},
    {9, 15, 1, 2, 4, 14, 1, 1, 0, 0, 9856, "MIG 1g.10gb", 4, {0, 2, 4, 6}},
};
#define PROFILE_COUNT (sizeof A100_40GB_PROFILES / sizeof A100_40GB_PROFILES[0])

/* Compute-instance profile constants 0..4 take 1, 2, 3, 4 and 7 compute slices; the id equals the constant. */
static const unsigned int CI_SLICES_BY_CONSTANT[] = {1, 2, 3, 4, 7};
#define CI_PROFILE_COUNT (sizeof CI_SLICES_BY_CONSTANT / sizeof CI_SLICES_BY_CONSTANT[0])

struct nvmlComputeInstance_st;

/* A GPU handle (ci == NULL) or a MIG device handle (one per compute instance). */
struct nvmlDevice_st {
    unsigned int magic;
    int gpu;
    struct nvmlComputeInstance_st *ci;
};

struct nvmlComputeInstance_st {
    unsigned int magic;
    int live;
    struct nvmlGpuInstance_st *gi;
    unsigned int id;
    unsigned int profileConstant;
    unsigned int start;
    unsigned int migIndex;      /* index for nvmlDeviceGetMigDeviceHandleByIndex; kept while the CI lives */
    char migUuid[48];
    struct nvmlDevice_st migDevice;
};

struct nvmlGpuInstance_st {
    unsigned int magic;
    int live;
    int gpu;
    unsigned int id;
    const GiProfile *profile;
    unsigned int start;
    struct nvmlComputeInstance_st cis[MAX_COMPUTE_INSTANCES];
};

typedef struct {
    const char *uuid;
    const char *name;
    unsigned long long memoryBytes;
    int migCapable;
    unsigned int migMode;
    struct nvmlDevice_st handle;
    struct nvmlGpuInstance_st gis[MAX_GPU_INSTANCES];
} Gpu;

static Gpu gpus[GPU_COUNT];
static int initCount;
static unsigned long long migUuidSerial;
static int ciInfoDeviceIsMig;

/* Failure injection: the next call of `function` returns `code` without doing anything. */
#define MAX_INJECTIONS 8
static struct {
    char function[96];
    nvmlReturn_t code;
} injections[MAX_INJECTIONS];
static int injectionCount;

/* The call log: one line per NVML call, "name(arguments) = code". */
#define CALL_LOG_SIZE (1 << 20)
static char callLog[CALL_LOG_SIZE];
static size_t callLogLength;

static void setup(void) {
    static const char *const uuids[GPU_COUNT] = {
        "GPU-3f1c9a52-6b0e-4d27-9c85-a1e0f4b27d10",
        "GPU-8d46e2b7-1a93-4f5c-b0d8-52c7e9a31f64",
        "GPU-c27a5e19-f430-4b6d-8e12-0d9b3f6a7c85",
    };
    memset(gpus, 0, sizeof gpus);
    for (int i = 0; i < GPU_COUNT; i++) {
        Gpu *g = &gpus[i];
        g->uuid = uuids[i];
        g->migCapable = i < MIG_GPUS;
        g->name = g->migCapable ? "NVIDIA A100-SXM4-40GB" : "Tesla T4";
        g->memoryBytes = (g->migCapable ? 40960ull : 15360ull) << 20;
        g->migMode = g->migCapable ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
        g->handle.magic = HANDLE_MAGIC;
        g->handle.gpu = i;
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            g->gis[s].magic = HANDLE_MAGIC;
            g->gis[s].gpu = i;
        }
    }
    initCount = 0;
    migUuidSerial = 0;
    ciInfoDeviceIsMig = 0;
    injectionCount = 0;
    callLogLength = 0;
    callLog[0] = '\0';
}

static int setUp;

static void ensureSetUp(void) {
    if (!setUp) {
        setup();
        setUp = 1;
    }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------------------------ */

static void logLine(const char *format, ...) {
    if (callLogLength >= CALL_LOG_SIZE - 1) {
        return;
    }
    va_list args;
    va_start(args, format);
    int n = vsnprintf(callLog + callLogLength, CALL_LOG_SIZE - callLogLength, format, args);
    va_end(args);
    if (n > 0) {
        callLogLength += (size_t) n;
        if (callLogLength >= CALL_LOG_SIZE) {
            callLogLength = CALL_LOG_SIZE - 1;
        }
    }
}

static nvmlReturn_t finish(const char *function, const char *arguments, nvmlReturn_t rc) {
    logLine("%s(%s) = %d\n", function, arguments, (int) rc);
    return rc;
}

/* The code of an injected failure or of a call before init, else NVML_SUCCESS. */
static nvmlReturn_t precheck(const char *function) {
    ensureSetUp();
    for (int i = 0; i < injectionCount; i++) {
        if (strcmp(injections[i].function, function) == 0) {
            nvmlReturn_t code = injections[i].code;
            memmove(&injections[i], &injections[i + 1], (size_t) (injectionCount - i - 1) * sizeof injections[0]);
            injectionCount--;
            return code;
        }
    }
    return initCount > 0 ? NVML_SUCCESS : NVML_ERROR_UNINITIALIZED;
}

static Gpu *physicalGpu(nvmlDevice_t device) {
    for (int i = 0; i < GPU_COUNT; i++) {
        if (device == &gpus[i].handle) {
            return &gpus[i];
        }
    }
    return NULL;
}

/* The compute instance behind a live MIG device handle, else NULL. */
static struct nvmlComputeInstance_st *migCi(nvmlDevice_t device) {
    for (int i = 0; i < GPU_COUNT; i++) {
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            struct nvmlGpuInstance_st *gi = &gpus[i].gis[s];
            for (int c = 0; c < MAX_COMPUTE_INSTANCES; c++) {
                struct nvmlComputeInstance_st *ci = &gi->cis[c];
                if (gi->live && ci->live && device == &ci->migDevice) {
                    return ci;
                }
            }
        }
    }
    return NULL;
}

static struct nvmlGpuInstance_st *liveGi(nvmlGpuInstance_t handle) {
    for (int i = 0; i < GPU_COUNT; i++) {
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            if (handle == &gpus[i].gis[s] && handle->live) {
                return handle;
            }
        }
    }
    return NULL;
}

static struct nvmlComputeInstance_st *liveCi(nvmlComputeInstance_t handle) {
    for (int i = 0; i < GPU_COUNT; i++) {
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            struct nvmlGpuInstance_st *gi = &gpus[i].gis[s];
            for (int c = 0; c < MAX_COMPUTE_INSTANCES; c++) {
                if (handle == &gi->cis[c] && gi->live && handle->live) {
                    return handle;
                }
            }
        }
    }
    return NULL;
}

static const GiProfile *profileByConstant(unsigned int constant) {
    for (size_t p = 0; p < PROFILE_COUNT; p++) {
        if (A100_40GB_PROFILES[p].constant == constant) {
            return &A100_40GB_PROFILES[p];
        }
    }
    return NULL;
}

static const GiProfile *profileById(unsigned int id) {
    for (size_t p = 0; p < PROFILE_COUNT; p++) {
        if (A100_40GB_PROFILES[p].id == id) {
            return &A100_40GB_PROFILES[p];
        }
    }
    return NULL;
}

static int migEnabled(const Gpu *g) {
    return g->migCapable && g->migMode == NVML_DEVICE_MIG_ENABLE;
}

/* Looks up a GI profile by constant for a physical, MIG-enabled GPU. */
static nvmlReturn_t giProfileLookup(nvmlDevice_t device, unsigned int constant, const GiProfile **out) {
    Gpu *g = physicalGpu(device);
    if (g == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (constant >= GI_PROFILE_CONSTANT_END) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (!migEnabled(g)) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    *out = profileByConstant(constant);
    return *out == NULL ? NVML_ERROR_NOT_SUPPORTED : NVML_SUCCESS;
}

static unsigned long long occupiedMemory(const Gpu *g) {
    unsigned long long mask = 0;
    for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
        const struct nvmlGpuInstance_st *gi = &g->gis[s];
        if (gi->live) {
            mask |= ((1ull << gi->profile->memorySlices) - 1) << gi->start;
        }
    }
    return mask;
}

static nvmlReturn_t createGi(Gpu *g, unsigned int profileId, const nvmlGpuInstancePlacement_t *placement,
                             struct nvmlGpuInstance_st **out) {
    if (!g->migCapable) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    if (!migEnabled(g)) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    const GiProfile *profile = profileById(profileId);
    if (profile == NULL || placement == NULL || placement->size != profile->memorySlices) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    int allowed = 0;
    for (unsigned int i = 0; i < profile->startCount; i++) {
        allowed |= profile->starts[i] == placement->start;
    }
    if (!allowed) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    unsigned int sameProfile = 0;
    unsigned int computeUsed = 0;
    int freeSlot = -1;
    for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
        struct nvmlGpuInstance_st *gi = &g->gis[s];
        if (gi->live) {
            sameProfile += gi->profile == profile;
            computeUsed += gi->profile->sliceCount;
        } else if (freeSlot < 0) {
            freeSlot = s;
        }
    }
    unsigned long long wanted = ((1ull << profile->memorySlices) - 1) << placement->start;
    if ((occupiedMemory(g) & wanted) != 0 || sameProfile >= profile->instanceCount
        || computeUsed + profile->sliceCount > COMPUTE_SLICES || freeSlot < 0) {
        return NVML_ERROR_INSUFFICIENT_RESOURCES;
    }
    unsigned int id = 1;
    for (int taken = 1; taken;) {
        taken = 0;
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            if (g->gis[s].live && g->gis[s].id == id) {
                taken = 1;
                id++;
                break;
            }
        }
    }
    struct nvmlGpuInstance_st *gi = &g->gis[freeSlot];
    memset(gi->cis, 0, sizeof gi->cis);
    gi->live = 1;
    gi->id = id;
    gi->profile = profile;
    gi->start = placement->start;
    *out = gi;
    return NVML_SUCCESS;
}

static int ciSlicesOf(unsigned int constant) {
    return constant < CI_PROFILE_COUNT ? (int) CI_SLICES_BY_CONSTANT[constant] : -1;
}

/* Compute-slice occupancy of a GI, bit i set when compute slice i of the GI is used by a CI. */
static unsigned int computeOccupancy(const struct nvmlGpuInstance_st *gi) {
    unsigned int mask = 0;
    for (int c = 0; c < MAX_COMPUTE_INSTANCES; c++) {
        const struct nvmlComputeInstance_st *ci = &gi->cis[c];
        if (ci->live) {
            mask |= ((1u << CI_SLICES_BY_CONSTANT[ci->profileConstant]) - 1) << ci->start;
        }
    }
    return mask;
}

/* MIG UUIDs look like real ones (MIG-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) and are never reused. */
static void makeMigUuid(char *out, size_t size, int gpu, unsigned int gi, unsigned int ci) {
    unsigned long long x = ++migUuidSerial * 0x9e3779b97f4a7c15ull ^ ((unsigned long long) gpu << 48)
                           ^ ((unsigned long long) gi << 32) ^ ci;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 29;
    snprintf(out, size, "MIG-%08x-%04x-%04x-%04x-%012llx", (unsigned int) (x >> 32), (unsigned int) (x >> 16) & 0xffff,
             0x4000u | ((unsigned int) x & 0x0fff), 0x8000u | ((unsigned int) (migUuidSerial & 0x3fff)),
             (x * 0x94d049bb133111ebull) & 0xffffffffffffull);
}

static void describeDevice(nvmlDevice_t device, char *out, size_t size) {
    Gpu *g = physicalGpu(device);
    struct nvmlComputeInstance_st *ci = g == NULL ? migCi(device) : NULL;
    if (g != NULL) {
        snprintf(out, size, "gpu=%d", g->handle.gpu);
    } else if (ci != NULL) {
        snprintf(out, size, "mig=%s", ci->migUuid);
    } else {
        snprintf(out, size, "device=?");
    }
}

static void describeGi(nvmlGpuInstance_t handle, char *out, size_t size) {
    struct nvmlGpuInstance_st *gi = liveGi(handle);
    if (gi != NULL) {
        snprintf(out, size, "gpu=%d gi=%u", gi->gpu, gi->id);
    } else {
        snprintf(out, size, "gi=?");
    }
}

static void describeCi(nvmlComputeInstance_t handle, char *out, size_t size) {
    struct nvmlComputeInstance_st *ci = liveCi(handle);
    if (ci != NULL) {
        snprintf(out, size, "gpu=%d gi=%u ci=%u", ci->gi->gpu, ci->gi->id, ci->id);
    } else {
        snprintf(out, size, "ci=?");
    }
}

static void copyName(char *out, size_t size, const char *name) {
    snprintf(out, size, "%s", name);
}

static void ciProfileName(char *out, size_t size, const struct nvmlGpuInstance_st *gi, unsigned int slices) {
    if (slices == gi->profile->sliceCount) {
        copyName(out, size, gi->profile->name);
    } else {
        snprintf(out, size, "MIG %uc.%s", slices, gi->profile->name + 4);
    }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Initialization and errors
 * ------------------------------------------------------------------------------------------------------------ */

nvmlReturn_t nvmlInit_v2(void) {
    ensureSetUp();
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_ERROR_UNINITIALIZED) {
        rc = NVML_SUCCESS;
    }
    if (rc == NVML_SUCCESS) {
        initCount++;
    }
    return finish(__func__, "", rc);
}

nvmlReturn_t nvmlShutdown(void) {
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_SUCCESS) {
        initCount--;
    }
    return finish(__func__, "", rc);
}

const char *nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_IN_USE: return "In use by another client";
    case NVML_ERROR_INSUFFICIENT_RESOURCES: return "Insufficient Resources";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH: return "Version mismatch between the argument and the API";
    default: return "Unknown Error";
    }
}

/* ---------------------------------------------------------------------------------------------------------------
 * Devices
 * ------------------------------------------------------------------------------------------------------------ */

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) {
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_SUCCESS && deviceCount == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        *deviceCount = GPU_COUNT;
    }
    return finish(__func__, "", rc);
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    char args[32];
    snprintf(args, sizeof args, "index=%u", index);
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_SUCCESS && (index >= GPU_COUNT || device == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        *device = &gpus[index].handle;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device) {
    char args[96];
    snprintf(args, sizeof args, "%s", uuid == NULL ? "NULL" : uuid);
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_SUCCESS && (uuid == NULL || device == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        rc = NVML_ERROR_NOT_FOUND;
        for (int i = 0; i < GPU_COUNT && rc != NVML_SUCCESS; i++) {
            if (strcmp(gpus[i].uuid, uuid) == 0) {
                *device = &gpus[i].handle;
                rc = NVML_SUCCESS;
            }
            for (int s = 0; s < MAX_GPU_INSTANCES && rc != NVML_SUCCESS; s++) {
                struct nvmlGpuInstance_st *gi = &gpus[i].gis[s];
                for (int c = 0; c < MAX_COMPUTE_INSTANCES && gi->live && rc != NVML_SUCCESS; c++) {
                    if (gi->cis[c].live && strcmp(gi->cis[c].migUuid, uuid) == 0) {
                        *device = &gi->cis[c].migDevice;
                        rc = NVML_SUCCESS;
                    }
                }
            }
        }
    }
    return finish(__func__, args, rc);
}

static nvmlReturn_t copyOut(char *buffer, unsigned int length, const char *value) {
    if (buffer == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (strlen(value) + 1 > length) {
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    memcpy(buffer, value, strlen(value) + 1);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
    char args[80];
    describeDevice(device, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_SUCCESS) {
        Gpu *g = physicalGpu(device);
        struct nvmlComputeInstance_st *ci = g == NULL ? migCi(device) : NULL;
        rc = g != NULL ? copyOut(uuid, length, g->uuid)
             : ci != NULL ? copyOut(uuid, length, ci->migUuid)
             : NVML_ERROR_INVALID_ARGUMENT;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    char args[80];
    describeDevice(device, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_SUCCESS) {
        Gpu *g = physicalGpu(device);
        struct nvmlComputeInstance_st *ci = g == NULL ? migCi(device) : NULL;
        if (g != NULL) {
            rc = copyOut(name, length, g->name);
        } else if (ci != NULL) {
            char migName[NVML_DEVICE_NAME_V2_BUFFER_SIZE + 32];
            char ciName[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
            ciProfileName(ciName, sizeof ciName, ci->gi, CI_SLICES_BY_CONSTANT[ci->profileConstant]);
            snprintf(migName, sizeof migName, "%s %s", gpus[ci->gi->gpu].name, ciName);
            rc = copyOut(name, length, migName);
        } else {
            rc = NVML_ERROR_INVALID_ARGUMENT;
        }
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory) {
    char args[80];
    describeDevice(device, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    if (rc == NVML_SUCCESS) {
        Gpu *g = physicalGpu(device);
        struct nvmlComputeInstance_st *ci = g == NULL ? migCi(device) : NULL;
        if (memory == NULL || (g == NULL && ci == NULL)) {
            rc = NVML_ERROR_INVALID_ARGUMENT;
        } else {
            memory->total = g != NULL ? g->memoryBytes : ci->gi->profile->memoryMB << 20;
            memory->used = 0;
            memory->free = memory->total;
        }
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode) {
    char args[80];
    describeDevice(device, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    Gpu *g = physicalGpu(device);
    if (rc == NVML_SUCCESS && (g == NULL || currentMode == NULL || pendingMode == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && !g->migCapable) {
        rc = NVML_ERROR_NOT_SUPPORTED;
    }
    if (rc == NVML_SUCCESS) {
        *currentMode = g->migMode;
        *pendingMode = g->migMode;
    }
    return finish(__func__, args, rc);
}

/* ---------------------------------------------------------------------------------------------------------------
 * GPU-instance profiles and placements
 * ------------------------------------------------------------------------------------------------------------ */

nvmlReturn_t nvmlDeviceGetGpuInstanceProfileInfo(nvmlDevice_t device, unsigned int profile,
                                                 nvmlGpuInstanceProfileInfo_t *info) {
    char args[80];
    describeDevice(device, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profile=%u", profile);
    nvmlReturn_t rc = precheck(__func__);
    const GiProfile *p = NULL;
    if (rc == NVML_SUCCESS) {
        rc = info == NULL ? NVML_ERROR_INVALID_ARGUMENT : giProfileLookup(device, profile, &p);
    }
    if (rc == NVML_SUCCESS) {
        memset(info, 0, sizeof *info);
        info->id = p->id;
        info->sliceCount = p->sliceCount;
        info->instanceCount = p->instanceCount;
        info->multiprocessorCount = p->multiprocessors;
        info->copyEngineCount = p->copyEngines;
        info->decoderCount = p->decoders;
        info->jpegCount = p->jpegs;
        info->ofaCount = p->ofas;
        info->memorySizeMB = p->memoryMB;
    }
    return finish(__func__, args, rc);
}

#ifndef FAKE_NVML_WITHOUT_PROFILE_INFO_V
nvmlReturn_t nvmlDeviceGetGpuInstanceProfileInfoV(nvmlDevice_t device, unsigned int profile,
                                                  nvmlGpuInstanceProfileInfo_v2_t *info) {
    char args[96];
    describeDevice(device, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profile=%u version=0x%08x", profile,
             info == NULL ? 0u : info->version);
    nvmlReturn_t rc = precheck(__func__);
    const GiProfile *p = NULL;
    if (rc == NVML_SUCCESS && info == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && info->version != GI_PROFILE_INFO_V2 && info->version != GI_PROFILE_INFO_V3) {
        rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    if (rc == NVML_SUCCESS) {
        rc = giProfileLookup(device, profile, &p);
    }
    if (rc == NVML_SUCCESS && info->version == GI_PROFILE_INFO_V2) {
        memset(info, 0, sizeof *info);
        info->version = GI_PROFILE_INFO_V2;
        info->id = p->id;
        info->sliceCount = p->sliceCount;
        info->instanceCount = p->instanceCount;
        info->multiprocessorCount = p->multiprocessors;
        info->copyEngineCount = p->copyEngines;
        info->decoderCount = p->decoders;
        info->jpegCount = p->jpegs;
        info->ofaCount = p->ofas;
        info->memorySizeMB = p->memoryMB;
        copyName(info->name, sizeof info->name, p->name);
    } else if (rc == NVML_SUCCESS) {
        nvmlGpuInstanceProfileInfo_v3_t *v3 = (nvmlGpuInstanceProfileInfo_v3_t *) info;
        memset(v3, 0, sizeof *v3);
        v3->version = GI_PROFILE_INFO_V3;
        v3->id = p->id;
        v3->sliceCount = p->sliceCount;
        v3->instanceCount = p->instanceCount;
        v3->multiprocessorCount = p->multiprocessors;
        v3->copyEngineCount = p->copyEngines;
        v3->decoderCount = p->decoders;
        v3->jpegCount = p->jpegs;
        v3->ofaCount = p->ofas;
        v3->memorySizeMB = p->memoryMB;
        copyName(v3->name, sizeof v3->name, p->name);
    }
    return finish(__func__, args, rc);
}
#endif

nvmlReturn_t nvmlDeviceGetGpuInstancePossiblePlacements_v2(nvmlDevice_t device, unsigned int profileId,
                                                           nvmlGpuInstancePlacement_t *placements,
                                                           unsigned int *count) {
    char args[80];
    describeDevice(device, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profileId=%u%s", profileId,
             placements == NULL ? " placements=NULL" : "");
    nvmlReturn_t rc = precheck(__func__);
    Gpu *g = physicalGpu(device);
    const GiProfile *p = profileById(profileId);
    if (rc == NVML_SUCCESS && (g == NULL || count == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    /* Answers whether MIG is enabled or not, as the 13.3 header says; only a GPU without MIG has no placements. */
    if (rc == NVML_SUCCESS && !g->migCapable) {
        rc = NVML_ERROR_NOT_SUPPORTED;
    }
    if (rc == NVML_SUCCESS && p == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && placements != NULL) {
        if (*count < p->startCount) {
            rc = NVML_ERROR_INSUFFICIENT_SIZE;
        } else {
            for (unsigned int i = 0; i < p->startCount; i++) {
                placements[i].start = p->starts[i];
                placements[i].size = p->memorySlices;
            }
        }
    }
    if (rc == NVML_SUCCESS) {
        *count = p->startCount;
    }
    return finish(__func__, args, rc);
}

/* ---------------------------------------------------------------------------------------------------------------
 * GPU instances
 * ------------------------------------------------------------------------------------------------------------ */

nvmlReturn_t nvmlDeviceCreateGpuInstanceWithPlacement(nvmlDevice_t device, unsigned int profileId,
                                                      const nvmlGpuInstancePlacement_t *placement,
                                                      nvmlGpuInstance_t *gpuInstance) {
    char args[96];
    describeDevice(device, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profileId=%u start=%d size=%d", profileId,
             placement == NULL ? -1 : (int) placement->start, placement == NULL ? -1 : (int) placement->size);
    nvmlReturn_t rc = precheck(__func__);
    Gpu *g = physicalGpu(device);
    if (rc == NVML_SUCCESS && (g == NULL || gpuInstance == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        struct nvmlGpuInstance_st *gi = NULL;
        rc = createGi(g, profileId, placement, &gi);
        if (rc == NVML_SUCCESS) {
            *gpuInstance = gi;
            snprintf(args + strlen(args), sizeof args - strlen(args), " -> gi=%u", gi->id);
        }
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlGpuInstanceDestroy(nvmlGpuInstance_t gpuInstance) {
    char args[64];
    describeGi(gpuInstance, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlGpuInstance_st *gi = liveGi(gpuInstance);
    if (rc == NVML_SUCCESS && gi == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        for (int c = 0; c < MAX_COMPUTE_INSTANCES; c++) {
            if (gi->cis[c].live) {
                rc = NVML_ERROR_IN_USE;
            }
        }
    }
    if (rc == NVML_SUCCESS) {
        gi->live = 0;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstances(nvmlDevice_t device, unsigned int profileId, nvmlGpuInstance_t *gpuInstances,
                                       unsigned int *count) {
    char args[64];
    describeDevice(device, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profileId=%u", profileId);
    nvmlReturn_t rc = precheck(__func__);
    Gpu *g = physicalGpu(device);
    if (rc == NVML_SUCCESS && (g == NULL || gpuInstances == NULL || count == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && !migEnabled(g)) {
        rc = NVML_ERROR_NOT_SUPPORTED;
    }
    if (rc == NVML_SUCCESS && profileById(profileId) == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        unsigned int n = 0;
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            if (g->gis[s].live && g->gis[s].profile->id == profileId) {
                gpuInstances[n++] = &g->gis[s];
            }
        }
        *count = n;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstanceById(nvmlDevice_t device, unsigned int id, nvmlGpuInstance_t *gpuInstance) {
    char args[64];
    describeDevice(device, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " id=%u", id);
    nvmlReturn_t rc = precheck(__func__);
    Gpu *g = physicalGpu(device);
    if (rc == NVML_SUCCESS && (g == NULL || gpuInstance == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && !migEnabled(g)) {
        rc = NVML_ERROR_NOT_SUPPORTED;
    }
    if (rc == NVML_SUCCESS) {
        rc = NVML_ERROR_NOT_FOUND;
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            if (g->gis[s].live && g->gis[s].id == id) {
                *gpuInstance = &g->gis[s];
                rc = NVML_SUCCESS;
            }
        }
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlGpuInstanceGetInfo(nvmlGpuInstance_t gpuInstance, nvmlGpuInstanceInfo_t *info) {
    char args[64];
    describeGi(gpuInstance, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlGpuInstance_st *gi = liveGi(gpuInstance);
    if (rc == NVML_SUCCESS && (gi == NULL || info == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        info->device = &gpus[gi->gpu].handle;
        info->id = gi->id;
        info->profileId = gi->profile->id;
        info->placement.start = gi->start;
        info->placement.size = gi->profile->memorySlices;
    }
    return finish(__func__, args, rc);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Compute instances
 * ------------------------------------------------------------------------------------------------------------ */

/* Checks a CI profile constant against a GI: unknown → INVALID_ARGUMENT, known but not in this GI → NOT_SUPPORTED. */
static nvmlReturn_t ciProfileLookup(struct nvmlGpuInstance_st *gi, unsigned int profile, unsigned int engProfile,
                                    unsigned int *slices) {
    if (gi == NULL || profile >= CI_PROFILE_CONSTANT_END || engProfile != NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    int s = ciSlicesOf(profile);
    if (s < 0 || (unsigned int) s > gi->profile->sliceCount) {
        return NVML_ERROR_NOT_SUPPORTED;
    }
    *slices = (unsigned int) s;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceProfileInfo(nvmlGpuInstance_t gpuInstance, unsigned int profile,
                                                          unsigned int engProfile,
                                                          nvmlComputeInstanceProfileInfo_t *info) {
    char args[80];
    describeGi(gpuInstance, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profile=%u", profile);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlGpuInstance_st *gi = liveGi(gpuInstance);
    unsigned int slices = 0;
    if (rc == NVML_SUCCESS) {
        rc = info == NULL ? NVML_ERROR_INVALID_ARGUMENT : ciProfileLookup(gi, profile, engProfile, &slices);
    }
    if (rc == NVML_SUCCESS) {
        memset(info, 0, sizeof *info);
        info->id = profile;
        info->sliceCount = slices;
        info->instanceCount = gi->profile->sliceCount / slices;
        info->multiprocessorCount = 14 * slices;
        info->sharedCopyEngineCount = gi->profile->copyEngines;
        info->sharedDecoderCount = gi->profile->decoders;
        info->sharedJpegCount = gi->profile->jpegs;
        info->sharedOfaCount = gi->profile->ofas;
    }
    return finish(__func__, args, rc);
}

#ifndef FAKE_NVML_WITHOUT_PROFILE_INFO_V
nvmlReturn_t nvmlGpuInstanceGetComputeInstanceProfileInfoV(nvmlGpuInstance_t gpuInstance, unsigned int profile,
                                                           unsigned int engProfile,
                                                           nvmlComputeInstanceProfileInfo_v2_t *info) {
    char args[96];
    describeGi(gpuInstance, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profile=%u version=0x%08x", profile,
             info == NULL ? 0u : info->version);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlGpuInstance_st *gi = liveGi(gpuInstance);
    unsigned int slices = 0;
    if (rc == NVML_SUCCESS && info == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && info->version != CI_PROFILE_INFO_V2 && info->version != CI_PROFILE_INFO_V3) {
        rc = NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    }
    if (rc == NVML_SUCCESS) {
        rc = ciProfileLookup(gi, profile, engProfile, &slices);
    }
    if (rc == NVML_SUCCESS) {
        /* v3 only appends capabilities (0 here), so filling the v2 part serves both. */
        unsigned int version = info->version;
        if (version == CI_PROFILE_INFO_V3) {
            ((nvmlComputeInstanceProfileInfo_v3_t *) info)->capabilities = 0;
        }
        memset(info, 0, sizeof *info);
        info->version = version;
        info->id = profile;
        info->sliceCount = slices;
        info->instanceCount = gi->profile->sliceCount / slices;
        info->multiprocessorCount = 14 * slices;
        info->sharedCopyEngineCount = gi->profile->copyEngines;
        info->sharedDecoderCount = gi->profile->decoders;
        info->sharedJpegCount = gi->profile->jpegs;
        info->sharedOfaCount = gi->profile->ofas;
        ciProfileName(info->name, sizeof info->name, gi, slices);
    }
    return finish(__func__, args, rc);
}
#endif

nvmlReturn_t nvmlGpuInstanceCreateComputeInstance(nvmlGpuInstance_t gpuInstance, unsigned int profileId,
                                                  nvmlComputeInstance_t *computeInstance) {
    char args[96];
    describeGi(gpuInstance, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profileId=%u", profileId);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlGpuInstance_st *gi = liveGi(gpuInstance);
    unsigned int slices = 0;
    if (rc == NVML_SUCCESS) {
        /* CI profile ids equal the constants on every known GPU, so the lookup by constant serves for ids. */
        rc = computeInstance == NULL ? NVML_ERROR_INVALID_ARGUMENT
             : ciProfileLookup(gi, profileId, NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED, &slices);
    }
    if (rc == NVML_SUCCESS) {
        Gpu *g = &gpus[gi->gpu];
        unsigned int occupied = computeOccupancy(gi);
        unsigned int want = (1u << slices) - 1;
        int start = -1;
        for (unsigned int s = 0; s + slices <= gi->profile->sliceCount && start < 0; s += slices) {
            if ((occupied & (want << s)) == 0) {
                start = (int) s;
            }
        }
        int slot = -1;
        for (int c = 0; c < MAX_COMPUTE_INSTANCES && slot < 0; c++) {
            if (!gi->cis[c].live) {
                slot = c;
            }
        }
        if (start < 0 || slot < 0) {
            rc = NVML_ERROR_INSUFFICIENT_RESOURCES;
        } else {
            unsigned int id = 0;
            for (int taken = 1; taken;) {
                taken = 0;
                for (int c = 0; c < MAX_COMPUTE_INSTANCES; c++) {
                    if (gi->cis[c].live && gi->cis[c].id == id) {
                        taken = 1;
                        id++;
                        break;
                    }
                }
            }
            /* A MIG device index stays with its CI until the CI goes, so indices can have holes. */
            unsigned int migIndex = 0;
            for (int taken = 1; taken;) {
                taken = 0;
                for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
                    for (int c = 0; c < MAX_COMPUTE_INSTANCES && g->gis[s].live; c++) {
                        if (g->gis[s].cis[c].live && g->gis[s].cis[c].migIndex == migIndex) {
                            taken = 1;
                        }
                    }
                }
                migIndex += taken ? 1u : 0u;
            }
            struct nvmlComputeInstance_st *ci = &gi->cis[slot];
            memset(ci, 0, sizeof *ci);
            ci->magic = HANDLE_MAGIC;
            ci->live = 1;
            ci->gi = gi;
            ci->id = id;
            ci->profileConstant = profileId;
            ci->start = (unsigned int) start;
            ci->migIndex = migIndex;
            makeMigUuid(ci->migUuid, sizeof ci->migUuid, gi->gpu, gi->id, id);
            ci->migDevice.magic = HANDLE_MAGIC;
            ci->migDevice.gpu = gi->gpu;
            ci->migDevice.ci = ci;
            *computeInstance = ci;
            snprintf(args + strlen(args), sizeof args - strlen(args), " -> ci=%u", id);
        }
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlComputeInstanceDestroy(nvmlComputeInstance_t computeInstance) {
    char args[64];
    describeCi(computeInstance, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlComputeInstance_st *ci = liveCi(computeInstance);
    if (rc == NVML_SUCCESS && ci == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        ci->live = 0;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstances(nvmlGpuInstance_t gpuInstance, unsigned int profileId,
                                                nvmlComputeInstance_t *computeInstances, unsigned int *count) {
    char args[80];
    describeGi(gpuInstance, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " profileId=%u", profileId);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlGpuInstance_st *gi = liveGi(gpuInstance);
    if (rc == NVML_SUCCESS && (gi == NULL || computeInstances == NULL || count == NULL
                               || profileId >= CI_PROFILE_CONSTANT_END)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        unsigned int n = 0;
        for (int c = 0; c < MAX_COMPUTE_INSTANCES; c++) {
            if (gi->cis[c].live && gi->cis[c].profileConstant == profileId) {
                computeInstances[n++] = &gi->cis[c];
            }
        }
        *count = n;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlGpuInstanceGetComputeInstanceById(nvmlGpuInstance_t gpuInstance, unsigned int id,
                                                   nvmlComputeInstance_t *computeInstance) {
    char args[80];
    describeGi(gpuInstance, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " id=%u", id);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlGpuInstance_st *gi = liveGi(gpuInstance);
    if (rc == NVML_SUCCESS && (gi == NULL || computeInstance == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        rc = NVML_ERROR_NOT_FOUND;
        for (int c = 0; c < MAX_COMPUTE_INSTANCES; c++) {
            if (gi->cis[c].live && gi->cis[c].id == id) {
                *computeInstance = &gi->cis[c];
                rc = NVML_SUCCESS;
            }
        }
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlComputeInstanceGetInfo_v2(nvmlComputeInstance_t computeInstance, nvmlComputeInstanceInfo_t *info) {
    char args[64];
    describeCi(computeInstance, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlComputeInstance_st *ci = liveCi(computeInstance);
    if (rc == NVML_SUCCESS && (ci == NULL || info == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        /* The header calls `device` the parent device; NVIDIA's DRA driver treats it as the MIG device. Both
         * readings can be emulated (fake_nvml_ci_info_device_is_mig) so the binding is tested against either. */
        info->device = ciInfoDeviceIsMig ? &ci->migDevice : &gpus[ci->gi->gpu].handle;
        info->gpuInstance = ci->gi;
        info->id = ci->id;
        info->profileId = ci->profileConstant;
        info->placement.start = ci->start;
        info->placement.size = CI_SLICES_BY_CONSTANT[ci->profileConstant];
    }
    return finish(__func__, args, rc);
}

/* ---------------------------------------------------------------------------------------------------------------
 * MIG device handles
 * ------------------------------------------------------------------------------------------------------------ */

nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *isMigDevice) {
    char args[80];
    describeDevice(device, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    int physical = physicalGpu(device) != NULL;
    int mig = !physical && migCi(device) != NULL;
    if (rc == NVML_SUCCESS && (isMigDevice == NULL || (!physical && !mig))) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        *isMigDevice = (unsigned int) mig;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count) {
    char args[80];
    describeDevice(device, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    Gpu *g = physicalGpu(device);
    if (rc == NVML_SUCCESS && (g == NULL || count == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        *count = migEnabled(g) ? COMPUTE_SLICES : 0;
    }
    return finish(__func__, args, rc);
}

nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index, nvmlDevice_t *migDevice) {
    char args[80];
    describeDevice(device, args, sizeof args);
    snprintf(args + strlen(args), sizeof args - strlen(args), " index=%u", index);
    nvmlReturn_t rc = precheck(__func__);
    Gpu *g = physicalGpu(device);
    if (rc == NVML_SUCCESS && (g == NULL || migDevice == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && !migEnabled(g)) {
        rc = NVML_ERROR_NOT_SUPPORTED;
    }
    if (rc == NVML_SUCCESS && index >= COMPUTE_SLICES) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        rc = NVML_ERROR_NOT_FOUND;
        for (int s = 0; s < MAX_GPU_INSTANCES; s++) {
            for (int c = 0; c < MAX_COMPUTE_INSTANCES && g->gis[s].live; c++) {
                if (g->gis[s].cis[c].live && g->gis[s].cis[c].migIndex == index) {
                    *migDevice = &g->gis[s].cis[c].migDevice;
                    rc = NVML_SUCCESS;
                }
            }
        }
    }
    return finish(__func__, args, rc);
}

static nvmlReturn_t migAttribute(const char *function, nvmlDevice_t device, unsigned int *out, int wantCi) {
    char args[80];
    describeDevice(device, args, sizeof args);
    nvmlReturn_t rc = precheck(function);
    struct nvmlComputeInstance_st *ci = physicalGpu(device) == NULL ? migCi(device) : NULL;
    if (rc == NVML_SUCCESS && out == NULL) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS && ci == NULL) {
        rc = physicalGpu(device) != NULL ? NVML_ERROR_NOT_SUPPORTED : NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        *out = wantCi ? ci->id : ci->gi->id;
    }
    return finish(function, args, rc);
}

nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int *id) {
    return migAttribute(__func__, device, id, 0);
}

nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int *id) {
    return migAttribute(__func__, device, id, 1);
}

nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice, nvmlDevice_t *device) {
    char args[80];
    describeDevice(migDevice, args, sizeof args);
    nvmlReturn_t rc = precheck(__func__);
    struct nvmlComputeInstance_st *ci = physicalGpu(migDevice) == NULL ? migCi(migDevice) : NULL;
    if (rc == NVML_SUCCESS && (ci == NULL || device == NULL)) {
        rc = NVML_ERROR_INVALID_ARGUMENT;
    }
    if (rc == NVML_SUCCESS) {
        *device = &gpus[ci->gi->gpu].handle;
    }
    return finish(__func__, args, rc);
}

/* ---------------------------------------------------------------------------------------------------------------
 * Test controls
 * ------------------------------------------------------------------------------------------------------------ */

/* Back to power-on: no instances, MIG enabled on the A100s, not initialized, no injections, empty log. */
void fake_nvml_reset(void) {
    setup();
    setUp = 1;
}

/* The next call of `function` (an exported NVML name) returns `code` and does nothing else. */
int fake_nvml_fail_next(const char *function, int code) {
    ensureSetUp();
    if (function == NULL || injectionCount >= MAX_INJECTIONS || strlen(function) >= sizeof injections[0].function) {
        return -1;
    }
    snprintf(injections[injectionCount].function, sizeof injections[0].function, "%s", function);
    injections[injectionCount].code = (nvmlReturn_t) code;
    injectionCount++;
    return 0;
}

/* Every NVML call since the last reset or clear, one per line: "name(arguments) = code". */
const char *fake_nvml_call_log(void) {
    ensureSetUp();
    return callLog;
}

void fake_nvml_clear_call_log(void) {
    ensureSetUp();
    callLogLength = 0;
    callLog[0] = '\0';
}

/* Sets the current MIG mode of a MIG-capable GPU (0 disabled, 1 enabled); -1 for a GPU without MIG. */
int fake_nvml_set_mig_mode(int gpu, unsigned int mode) {
    ensureSetUp();
    if (gpu < 0 || gpu >= GPU_COUNT || !gpus[gpu].migCapable) {
        return -1;
    }
    gpus[gpu].migMode = mode;
    return 0;
}

/* Whether nvmlComputeInstanceGetInfo_v2 reports the MIG device (1) or the parent GPU (0, default) as `device`. */
void fake_nvml_ci_info_device_is_mig(int isMig) {
    ensureSetUp();
    ciInfoDeviceIsMig = isMig;
}

/* A GPU instance without a compute instance, as a crash between the two creations leaves one. Returns its id, or
 * minus the NVML error code. Works whether or not nvmlInit_v2 was called, and is not logged. */
int fake_nvml_make_gpu_instance(int gpu, unsigned int profileId, unsigned int start) {
    ensureSetUp();
    if (gpu < 0 || gpu >= GPU_COUNT) {
        return -(int) NVML_ERROR_INVALID_ARGUMENT;
    }
    const GiProfile *p = profileById(profileId);
    nvmlGpuInstancePlacement_t placement = {start, p == NULL ? 0 : p->memorySlices};
    struct nvmlGpuInstance_st *gi = NULL;
    nvmlReturn_t rc = createGi(&gpus[gpu], profileId, &placement, &gi);
    return rc == NVML_SUCCESS ? (int) gi->id : -(int) rc;
}

int fake_nvml_gpu_instance_count(int gpu) {
    ensureSetUp();
    int n = 0;
    for (int s = 0; gpu >= 0 && gpu < GPU_COUNT && s < MAX_GPU_INSTANCES; s++) {
        n += gpus[gpu].gis[s].live;
    }
    return n;
}

int fake_nvml_compute_instance_count(int gpu) {
    ensureSetUp();
    int n = 0;
    for (int s = 0; gpu >= 0 && gpu < GPU_COUNT && s < MAX_GPU_INSTANCES; s++) {
        for (int c = 0; c < MAX_COMPUTE_INSTANCES && gpus[gpu].gis[s].live; c++) {
            n += gpus[gpu].gis[s].cis[c].live;
        }
    }
    return n;
}

/* How many nvmlInit_v2 calls are not yet matched by nvmlShutdown. */
int fake_nvml_init_count(void) {
    ensureSetUp();
    return initCount;
}

/* Struct layout as this compiler lays out the nvml.h declarations: sizeof when field is NULL, else offsetof. */
#define LAYOUT_SIZE(type) {#type, NULL, sizeof(type)}
#define LAYOUT_FIELD(type, field) {#type, #field, offsetof(type, field)}

static const struct {
    const char *type;
    const char *field;
    size_t value;
} LAYOUT[] = {
    LAYOUT_SIZE(nvmlMemory_t),
    LAYOUT_FIELD(nvmlMemory_t, total),
    LAYOUT_FIELD(nvmlMemory_t, free),
    LAYOUT_FIELD(nvmlMemory_t, used),

    LAYOUT_SIZE(nvmlGpuInstancePlacement_t),
    LAYOUT_FIELD(nvmlGpuInstancePlacement_t, start),
    LAYOUT_FIELD(nvmlGpuInstancePlacement_t, size),

    LAYOUT_SIZE(nvmlGpuInstanceProfileInfo_t),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, id),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, isP2pSupported),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, sliceCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, instanceCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, multiprocessorCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, copyEngineCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, decoderCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, encoderCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, jpegCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, ofaCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_t, memorySizeMB),

    LAYOUT_SIZE(nvmlGpuInstanceProfileInfo_v2_t),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, version),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, id),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, isP2pSupported),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, sliceCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, instanceCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, multiprocessorCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, copyEngineCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, decoderCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, encoderCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, jpegCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, ofaCount),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, memorySizeMB),
    LAYOUT_FIELD(nvmlGpuInstanceProfileInfo_v2_t, name),

    LAYOUT_SIZE(nvmlGpuInstanceInfo_t),
    LAYOUT_FIELD(nvmlGpuInstanceInfo_t, device),
    LAYOUT_FIELD(nvmlGpuInstanceInfo_t, id),
    LAYOUT_FIELD(nvmlGpuInstanceInfo_t, profileId),
    LAYOUT_FIELD(nvmlGpuInstanceInfo_t, placement),

    LAYOUT_SIZE(nvmlComputeInstancePlacement_t),
    LAYOUT_FIELD(nvmlComputeInstancePlacement_t, start),
    LAYOUT_FIELD(nvmlComputeInstancePlacement_t, size),

    LAYOUT_SIZE(nvmlComputeInstanceProfileInfo_t),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, id),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, sliceCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, instanceCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, multiprocessorCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, sharedCopyEngineCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, sharedDecoderCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, sharedEncoderCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, sharedJpegCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_t, sharedOfaCount),

    LAYOUT_SIZE(nvmlComputeInstanceProfileInfo_v2_t),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, version),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, id),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, sliceCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, instanceCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, multiprocessorCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, sharedCopyEngineCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, sharedDecoderCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, sharedEncoderCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, sharedJpegCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, sharedOfaCount),
    LAYOUT_FIELD(nvmlComputeInstanceProfileInfo_v2_t, name),

    LAYOUT_SIZE(nvmlComputeInstanceInfo_t),
    LAYOUT_FIELD(nvmlComputeInstanceInfo_t, device),
    LAYOUT_FIELD(nvmlComputeInstanceInfo_t, gpuInstance),
    LAYOUT_FIELD(nvmlComputeInstanceInfo_t, id),
    LAYOUT_FIELD(nvmlComputeInstanceInfo_t, profileId),
    LAYOUT_FIELD(nvmlComputeInstanceInfo_t, placement),
};

/* sizeof(type) when field is NULL, offsetof(type, field) otherwise; -1 when this file does not declare it. */
long fake_nvml_layout(const char *type, const char *field) {
    for (size_t i = 0; type != NULL && i < sizeof LAYOUT / sizeof LAYOUT[0]; i++) {
        int sameField = field == NULL ? LAYOUT[i].field == NULL
                                      : LAYOUT[i].field != NULL && strcmp(LAYOUT[i].field, field) == 0;
        if (strcmp(LAYOUT[i].type, type) == 0 && sameField) {
            return (long) LAYOUT[i].value;
        }
    }
    return -1;
}

/* NVML_STRUCT_VERSION of the versioned structs, as nvml.h computes it with this compiler. */
unsigned int fake_nvml_struct_version(const char *type) {
    if (type == NULL) {
        return 0;
    }
    if (strcmp(type, "nvmlGpuInstanceProfileInfo_v2_t") == 0) {
        return GI_PROFILE_INFO_V2;
    }
    if (strcmp(type, "nvmlComputeInstanceProfileInfo_v2_t") == 0) {
        return CI_PROFILE_INFO_V2;
    }
    return 0;
}
