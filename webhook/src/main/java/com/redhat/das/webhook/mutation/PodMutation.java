package com.redhat.das.webhook.mutation;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.ResourceNames;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns a pod that asks for NVIDIA device-plugin MIG slices into a DAS pod, or says why it cannot be one.
 *
 * <p>In app and init containers, {@code nvidia.com/mig-<profile>} in limits or requests becomes
 * {@code mig.das.com/<profile>} with requests equal to limits, and the pod goes to {@code das-scheduler}.
 * Nothing else is touched: not {@code nvidia.com/gpu} (the reference rewrote every {@code nvidia.com/*}, which made
 * whole-GPU pods unschedulable), not pods already written for DAS. So a second pass finds nothing to do.
 *
 * <p>Pure logic: no I/O, no clock; the answer is an RFC 6902 patch against the pod as it was sent.
 */
public final class PodMutation {

    public static final String DAS_SCHEDULER = "das-scheduler";
    public static final String DEFAULT_SCHEDULER = "default-scheduler";

    private static final BigDecimal MAX_SLICES = BigDecimal.valueOf(Integer.MAX_VALUE);

    private final Map<String, MigProfile> profilesByName;

    /** @param catalog the GPU models whose profiles are accepted; a profile offered by any model is known */
    public PodMutation(MigCatalog catalog) {
        Map<String, MigProfile> byName = new TreeMap<>();
        for (GpuModel model : catalog.models()) {
            for (MigProfile profile : model.profiles()) {
                byName.putIfAbsent(profile.name(), profile);
            }
        }
        this.profilesByName = Map.copyOf(byName);
    }

    public MutationResult mutate(Pod pod) {
        Objects.requireNonNull(pod, "pod");
        PodSpec spec = pod.getSpec();
        if (spec == null) {
            return new MutationResult.Allowed(List.of());
        }
        List<PatchOperation> patch = new ArrayList<>();
        String firstMigResource = null;
        List<ContainerAt> containers = new ArrayList<>();
        addAll(containers, spec.getContainers(), "/spec/containers");
        addAll(containers, spec.getInitContainers(), "/spec/initContainers");
        for (ContainerAt at : containers) {
            ContainerRewrite rewrite;
            try {
                rewrite = rewrite(at);
            } catch (DenialException e) {
                return new MutationResult.Denied(e.getMessage());
            }
            if (rewrite != null) {
                patch.addAll(rewrite.operations());
                if (firstMigResource == null) {
                    firstMigResource = rewrite.firstNvidiaResource();
                }
            }
        }
        if (patch.isEmpty()) {
            return new MutationResult.Allowed(List.of());
        }
        String scheduler = spec.getSchedulerName();
        if (scheduler == null || scheduler.isEmpty() || scheduler.equals(DEFAULT_SCHEDULER)) {
            // "add" on an existing member replaces it (RFC 6902 §4.1), so one op covers both cases.
            patch.add(PatchOperation.add("/spec/schedulerName", DAS_SCHEDULER));
        } else if (!scheduler.equals(DAS_SCHEDULER)) {
            return new MutationResult.Denied("pod asks for MIG slices (" + firstMigResource
                    + ") but names scheduler '" + scheduler + "'; only " + DAS_SCHEDULER
                    + " can place MIG slices: leave schedulerName empty or set it to " + DAS_SCHEDULER);
        }
        return new MutationResult.Allowed(patch);
    }

    /** Known profile names, sorted, as the denial message lists them. */
    public Set<String> knownProfiles() {
        return new TreeSet<>(profilesByName.keySet());
    }

    private ContainerRewrite rewrite(ContainerAt at) throws DenialException {
        ResourceRequirements resources = at.container().getResources();
        if (resources == null) {
            return null;
        }
        Map<String, Quantity> limits = orEmpty(resources.getLimits());
        Map<String, Quantity> requests = orEmpty(resources.getRequests());
        Set<String> nvidiaNames = new LinkedHashSet<>();
        limits.keySet().stream().filter(ResourceNames::isNvidiaMigResource).forEach(nvidiaNames::add);
        requests.keySet().stream().filter(ResourceNames::isNvidiaMigResource).forEach(nvidiaNames::add);
        if (nvidiaNames.isEmpty()) {
            return null;
        }
        String container = at.container().getName();
        Map<String, String> dasQuantities = new LinkedHashMap<>();
        Map<String, String> dasSources = new LinkedHashMap<>();
        for (String nvidiaName : nvidiaNames) {
            String profile = profileOf(nvidiaName);
            Quantity quantity = limits.containsKey(nvidiaName) ? limits.get(nvidiaName) : requests.get(nvidiaName);
            String count = positiveInteger(quantity, nvidiaName, container);
            String dasName = ResourceNames.resourceName(profile);
            String earlier = dasSources.putIfAbsent(dasName, nvidiaName);
            if (earlier != null || limits.containsKey(dasName) || requests.containsKey(dasName)) {
                throw new DenialException("container '" + container + "' asks for MIG profile '" + profile
                        + "' twice (" + nvidiaName + " and " + (earlier != null ? earlier : dasName)
                        + "); name it once");
            }
            dasQuantities.put(dasName, count);
        }
        checkMediaExtensions(container, limits, dasQuantities);

        String base = at.path() + "/resources";
        List<PatchOperation> ops = new ArrayList<>();
        ops.addAll(rewriteMap(base + "/limits", limits, nvidiaNames, dasQuantities));
        ops.addAll(rewriteMap(base + "/requests", requests, nvidiaNames, dasQuantities));
        return new ContainerRewrite(ops, nvidiaNames.iterator().next());
    }

    /**
     * Operations that remove the NVIDIA names from one map and add the DAS names. An empty (or absent — the model
     * cannot tell them apart) map is written whole, since a patch cannot add a key under a missing member.
     */
    private static List<PatchOperation> rewriteMap(String mapPath, Map<String, Quantity> original,
            Set<String> nvidiaNames, Map<String, String> dasQuantities) {
        List<PatchOperation> ops = new ArrayList<>();
        if (original.isEmpty()) {
            ops.add(PatchOperation.add(mapPath, new LinkedHashMap<>(dasQuantities)));
            return ops;
        }
        for (String nvidiaName : nvidiaNames) {
            if (original.containsKey(nvidiaName)) {
                ops.add(PatchOperation.remove(mapPath + "/" + PatchOperation.escape(nvidiaName)));
            }
        }
        dasQuantities.forEach((dasName, count) ->
                ops.add(PatchOperation.add(mapPath + "/" + PatchOperation.escape(dasName), count)));
        return ops;
    }

    private String profileOf(String nvidiaName) throws DenialException {
        String written = nvidiaName.substring(ResourceNames.NVIDIA_MIG_PREFIX.length());
        String profile = ResourceNames.profileName(nvidiaName).orElse(written);
        if (!profilesByName.containsKey(profile)) {
            throw new DenialException("unknown MIG profile '" + profile + "'; known profiles: "
                    + String.join(", ", knownProfiles()));
        }
        return profile;
    }

    private static String positiveInteger(Quantity quantity, String resource, String container)
            throws DenialException {
        BigDecimal amount;
        try {
            amount = quantity == null ? null : quantity.getNumericalAmount();
        } catch (RuntimeException e) {
            amount = null;
        }
        // The upper bound also keeps a quantity such as "1e999999999" from being expanded digit by digit.
        if (amount == null || amount.signum() <= 0 || amount.compareTo(MAX_SLICES) > 0
                || amount.stripTrailingZeros().scale() > 0) {
            throw new DenialException(resource + " in container '" + container + "' must be a positive integer"
                    + " number of slices, got '" + describe(quantity) + "'");
        }
        return amount.toBigIntegerExact().toString();
    }

    private static String describe(Quantity quantity) {
        if (quantity == null) {
            return "";
        }
        String amount = quantity.getAmount() == null ? "" : quantity.getAmount();
        String format = quantity.getFormat() == null ? "" : quantity.getFormat();
        return amount + format;
    }

    /** One GPU hosts a single {@code +me} instance (it takes the GPU's only media engines). */
    private void checkMediaExtensions(String container, Map<String, Quantity> limits,
            Map<String, String> dasQuantities) throws DenialException {
        Map<String, String> all = new LinkedHashMap<>(dasQuantities);
        // Slices the container already asks for under DAS names count too.
        limits.forEach((name, quantity) -> {
            if (ResourceNames.isDasResource(name) && quantity != null) {
                try {
                    BigDecimal amount = quantity.getNumericalAmount();
                    if (amount.compareTo(MAX_SLICES) <= 0) {
                        all.putIfAbsent(name, amount.toBigInteger().toString());
                    }
                } catch (RuntimeException ignored) {
                    // Not ours to judge: the API server validates DAS quantities.
                }
            }
        });
        BigInteger mediaSlices = BigInteger.ZERO;
        List<String> mediaProfiles = new ArrayList<>();
        for (Map.Entry<String, String> entry : all.entrySet()) {
            String profile = ResourceNames.profileName(entry.getKey()).orElse(null);
            MigProfile known = profile == null ? null : profilesByName.get(profile);
            if (known != null && known.mediaExtensions()) {
                mediaSlices = mediaSlices.add(new BigInteger(entry.getValue()));
                mediaProfiles.add(profile);
            }
        }
        if (mediaSlices.compareTo(BigInteger.ONE) > 0) {
            throw new DenialException("container '" + container + "' asks for " + mediaSlices
                    + " media-extension (+me) slices (" + String.join(", ", mediaProfiles)
                    + "); at most 1 is allowed per container: a GPU hosts only one +me slice");
        }
    }

    private static void addAll(List<ContainerAt> out, List<Container> containers, String path) {
        if (containers == null) {
            return;
        }
        for (int i = 0; i < containers.size(); i++) {
            if (containers.get(i) != null) { // JSON "null" entries: the API server rejects those pods itself
                out.add(new ContainerAt(containers.get(i), path + "/" + i));
            }
        }
    }

    private static Map<String, Quantity> orEmpty(Map<String, Quantity> map) {
        return map == null ? Map.of() : map;
    }

    private record ContainerAt(Container container, String path) {
    }

    private record ContainerRewrite(List<PatchOperation> operations, String firstNvidiaResource) {
    }

    /** A reason to deny, carried out of the per-container loop. */
    private static final class DenialException extends Exception {
        DenialException(String message) {
            super(message, null, false, false);
        }
    }
}
