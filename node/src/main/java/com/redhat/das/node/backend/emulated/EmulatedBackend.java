package com.redhat.das.node.backend.emulated;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.redhat.das.api.mig.GpuLayout;
import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.PlacedInstance;
import com.redhat.das.api.mig.PlacementRules;
import com.redhat.das.api.mig.PlacementViolation;
import com.redhat.das.api.v1alpha1.GpuInventory;
import com.redhat.das.api.v1alpha1.GpuProfile;
import com.redhat.das.node.backend.GpuBackend;
import com.redhat.das.node.backend.GpuBackendException;
import com.redhat.das.node.backend.MigSlice;
import com.redhat.das.node.backend.NvmlReturn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * GPUs in memory with NVML's MIG semantics: the catalog's placement rules, NVML's error codes, GPU instance ids read
 * back rather than derived from placements. The instances are the emulated "hardware": when a state file is given
 * they outlive the daemon, as MIG instances on a real GPU outlive the process that made them, so a restarted daemon
 * finds them again. GPU UUIDs derive from the node name and index and are the same after every restart.
 */
public final class EmulatedBackend implements GpuBackend {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MEMORY_GB = Pattern.compile("(\\d+)GB");

    /** One GPU instance with its compute instance, as persisted. */
    record Instance(int gpuInstanceId, String profile, int giProfileId, int start, int size, int computeInstanceId,
                    String migUuid) {
    }

    private final GpuModel model;
    private final PlacementRules rules;
    private final List<GpuInventory> devices;
    private final Path stateFile;
    /** GPU UUID → its instances, in creation order. */
    private final Map<String, List<Instance>> instances = new LinkedHashMap<>();

    private EmulatedBackend(String nodeName, GpuModel model, int count, Path stateFile) {
        if (count < 1) {
            throw new IllegalArgumentException("an emulated node needs at least one GPU, got " + count);
        }
        this.model = model;
        this.rules = PlacementRules.of(model);
        this.stateFile = stateFile;
        long memoryMiB = memoryMiB(model);
        this.devices = IntStream.range(0, count)
                .mapToObj(i -> GpuInventory.of(model, EmulatedGpuIdentity.uuid(nodeName, i), i, "NVIDIA " + model.name(), memoryMiB))
                .toList();
        devices.forEach(d -> instances.put(d.uuid(), new ArrayList<>()));
        load();
    }

    /**
     * @param stateFile where the instances are kept between restarts, or {@code null} to keep them in memory only
     */
    public static EmulatedBackend open(String nodeName, GpuModel model, int count, Path stateFile) {
        return new EmulatedBackend(nodeName, model, count, stateFile);
    }

    @Override
    public String kind() {
        return "emulated";
    }

    public GpuModel model() {
        return model;
    }

    @Override
    public List<GpuInventory> devices() {
        return devices;
    }

    @Override
    public synchronized List<MigSlice> slices() {
        List<MigSlice> out = new ArrayList<>();
        instances.forEach((gpu, list) -> list.forEach(i -> out.add(toSlice(gpu, i))));
        return out;
    }

    @Override
    public synchronized MigSlice create(String gpuUuid, GpuProfile profile, int start) throws GpuBackendException {
        List<Instance> onGpu = instances.get(gpuUuid);
        if (onGpu == null) {
            throw new GpuBackendException(NvmlReturn.NOT_FOUND, "no GPU " + gpuUuid + " on this node");
        }
        MigProfile migProfile = model.profileById(profile.giProfileId())
                .filter(p -> p.nvmlGiConstant().value() == profile.giProfileConstant())
                .orElseThrow(() -> new GpuBackendException(NvmlReturn.NOT_SUPPORTED,
                        "GPU instance profile " + profile.name() + " (constant " + profile.giProfileConstant() + ", id "
                                + profile.giProfileId() + ") is not offered by " + model.name()));
        if (profile.ciProfileId() != migProfile.ciProfileConstant().value()) {
            throw new GpuBackendException(NvmlReturn.NOT_SUPPORTED, "compute instance profile " + profile.ciProfileId()
                    + " does not fill a " + migProfile.name() + " GPU instance (expected "
                    + migProfile.ciProfileConstant() + ")");
        }
        Optional<PlacementViolation> violation = layoutOf(onGpu).whyNot(migProfile, start);
        if (violation.isPresent()) {
            NvmlReturn code = switch (violation.get().reason()) {
                case UNKNOWN_PROFILE -> NvmlReturn.NOT_SUPPORTED;
                case START_NOT_ALLOWED -> NvmlReturn.INVALID_ARGUMENT;
                default -> NvmlReturn.INSUFFICIENT_RESOURCES;
            };
            throw new GpuBackendException(code, "cannot create GPU instance " + migProfile.name() + " at slice " + start
                    + " on " + gpuUuid + ": " + violation.get().message());
        }
        int giId = IntStream.iterate(1, i -> i + 1).filter(i -> onGpu.stream().noneMatch(x -> x.gpuInstanceId() == i))
                .findFirst().orElseThrow();
        Instance made = new Instance(giId, migProfile.name(), migProfile.giProfileId(), start, migProfile.memorySlices(), 0,
                EmulatedGpuIdentity.migUuid(gpuUuid, start, migProfile.memorySlices()));
        onGpu.add(made);
        save();
        return toSlice(gpuUuid, made);
    }

    @Override
    public synchronized void destroy(String gpuUuid, int gpuInstanceId) throws GpuBackendException {
        List<Instance> onGpu = instances.get(gpuUuid);
        if (onGpu == null) {
            throw new GpuBackendException(NvmlReturn.NOT_FOUND, "no GPU " + gpuUuid + " on this node");
        }
        if (onGpu.removeIf(i -> i.gpuInstanceId() == gpuInstanceId)) {
            save();
        }
    }

    /** Test hook: a GPU instance without its compute instance, as a crash between the two NVML calls leaves it. */
    public synchronized MigSlice createHalfMade(String gpuUuid, String profileName, int start) {
        MigProfile p = model.requireProfile(profileName);
        List<Instance> onGpu = instances.get(gpuUuid);
        int giId = onGpu.stream().mapToInt(Instance::gpuInstanceId).max().orElse(0) + 1;
        Instance half = new Instance(giId, p.name(), p.giProfileId(), start, p.memorySlices(), -1, null);
        onGpu.add(half);
        save();
        return toSlice(gpuUuid, half);
    }

    @Override
    public void close() {
        // nothing to release: the state file is written on every change
    }

    private GpuLayout layoutOf(List<Instance> onGpu) {
        GpuLayout layout = rules.emptyLayout();
        for (Instance i : onGpu) {
            layout = layout.with(new PlacedInstance(model.requireProfile(i.profile()), i.start()));
        }
        return layout;
    }

    private static MigSlice toSlice(String gpu, Instance i) {
        return new MigSlice(gpu, i.gpuInstanceId(), i.giProfileId(), i.start(), i.size(), i.computeInstanceId(), i.migUuid());
    }

    private static long memoryMiB(GpuModel model) {
        Matcher m = MEMORY_GB.matcher(model.name());
        return m.find() ? Long.parseLong(m.group(1)) * 1024 : 0;
    }

    private void load() {
        if (stateFile == null || !Files.exists(stateFile)) {
            return;
        }
        try {
            Map<String, List<Instance>> saved = JSON.readValue(stateFile.toFile(), new TypeReference<>() { });
            saved.forEach((gpu, list) -> {
                if (instances.containsKey(gpu)) {
                    instances.get(gpu).addAll(list.stream().sorted(Comparator.comparingInt(Instance::gpuInstanceId)).toList());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the emulated GPU state " + stateFile, e);
        }
    }

    private void save() {
        if (stateFile == null) {
            return;
        }
        try {
            Files.createDirectories(stateFile.toAbsolutePath().getParent());
            Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), instances);
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the emulated GPU state " + stateFile, e);
        }
    }
}
