package com.redhat.das.api.mig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The known MIG-capable GPU models and their profiles, as shipped in {@code mig-catalog.json} next to this class.
 *
 * <p>The catalog is what DAS knows without hardware: it feeds the emulated node backend, tests and defaults. On a
 * real node the profiles NVML reports for the GPU win; several numbers here (GI profile ids and starts on most
 * models, everything on GB200) are inferred, see {@link MigProfile#inferred()} and the {@code sources} in the file.
 *
 * @param models the models, names unique
 */
public record MigCatalog(List<GpuModel> models) {

    /** Resource name of the bundled catalog, relative to this class. */
    public static final String RESOURCE = "mig-catalog.json";

    // "NVIDIA A100-SXM4-40GB" -> 40, "NVIDIA A100 80GB PCIe" -> 80, "NVIDIA GH200 144G HBM3e" -> 144.
    private static final Pattern NAME_MEMORY_GB = Pattern.compile("(?<![0-9])(\\d{2,3})\\s*GB?(?![A-Z])");
    private static final Pattern MODEL_MEMORY_GB = Pattern.compile("-(\\d+)GB$");
    // Families in the order they must be tested: GB200 before B200, GH200 before H200.
    private static final List<String> FAMILIES = List.of("GB200", "GH200", "B200", "H200", "H100", "A100", "A30");
    private static final double MEMORY_TOLERANCE = 0.10;

    public MigCatalog {
        models = List.copyOf(models);
        Set<String> names = new HashSet<>();
        for (GpuModel model : models) {
            if (!names.add(model.name())) {
                throw new IllegalArgumentException("duplicate GPU model " + model.name());
            }
        }
    }

    /** The catalog bundled with DAS, loaded once. */
    public static MigCatalog bundled() {
        return Bundled.CATALOG;
    }

    /** Reads a catalog in the format of the bundled {@code mig-catalog.json}. */
    public static MigCatalog read(InputStream in) throws IOException {
        return MigCatalogReader.read(Objects.requireNonNull(in, "in"));
    }

    /** The model with the given catalog name, e.g. {@code "A100-40GB"}. */
    public Optional<GpuModel> model(String name) {
        for (GpuModel model : models) {
            if (model.name().equals(name)) {
                return Optional.of(model);
            }
        }
        return Optional.empty();
    }

    public GpuModel requireModel(String name) {
        return model(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown GPU model " + name + "; known: " + modelNames()));
    }

    public List<String> modelNames() {
        return models.stream().map(GpuModel::name).toList();
    }

    /**
     * The catalog model for an NVML product name ({@code nvmlDeviceGetName}), e.g. {@code "NVIDIA A100-SXM4-40GB"},
     * {@code "NVIDIA A100-PCIE-40GB"}, {@code "NVIDIA H100 80GB HBM3"}, {@code "NVIDIA H100 NVL"}, {@code "NVIDIA A30"},
     * when the name alone settles the memory size. See {@link #modelForProduct(String, long)}.
     */
    public Optional<GpuModel> modelForProduct(String productName) {
        return modelForProduct(productName, 0);
    }

    /**
     * The catalog model for an NVML product name and the GPU's total memory ({@code nvmlDeviceGetMemoryInfo}).
     *
     * <p>A best-effort mapping for emulation, labels and defaults: the product family (A30, A100, H100, GH200, H200,
     * B200, GB200) comes from the name, the size variant from {@code totalMemoryMiB} when it is positive, else from
     * a size in the name ("40GB"), else from the family ("H100 NVL" is 94GB, "H100 PCIe" 80GB). The variant is the
     * one whose nominal size (the number in the catalog model name) is within 10% of the memory. Production code
     * should prefer the profiles NVML reports for the GPU over any catalog entry.
     *
     * @return empty when the family is unknown or the size does not single out one model
     */
    public Optional<GpuModel> modelForProduct(String productName, long totalMemoryMiB) {
        Objects.requireNonNull(productName, "productName");
        String product = productName.toUpperCase(Locale.ROOT).replace("NVIDIA", " ").trim();
        String family = familyOf(product);
        if (family == null) {
            return Optional.empty();
        }
        // The H100 on a GH200 superchip is the catalog's H100-96GB; the "480GB" in its name counts the CPU memory.
        String modelFamily = family.equals("GH200") ? "H100" : family;
        List<GpuModel> candidates = models.stream()
                .filter(m -> m.name().startsWith(modelFamily + "-"))
                .filter(m -> !family.equals("H100") || !m.name().equals("H100-96GB"))
                .filter(m -> !family.equals("GH200") || m.name().equals("H100-96GB"))
                .toList();
        long memoryMiB = totalMemoryMiB > 0 ? totalMemoryMiB : memoryFromName(family, product);
        if (memoryMiB <= 0) {
            return candidates.size() == 1 ? Optional.of(candidates.getFirst()) : Optional.empty();
        }
        GpuModel best = null;
        double bestError = Double.MAX_VALUE;
        for (GpuModel candidate : candidates) {
            Matcher m = MODEL_MEMORY_GB.matcher(candidate.name());
            if (!m.find()) {
                continue;
            }
            double nominalMiB = Long.parseLong(m.group(1)) * 1024.0;
            double error = Math.abs(nominalMiB - memoryMiB) / nominalMiB;
            if (error < bestError) {
                best = candidate;
                bestError = error;
            }
        }
        return bestError <= MEMORY_TOLERANCE ? Optional.ofNullable(best) : Optional.empty();
    }

    private static String familyOf(String product) {
        for (String family : FAMILIES) {
            if (Pattern.compile("(?<![A-Z0-9])" + family + "(?![0-9])").matcher(product).find()) {
                return family;
            }
        }
        return null;
    }

    private static long memoryFromName(String family, String product) {
        if (family.equals("GH200")) {
            return 0;
        }
        Matcher m = NAME_MEMORY_GB.matcher(product);
        if (m.find()) {
            return Long.parseLong(m.group(1)) * 1024;
        }
        if (family.equals("H100") && product.contains("NVL")) {
            return 94 * 1024;
        }
        if (family.equals("H100") && product.contains("PCIE")) {
            return 80 * 1024;
        }
        return 0;
    }

    /** Lazy holder: the bundled file is parsed on first use only. */
    private static final class Bundled {
        static final MigCatalog CATALOG = load();

        private static MigCatalog load() {
            try (InputStream in = MigCatalog.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("bundled " + RESOURCE + " is missing from the classpath");
                }
                return read(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read bundled " + RESOURCE, e);
            }
        }
    }
}
