package com.redhat.das.node.backend.nvml;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.api.v1alpha1.MigPlacement;
import com.redhat.das.node.backend.GpuBackend;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.backend.NvmlReturn;
import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstanceHandle;
import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstanceInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstanceProfileInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.ComputeInstanceProfileInfoV2;
import com.redhat.das.node.backend.nvml.NvmlLibrary.DeviceHandle;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceHandle;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstancePlacement;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceProfileInfo;
import com.redhat.das.node.backend.nvml.NvmlLibrary.GpuInstanceProfileInfoV2;
import com.redhat.das.node.backend.nvml.NvmlLibrary.MemoryInfo;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.NativeLibrary;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GpuBackend} on real GPUs through NVML ({@code libnvidia-ml.so.1}, bound with JNA).
 *
 * <p>Where the library comes from: {@link #open()} takes an explicit path from the system property
 * {@value #LIBRARY_PROPERTY}, else from the environment variable {@value #LIBRARY_ENV}, else loads the soname
 * {@value #DEFAULT_LIBRARY} (JNA looks in {@code jna.library.path} and the system library directories, then hands
 * the name to the dynamic linker, which also honours {@code LD_LIBRARY_PATH} and {@code ld.so.cache}).
 * {@code libnvidia-ml.so} without the {@code .1} is a development symlink that driver-only hosts often lack, so it is
 * never asked for.
 *
 * <p>Everything the profiles need is read from NVML at runtime (profile ids, placements, counts, names); the bundled
 * catalog only supplies the model name, and profile names when an old driver reports none.
 *
 * <p>All NVML calls go through one lock: NVML itself is thread-safe, but a {@link #slices()} running while
 * {@link #create} is between its GPU-instance and compute-instance calls would see a half-made slice and could have
 * reconciliation remove it.
 */
public final class NvmlBackend implements GpuBackend {

    /** System property naming the NVML library file; wins over {@link #LIBRARY_ENV}. */
    public static final String LIBRARY_PROPERTY = "das.nvml.library";
    /** Environment variable naming the NVML library file. */
    public static final String LIBRARY_ENV = "DAS_NVML_LIBRARY";
    /** The soname loaded when nothing else is configured. */
    public static final String DEFAULT_LIBRARY = "libnvidia-ml.so.1";

    private static final Logger LOG = LoggerFactory.getLogger(NvmlBackend.class);

    /** {@code NVML_COMPUTE_INSTANCE_PROFILE_<n>_SLICE} for n compute slices (index n); -1 where none exists. */
    private static final int[] CI_PROFILE_BY_SLICES = {-1, 0, 1, 2, 3, -1, 6, 4, 5};
    /**
     * A guard only, not the profile count: enumeration stops at NVML's INVALID_ARGUMENT (13.3 knows 0x12 GPU-instance
     * and 9 compute-instance constants); this keeps a misbehaving library from looping forever.
     */
    private static final int PROFILE_CONSTANT_GUARD = 256;
    private static final long MIB = 1024L * 1024L;

    private final NvmlLibrary nvml;
    private final String library;
    private final boolean profileInfoV;
    private final boolean computeProfileInfoV;
    private final Object lock = new Object();
    private boolean closed;

    private NvmlBackend(NvmlLibrary nvml, String library, boolean profileInfoV, boolean computeProfileInfoV) {
        this.nvml = nvml;
        this.library = library;
        this.profileInfoV = profileInfoV;
        this.computeProfileInfoV = computeProfileInfoV;
    }

    /**
     * Loads NVML from {@value #LIBRARY_PROPERTY}, else {@value #LIBRARY_ENV}, else the soname {@value #DEFAULT_LIBRARY},
     * and initializes it.
     *
     * @throws IllegalStateException when the library cannot be loaded (the message names what was tried), lacks
     *                               functions DAS needs, or {@code nvmlInit_v2} fails
     */
    public static NvmlBackend open() {
        String property = System.getProperty(LIBRARY_PROPERTY);
        if (property != null && !property.isBlank()) {
            return open(property.trim(), "from system property " + LIBRARY_PROPERTY);
        }
        String env = System.getenv(LIBRARY_ENV);
        if (env != null && !env.isBlank()) {
            return open(env.trim(), "from environment variable " + LIBRARY_ENV);
        }
        return open(DEFAULT_LIBRARY, "the default soname, searched like the dynamic linker does");
    }

    /**
     * Loads NVML from {@code library} (a path, or a soname for the dynamic linker to find) and initializes it.
     *
     * @throws IllegalStateException as {@link #open()}
     */
    public static NvmlBackend open(String library) {
        return open(library, "given explicitly");
    }

    private static NvmlBackend open(String library, String origin) {
        NativeLibrary nativeLibrary;
        try {
            nativeLibrary = NativeLibrary.getInstance(library);
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("NVML library not found: tried '" + library + "' (" + origin + "). Install"
                    + " the NVIDIA driver, or set system property " + LIBRARY_PROPERTY + " or environment variable "
                    + LIBRARY_ENV + " to the path of " + DEFAULT_LIBRARY + ". Loader said: "
                    + firstLine(e.getMessage()), e);
        }
        List<String> missing = new ArrayList<>();
        for (String function : requiredFunctions()) {
            if (!exports(nativeLibrary, function)) {
                missing.add(function);
            }
        }
        boolean profileInfoV = exports(nativeLibrary, "nvmlDeviceGetGpuInstanceProfileInfoV");
        boolean computeProfileInfoV = exports(nativeLibrary, "nvmlGpuInstanceGetComputeInstanceProfileInfoV");
        if (!missing.isEmpty()) {
            throw new IllegalStateException("'" + library + "' (" + origin + ", loaded from "
                    + nativeLibrary.getFile() + ") is not a usable NVML: it does not export " + missing
                    + ". MIG management needs NVIDIA driver R470 or later.");
        }
        NvmlLibrary nvml = Native.load(library, NvmlLibrary.class);
        int rc = nvml.nvmlInit_v2();
        if (rc != 0) {
            throw new IllegalStateException("nvmlInit_v2 failed for '" + library + "' (" + origin + "): "
                    + nvml.nvmlErrorString(rc) + " (" + NvmlReturn.of(rc).cName() + ")");
        }
        if (!profileInfoV || !computeProfileInfoV) {
            LOG.warn("{} lacks the ...ProfileInfoV functions (driver before R515): using the v1 profile-info calls,"
                    + " profile names come from the DAS catalog", library);
        }
        LOG.info("NVML loaded from {} ({})", nativeLibrary.getFile(), origin);
        return new NvmlBackend(nvml, library, profileInfoV, computeProfileInfoV);
    }

    private static List<String> requiredFunctions() {
        return Arrays.stream(NvmlLibrary.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() == NvmlLibrary.class)
                .map(Method::getName)
                .filter(name -> !NvmlLibrary.OPTIONAL_FUNCTIONS.contains(name))
                .sorted()
                .toList();
    }

    private static boolean exports(NativeLibrary library, String function) {
        try {
            library.getFunction(function);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public String kind() {
        return "nvml";
    }

    /** What was loaded: the path or soname given to {@link #open(String)} or found by {@link #open()}. */
    public String library() {
        return library;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            int rc = nvml.nvmlShutdown();
            if (rc != 0) {
                LOG.warn("nvmlShutdown failed: {} ({})", nvml.nvmlErrorString(rc), NvmlReturn.of(rc).cName());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ devices()

    @Override
    public List<GpuInventory> devices() throws GpuBackendException {
        synchronized (lock) {
            ensureOpen();
            List<GpuInventory> out = new ArrayList<>();
            int count = deviceCount();
            for (int index = 0; index < count; index++) {
                DeviceHandle device = handleByIndex(index);
                String uuid = uuid(device);
                String productName = name(device);
                if (!migEnabled(device, index, uuid, productName)) {
                    continue;
                }
                out.add(inventory(device, index, uuid, productName));
            }
            return out;
        }
    }

    private GpuInventory inventory(DeviceHandle device, int index, String uuid, String productName)
            throws GpuBackendException {
        long memoryMiB = totalMemoryMiB(device, uuid);
        Optional<GpuModel> catalogModel = MigCatalog.bundled().modelForProduct(productName, memoryMiB);
        List<GpuProfile> profiles = new ArrayList<>();
        int memorySlices = 0;
        int computeSlices = 0;
        int maxGpuInstances = 0;
        for (ProfileInfo info : profileInfos(device, uuid)) {
            int ciProfile = info.sliceCount() < CI_PROFILE_BY_SLICES.length ? CI_PROFILE_BY_SLICES[info.sliceCount()] : -1;
            if (ciProfile < 0) {
                LOG.warn("GPU {}: GPU-instance profile constant {} (id {}) has {} compute slices, for which NVML has"
                        + " no compute-instance profile; not offered", uuid, info.constant(), info.id(),
                        info.sliceCount());
                continue;
            }
            List<MigPlacement> placements = possiblePlacements(device, info.id());
            String name = profileName(info, catalogModel, uuid);
            for (MigPlacement p : placements) {
                memorySlices = Math.max(memorySlices, p.start() + p.size());
            }
            computeSlices = Math.max(computeSlices, info.sliceCount());
            maxGpuInstances = Math.max(maxGpuInstances, info.instanceCount());
            int profileMemorySlices = placements.isEmpty() ? 0 : placements.getFirst().size();
            profiles.add(new GpuProfile(name, info.id(), info.constant(), ciProfile, profileMemorySlices,
                    info.sliceCount(), info.instanceCount(), name.contains("+me"), info.memorySizeMB(), placements));
        }
        String model = catalogModel.map(GpuModel::name).orElse(productName);
        LOG.info("GPU {} ({}, {} MiB, model {}): {} MIG profiles", uuid, productName, memoryMiB, model,
                profiles.size());
        return new GpuInventory(uuid, index, model, productName, memoryMiB, memorySlices, computeSlices,
                maxGpuInstances, List.copyOf(profiles));
    }

    /** NVML's name without the "MIG " prefix; for old drivers (no name), the catalog's, else one made up. */
    private static String profileName(ProfileInfo info, Optional<GpuModel> model, String uuid) {
        String reported = info.name();
        if (reported.startsWith("MIG ")) {
            reported = reported.substring("MIG ".length());
        }
        reported = reported.trim();
        if (!reported.isEmpty()) {
            return reported;
        }
        Optional<String> fromCatalog = model.flatMap(m -> m.profileById(info.id())).map(MigProfile::name);
        if (fromCatalog.isPresent()) {
            return fromCatalog.get();
        }
        // nvidia-smi style <g>g.<GB>gb; media-engine variants cannot be told apart without a name or the catalog.
        String made = info.sliceCount() + "g." + Math.ceilDiv(info.memorySizeMB(), 1024L) + "gb"
                + constantSuffix(info.constant());
        LOG.warn("GPU {}: NVML gives no name for GPU-instance profile id {} and the catalog does not know it;"
                + " calling it {}", uuid, info.id(), made);
        return made;
    }

    /** The name suffix NVIDIA's tooling derives from a GPU-instance profile constant. */
    private static String constantSuffix(int constant) {
        return switch (constant) {
            case 0x7, 0x8 -> "+me";
            case 0xA, 0xB, 0xC, 0x11 -> "+gfx";
            case 0xD, 0xE -> "-me";
            case 0xF, 0x10 -> "+me.all";
            default -> "";
        };
    }

    private boolean migEnabled(DeviceHandle device, int index, String uuid, String productName)
            throws GpuBackendException {
        IntByReference current = new IntByReference();
        IntByReference pending = new IntByReference();
        int rc = nvml.nvmlDeviceGetMigMode(device, current, pending);
        if (rc == NvmlReturn.NOT_SUPPORTED.code()) {
            LOG.info("GPU {} ({}, {}) does not support MIG; left out", index, uuid, productName);
            return false;
        }
        check(rc, "nvmlDeviceGetMigMode(" + uuid + ")");
        if (current.getValue() != NvmlLibrary.NVML_DEVICE_MIG_ENABLE) {
            LOG.warn("GPU {} ({}, {}) has MIG mode disabled{}; left out", index, uuid, productName,
                    pending.getValue() == NvmlLibrary.NVML_DEVICE_MIG_ENABLE ? " (enabled after the next GPU reset)" : "");
            return false;
        }
        return true;
    }

    private long totalMemoryMiB(DeviceHandle device, String uuid) throws GpuBackendException {
        MemoryInfo memory = new MemoryInfo();
        int rc = nvml.nvmlDeviceGetMemoryInfo(device, memory);
        // In MIG mode the parent GPU's totals need privileges; the product name alone usually settles the model.
        if (rc == NvmlReturn.NO_PERMISSION.code() || rc == NvmlReturn.NOT_SUPPORTED.code()) {
            LOG.info("GPU {}: memory size unavailable ({}); model from the product name only", uuid,
                    NvmlReturn.of(rc).cName());
            return 0;
        }
        check(rc, "nvmlDeviceGetMemoryInfo(" + uuid + ")");
        return memory.total / MIB;
    }

    /** One GPU-instance profile as NVML reports it; {@code name} is empty from the v1 call. */
    record ProfileInfo(int constant, int id, int sliceCount, int instanceCount, long memorySizeMB, String name) {
    }

    /** Every GPU-instance profile of the GPU: constants from 0 until INVALID_ARGUMENT, NOT_SUPPORTED skipped. */
    private List<ProfileInfo> profileInfos(DeviceHandle device, String gpuUuid) throws GpuBackendException {
        List<ProfileInfo> out = new ArrayList<>();
        for (int constant = 0; constant < PROFILE_CONSTANT_GUARD; constant++) {
            ProfileQuery query = queryProfile(device, gpuUuid, constant);
            if (query.rc() == NvmlReturn.INVALID_ARGUMENT.code()) {
                return out;
            }
            if (query.rc() != NvmlReturn.NOT_SUPPORTED.code()) {
                check(query.rc(), query.call());
                out.add(query.info());
            }
        }
        LOG.warn("GPU-instance profile enumeration stopped at constant {} without NVML ending it", PROFILE_CONSTANT_GUARD);
        return out;
    }

    /** What a profile-info call returned; {@code info} is meaningful only when {@code rc} is 0. */
    private record ProfileQuery(int rc, ProfileInfo info, String call) {
    }

    /** The GPU-instance profile of {@code constant}, through the V call with the v2 struct, or v1 on old drivers. */
    private ProfileQuery queryProfile(DeviceHandle device, String gpuUuid, int constant) {
        if (profileInfoV) {
            GpuInstanceProfileInfoV2 v2 = new GpuInstanceProfileInfoV2();
            int rc = nvml.nvmlDeviceGetGpuInstanceProfileInfoV(device, constant, v2);
            return new ProfileQuery(rc,
                    new ProfileInfo(constant, v2.id, v2.sliceCount, v2.instanceCount, v2.memorySizeMB, v2.nameString()),
                    "nvmlDeviceGetGpuInstanceProfileInfoV(" + gpuUuid + ", profile " + constant + ")");
        }
        GpuInstanceProfileInfo v1 = new GpuInstanceProfileInfo();
        int rc = nvml.nvmlDeviceGetGpuInstanceProfileInfo(device, constant, v1);
        return new ProfileQuery(rc,
                new ProfileInfo(constant, v1.id, v1.sliceCount, v1.instanceCount, v1.memorySizeMB, ""),
                "nvmlDeviceGetGpuInstanceProfileInfo(" + gpuUuid + ", profile " + constant + ")");
    }

    private List<MigPlacement> possiblePlacements(DeviceHandle device, int profileId) throws GpuBackendException {
        IntByReference count = new IntByReference();
        String call = "nvmlDeviceGetGpuInstancePossiblePlacements_v2(profileId " + profileId + ")";
        check(nvml.nvmlDeviceGetGpuInstancePossiblePlacements_v2(device, profileId, null, count), call);
        int n = count.getValue();
        if (n == 0) {
            return List.of();
        }
        GpuInstancePlacement[] placements = (GpuInstancePlacement[]) new GpuInstancePlacement().toArray(n);
        check(nvml.nvmlDeviceGetGpuInstancePossiblePlacements_v2(device, profileId, placements, count), call);
        List<MigPlacement> out = new ArrayList<>(count.getValue());
        for (int i = 0; i < Math.min(n, count.getValue()); i++) {
            out.add(new MigPlacement(placements[i].start, placements[i].size));
        }
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------------------------------------- slices()

    @Override
    public List<MigSlice> slices() throws GpuBackendException {
        synchronized (lock) {
            ensureOpen();
            List<MigSlice> out = new ArrayList<>();
            int count = deviceCount();
            for (int index = 0; index < count; index++) {
                DeviceHandle device = handleByIndex(index);
                IntByReference current = new IntByReference();
                int rc = nvml.nvmlDeviceGetMigMode(device, current, new IntByReference());
                if (rc == NvmlReturn.NOT_SUPPORTED.code()) {
                    continue;
                }
                check(rc, "nvmlDeviceGetMigMode(index " + index + ")");
                if (current.getValue() == NvmlLibrary.NVML_DEVICE_MIG_ENABLE) {
                    out.addAll(slicesOf(device, uuid(device)));
                }
            }
            return out;
        }
    }

    private List<MigSlice> slicesOf(DeviceHandle device, String gpuUuid) throws GpuBackendException {
        Map<Integer, MigSlice> byGiId = new LinkedHashMap<>();
        // GPU instances with a compute instance show up as MIG devices.
        for (MigDevice mig : migDevices(device, gpuUuid)) {
            MigSlice known = byGiId.get(mig.gpuInstanceId());
            if (known != null && known.computeInstanceId() <= mig.computeInstanceId()) {
                continue; // several compute instances (not made by DAS): report the lowest id
            }
            GpuInstanceHandle gi = gpuInstanceById(device, gpuUuid, mig.gpuInstanceId())
                    .orElseThrow(() -> new GpuBackendException(NvmlReturn.NOT_FOUND, "MIG device " + mig.uuid()
                            + " names GPU instance " + mig.gpuInstanceId() + " of " + gpuUuid + ", which NVML cannot find"));
            GpuInstanceInfo info = gpuInstanceInfo(gi, gpuUuid);
            byGiId.put(info.id, new MigSlice(gpuUuid, info.id, info.profileId, info.placement.start,
                    info.placement.size, mig.computeInstanceId(), mig.uuid()));
        }
        // GPU instances without one (half-made) are only visible per profile.
        for (ProfileInfo profile : profileInfos(device, gpuUuid)) {
            for (GpuInstanceHandle gi : gpuInstances(device, gpuUuid, profile)) {
                GpuInstanceInfo info = gpuInstanceInfo(gi, gpuUuid);
                byGiId.computeIfAbsent(info.id, id -> new MigSlice(gpuUuid, info.id, info.profileId,
                        info.placement.start, info.placement.size, -1, null));
            }
        }
        return byGiId.values().stream().sorted(Comparator.comparingInt(MigSlice::gpuInstanceId)).toList();
    }

    /** A MIG device (one per compute instance) as found through the parent GPU. */
    private record MigDevice(DeviceHandle handle, int gpuInstanceId, int computeInstanceId, String uuid) {
    }

    private List<MigDevice> migDevices(DeviceHandle device, String gpuUuid) throws GpuBackendException {
        IntByReference max = new IntByReference();
        check(nvml.nvmlDeviceGetMaxMigDeviceCount(device, max), "nvmlDeviceGetMaxMigDeviceCount(" + gpuUuid + ")");
        List<MigDevice> out = new ArrayList<>();
        for (int index = 0; index < max.getValue(); index++) {
            PointerByReference ref = new PointerByReference();
            int rc = nvml.nvmlDeviceGetMigDeviceHandleByIndex(device, index, ref);
            if (rc == NvmlReturn.NOT_FOUND.code()) {
                continue; // an empty index; later ones may still be in use
            }
            check(rc, "nvmlDeviceGetMigDeviceHandleByIndex(" + gpuUuid + ", " + index + ")");
            DeviceHandle mig = new DeviceHandle(ref.getValue());
            out.add(new MigDevice(mig, migGpuInstanceId(mig), migComputeInstanceId(mig), uuid(mig)));
        }
        return out;
    }

    private List<GpuInstanceHandle> gpuInstances(DeviceHandle device, String gpuUuid, ProfileInfo profile)
            throws GpuBackendException {
        int capacity = Math.max(profile.instanceCount(), 1);
        Memory handles = handleArray(capacity);
        // NVML writes *count without reading it; preset to the capacity as NVIDIA's go-nvml does.
        IntByReference count = new IntByReference(capacity);
        check(nvml.nvmlDeviceGetGpuInstances(device, profile.id(), handles, count),
                "nvmlDeviceGetGpuInstances(" + gpuUuid + ", profileId " + profile.id() + ")");
        return handlesIn(handles, count.getValue(), capacity).stream().map(GpuInstanceHandle::new).toList();
    }

    // ------------------------------------------------------------------------------------------------- create()

    @Override
    public MigSlice create(String gpuUuid, GpuProfile profile, int start) throws GpuBackendException {
        synchronized (lock) {
            ensureOpen();
            DeviceHandle device = handleByUuid(gpuUuid);
            ProfileQuery query = queryProfile(device, gpuUuid, profile.giProfileConstant());
            check(query.rc(), query.call() + " for " + profile.name());
            ProfileInfo info = query.info();
            if (info.id() != profile.giProfileId()) {
                throw new GpuBackendException(NvmlReturn.INVALID_ARGUMENT, "profile " + profile.name() + " says id "
                        + profile.giProfileId() + " for constant " + profile.giProfileConstant() + ", but GPU "
                        + gpuUuid + " reports id " + info.id() + ": the profile is not this GPU's");
            }
            GpuInstancePlacement placement = new GpuInstancePlacement(start, profile.memorySlices());
            PointerByReference giRef = new PointerByReference();
            check(nvml.nvmlDeviceCreateGpuInstanceWithPlacement(device, info.id(), placement, giRef),
                    "nvmlDeviceCreateGpuInstanceWithPlacement(" + gpuUuid + ", profileId " + info.id() + " ("
                            + profile.name() + "), placement {" + start + ", " + profile.memorySlices() + "})");
            GpuInstanceHandle gi = new GpuInstanceHandle(giRef.getValue());
            ComputeInstanceHandle ci = null;
            try {
                GpuInstanceInfo giInfo = gpuInstanceInfo(gi, gpuUuid);
                int ciProfileId = computeProfileId(gi, profile.ciProfileId(), gpuUuid, giInfo.id);
                PointerByReference ciRef = new PointerByReference();
                check(nvml.nvmlGpuInstanceCreateComputeInstance(gi, ciProfileId, ciRef),
                        "nvmlGpuInstanceCreateComputeInstance(" + gpuUuid + ", GPU instance " + giInfo.id
                                + ", profileId " + ciProfileId + ")");
                ci = new ComputeInstanceHandle(ciRef.getValue());
                ComputeInstanceInfo ciInfo = new ComputeInstanceInfo();
                check(nvml.nvmlComputeInstanceGetInfo_v2(ci, ciInfo),
                        "nvmlComputeInstanceGetInfo_v2(" + gpuUuid + ", GPU instance " + giInfo.id + ")");
                String migUuid = migUuid(device, gpuUuid, ciInfo.device, giInfo.id, ciInfo.id);
                MigSlice made = new MigSlice(gpuUuid, giInfo.id, giInfo.profileId, giInfo.placement.start,
                        giInfo.placement.size, ciInfo.id, migUuid);
                LOG.info("created {} on {} at {}: GPU instance {}, compute instance {}, {}", profile.name(), gpuUuid,
                        start, made.gpuInstanceId(), made.computeInstanceId(), migUuid);
                return made;
            } catch (GpuBackendException | RuntimeException e) {
                rollBack(gpuUuid, gi, ci, e);
                throw e;
            }
        }
    }

    /** The compute-instance profile id for a compute-instance profile constant, in the shared engine profile. */
    private int computeProfileId(GpuInstanceHandle gi, int ciConstant, String gpuUuid, int giId)
            throws GpuBackendException {
        String where = gpuUuid + ", GPU instance " + giId + ", profile " + ciConstant + ", shared engines)";
        if (computeProfileInfoV) {
            ComputeInstanceProfileInfoV2 info = new ComputeInstanceProfileInfoV2();
            check(nvml.nvmlGpuInstanceGetComputeInstanceProfileInfoV(gi, ciConstant,
                    NvmlLibrary.NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED, info),
                    "nvmlGpuInstanceGetComputeInstanceProfileInfoV(" + where);
            return info.id;
        }
        ComputeInstanceProfileInfo info = new ComputeInstanceProfileInfo();
        check(nvml.nvmlGpuInstanceGetComputeInstanceProfileInfo(gi, ciConstant,
                NvmlLibrary.NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED, info),
                "nvmlGpuInstanceGetComputeInstanceProfileInfo(" + where);
        return info.id;
    }

    /** Undoes a half-finished create; failures here are attached to the original error, not thrown. */
    private void rollBack(String gpuUuid, GpuInstanceHandle gi, ComputeInstanceHandle ci, Exception cause) {
        if (ci != null) {
            int rc = nvml.nvmlComputeInstanceDestroy(ci);
            if (rc != 0) {
                cause.addSuppressed(failure(rc, "rollback: nvmlComputeInstanceDestroy on " + gpuUuid));
            }
        }
        int rc = nvml.nvmlGpuInstanceDestroy(gi);
        if (rc != 0) {
            GpuBackendException failure = failure(rc, "rollback: nvmlGpuInstanceDestroy on " + gpuUuid);
            cause.addSuppressed(failure);
            LOG.error("could not remove the half-made GPU instance on {}; reconciliation will retry: {}", gpuUuid,
                    failure.getMessage());
        } else {
            LOG.warn("create on {} failed, GPU instance removed again: {}", gpuUuid, cause.getMessage());
        }
    }

    /**
     * The UUID of the MIG device of compute instance {@code ciId} in GPU instance {@code giId}. Uses
     * {@code ciInfo.device} when it is that MIG device (NVIDIA's DRA driver reads it so), else looks the MIG device up
     * by index, matching the two ids (nvml.h documents {@code device} as the parent GPU).
     */
    private String migUuid(DeviceHandle gpu, String gpuUuid, DeviceHandle ciInfoDevice, int giId, int ciId)
            throws GpuBackendException {
        if (ciInfoDevice != null && ciInfoDevice.getPointer() != null && isMigDevice(ciInfoDevice)) {
            PointerByReference parent = new PointerByReference();
            check(nvml.nvmlDeviceGetDeviceHandleFromMigDeviceHandle(ciInfoDevice, parent),
                    "nvmlDeviceGetDeviceHandleFromMigDeviceHandle(compute instance " + ciId + " of GPU instance " + giId + ")");
            if (uuid(new DeviceHandle(parent.getValue())).equals(gpuUuid)
                    && migGpuInstanceId(ciInfoDevice) == giId && migComputeInstanceId(ciInfoDevice) == ciId) {
                return uuid(ciInfoDevice);
            }
        }
        for (MigDevice mig : migDevices(gpu, gpuUuid)) {
            if (mig.gpuInstanceId() == giId && mig.computeInstanceId() == ciId) {
                return mig.uuid();
            }
        }
        throw new GpuBackendException(NvmlReturn.NOT_FOUND, "no MIG device for GPU instance " + giId
                + ", compute instance " + ciId + " on " + gpuUuid);
    }

    // ------------------------------------------------------------------------------------------------ destroy()

    @Override
    public void destroy(String gpuUuid, int gpuInstanceId) throws GpuBackendException {
        synchronized (lock) {
            ensureOpen();
            DeviceHandle device = handleByUuid(gpuUuid);
            Optional<GpuInstanceHandle> found = gpuInstanceById(device, gpuUuid, gpuInstanceId);
            if (found.isEmpty()) {
                LOG.debug("GPU instance {} on {} does not exist; nothing to destroy", gpuInstanceId, gpuUuid);
                return;
            }
            GpuInstanceHandle gi = found.get();
            for (ComputeInstanceHandle ci : computeInstances(gi, gpuUuid, gpuInstanceId)) {
                check(nvml.nvmlComputeInstanceDestroy(ci),
                        "nvmlComputeInstanceDestroy(" + gpuUuid + ", GPU instance " + gpuInstanceId + ")");
            }
            check(nvml.nvmlGpuInstanceDestroy(gi),
                    "nvmlGpuInstanceDestroy(" + gpuUuid + ", GPU instance " + gpuInstanceId + ")");
            LOG.info("destroyed GPU instance {} on {}", gpuInstanceId, gpuUuid);
        }
    }

    /** Every compute instance of a GPU instance: listed per compute-instance profile, as NVML only lists so. */
    private List<ComputeInstanceHandle> computeInstances(GpuInstanceHandle gi, String gpuUuid, int giId)
            throws GpuBackendException {
        List<ComputeInstanceHandle> out = new ArrayList<>();
        Set<Integer> profileIdsSeen = new HashSet<>();
        for (int constant = 0; constant < PROFILE_CONSTANT_GUARD; constant++) {
            int profileId;
            int instanceCount;
            int rc;
            if (computeProfileInfoV) {
                ComputeInstanceProfileInfoV2 info = new ComputeInstanceProfileInfoV2();
                rc = nvml.nvmlGpuInstanceGetComputeInstanceProfileInfoV(gi, constant,
                        NvmlLibrary.NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED, info);
                profileId = info.id;
                instanceCount = info.instanceCount;
            } else {
                ComputeInstanceProfileInfo info = new ComputeInstanceProfileInfo();
                rc = nvml.nvmlGpuInstanceGetComputeInstanceProfileInfo(gi, constant,
                        NvmlLibrary.NVML_COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED, info);
                profileId = info.id;
                instanceCount = info.instanceCount;
            }
            if (rc == NvmlReturn.INVALID_ARGUMENT.code()) {
                break;
            }
            if (rc == NvmlReturn.NOT_SUPPORTED.code()) {
                continue;
            }
            check(rc, "compute-instance profile " + constant + " of GPU instance " + giId + " on " + gpuUuid);
            if (!profileIdsSeen.add(profileId)) {
                continue;
            }
            int capacity = Math.max(instanceCount, 1);
            Memory handles = handleArray(capacity);
            IntByReference count = new IntByReference(capacity);
            check(nvml.nvmlGpuInstanceGetComputeInstances(gi, profileId, handles, count),
                    "nvmlGpuInstanceGetComputeInstances(" + gpuUuid + ", GPU instance " + giId + ", profileId "
                            + profileId + ")");
            handlesIn(handles, count.getValue(), capacity).stream().map(ComputeInstanceHandle::new).forEach(out::add);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ small wrappers

    /** Native memory for an array of {@code capacity} opaque handles, zeroed. */
    private static Memory handleArray(int capacity) {
        Memory handles = new Memory((long) capacity * Native.POINTER_SIZE);
        handles.clear();
        return handles;
    }

    /** The first {@code count} handles NVML wrote, never more than were allocated. */
    private static List<Pointer> handlesIn(Memory handles, int count, int capacity) {
        List<Pointer> out = new ArrayList<>();
        for (int i = 0; i < Math.min(count, capacity); i++) {
            out.add(handles.getPointer((long) i * Native.POINTER_SIZE));
        }
        return out;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("NVML backend (" + library + ") is closed");
        }
    }

    private int deviceCount() throws GpuBackendException {
        IntByReference count = new IntByReference();
        check(nvml.nvmlDeviceGetCount_v2(count), "nvmlDeviceGetCount_v2");
        return count.getValue();
    }

    private DeviceHandle handleByIndex(int index) throws GpuBackendException {
        PointerByReference ref = new PointerByReference();
        check(nvml.nvmlDeviceGetHandleByIndex_v2(index, ref), "nvmlDeviceGetHandleByIndex_v2(" + index + ")");
        return new DeviceHandle(ref.getValue());
    }

    private DeviceHandle handleByUuid(String uuid) throws GpuBackendException {
        PointerByReference ref = new PointerByReference();
        check(nvml.nvmlDeviceGetHandleByUUID(uuid, ref), "nvmlDeviceGetHandleByUUID(" + uuid + ")");
        return new DeviceHandle(ref.getValue());
    }

    private String uuid(DeviceHandle device) throws GpuBackendException {
        byte[] buffer = new byte[NvmlLibrary.UUID_BUFFER_SIZE];
        check(nvml.nvmlDeviceGetUUID(device, buffer, buffer.length), "nvmlDeviceGetUUID");
        return Native.toString(buffer);
    }

    private String name(DeviceHandle device) throws GpuBackendException {
        byte[] buffer = new byte[NvmlLibrary.NAME_BUFFER_SIZE];
        check(nvml.nvmlDeviceGetName(device, buffer, buffer.length), "nvmlDeviceGetName");
        return Native.toString(buffer);
    }

    private boolean isMigDevice(DeviceHandle device) throws GpuBackendException {
        IntByReference isMig = new IntByReference();
        check(nvml.nvmlDeviceIsMigDeviceHandle(device, isMig), "nvmlDeviceIsMigDeviceHandle");
        return isMig.getValue() != 0;
    }

    private int migGpuInstanceId(DeviceHandle mig) throws GpuBackendException {
        IntByReference id = new IntByReference();
        check(nvml.nvmlDeviceGetGpuInstanceId(mig, id), "nvmlDeviceGetGpuInstanceId");
        return id.getValue();
    }

    private int migComputeInstanceId(DeviceHandle mig) throws GpuBackendException {
        IntByReference id = new IntByReference();
        check(nvml.nvmlDeviceGetComputeInstanceId(mig, id), "nvmlDeviceGetComputeInstanceId");
        return id.getValue();
    }

    /** Empty when NVML answers NOT_FOUND. */
    private Optional<GpuInstanceHandle> gpuInstanceById(DeviceHandle device, String gpuUuid, int id)
            throws GpuBackendException {
        PointerByReference ref = new PointerByReference();
        int rc = nvml.nvmlDeviceGetGpuInstanceById(device, id, ref);
        if (rc == NvmlReturn.NOT_FOUND.code()) {
            return Optional.empty();
        }
        check(rc, "nvmlDeviceGetGpuInstanceById(" + gpuUuid + ", " + id + ")");
        return Optional.of(new GpuInstanceHandle(ref.getValue()));
    }

    private GpuInstanceInfo gpuInstanceInfo(GpuInstanceHandle gi, String gpuUuid) throws GpuBackendException {
        GpuInstanceInfo info = new GpuInstanceInfo();
        check(nvml.nvmlGpuInstanceGetInfo(gi, info), "nvmlGpuInstanceGetInfo(" + gpuUuid + ")");
        return info;
    }

    private void check(int rc, String call) throws GpuBackendException {
        if (rc != 0) {
            throw failure(rc, call);
        }
    }

    private GpuBackendException failure(int rc, String call) {
        return new GpuBackendException(NvmlReturn.of(rc), rc, call + " failed: " + nvml.nvmlErrorString(rc));
    }
}
