package com.redhat.das.api.mig;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MIG profile names and the names Kubernetes and CDI see for them.
 *
 * <p>Kubernetes extended-resource names may not contain {@code +}, but {@code +me} profile names do. DAS writes
 * {@code +} as {@code -plus-}: {@code 1g.5gb} is {@code mig.das.com/1g.5gb}, {@code 1g.5gb+me} is
 * {@code mig.das.com/1g.5gb-plus-me}, and the mapping back is exact.
 *
 * <p>NVIDIA's k8s-device-plugin (mixed strategy) names its resources {@code nvidia.com/mig-<profile>} with every
 * {@code +} replaced by {@code .} ({@code strings.ReplaceAll("mig-"+p.String(), "+", ".")} in its
 * {@code internal/rm/rm.go}), so {@code 1g.5gb+me} is advertised as {@code nvidia.com/mig-1g.5gb.me}. That form is
 * read back by treating a {@code .} right after the {@code <g>g.<n>gb} part as the {@code +}; the DAS spelling
 * {@code -plus-me} is accepted under {@code nvidia.com/} too, since users and older DAS webhooks write it.
 */
public final class ResourceNames {

    /** Domain of the extended resources DAS advertises. */
    public static final String DAS_DOMAIN = "mig.das.com";
    /** Prefix of DAS resource names, e.g. {@code mig.das.com/1g.5gb}. */
    public static final String DAS_PREFIX = DAS_DOMAIN + "/";
    /** Prefix of NVIDIA device-plugin MIG resource names, e.g. {@code nvidia.com/mig-1g.5gb}. */
    public static final String NVIDIA_MIG_PREFIX = "nvidia.com/mig-";
    /** CDI class names must start with a letter; DAS prefixes the profile with this. */
    public static final String CDI_CLASS_PREFIX = "c";

    private static final String PLUS = "+";
    private static final String PLUS_WORD = "-plus-";
    private static final int MAX_NAME_LENGTH = 63;

    // <g>g.<n>gb, then suffixes such as +me, +me.all, +gfx, -me.
    private static final Pattern PROFILE_NAME =
            Pattern.compile("\\d+g\\.\\d+gb(?:[+-][a-z]+(?:\\.[a-z]+)*)*");
    private static final Pattern NVIDIA_PROFILE = Pattern.compile("(\\d+g\\.\\d+gb)(.*)");
    // Name part of a Kubernetes qualified name.
    private static final Pattern QUALIFIED_NAME_PART =
            Pattern.compile("[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?");

    private ResourceNames() {
    }

    /** Whether {@code profileName} looks like a MIG GPU-instance profile name, e.g. {@code 1g.5gb+me}. */
    public static boolean isProfileName(String profileName) {
        // A literal "-plus" suffix would read back as '+', breaking the exact round trip.
        return profileName != null && PROFILE_NAME.matcher(profileName).matches() && !profileName.contains("-plus");
    }

    /**
     * The DAS extended-resource name of a profile: {@code 1g.5gb} → {@code mig.das.com/1g.5gb},
     * {@code 1g.5gb+me} → {@code mig.das.com/1g.5gb-plus-me}.
     *
     * @throws IllegalArgumentException when it is not a profile name or would not make a valid resource name
     */
    public static String resourceName(String profileName) {
        return DAS_PREFIX + requireValidName(profileName);
    }

    public static String resourceName(MigProfile profile) {
        return resourceName(profile.name());
    }

    /**
     * The profile a DAS or NVIDIA MIG resource name stands for: {@code mig.das.com/1g.5gb-plus-me},
     * {@code nvidia.com/mig-1g.5gb.me} and {@code nvidia.com/mig-1g.5gb-plus-me} all give {@code 1g.5gb+me}.
     * DAS names are read strictly (only the exact output of {@link #resourceName(String)}).
     *
     * @return empty for any other resource name
     */
    public static Optional<String> profileName(String resourceName) {
        if (resourceName == null) {
            return Optional.empty();
        }
        if (resourceName.startsWith(DAS_PREFIX)) {
            return dasProfileName(resourceName.substring(DAS_PREFIX.length()));
        }
        if (resourceName.startsWith(NVIDIA_MIG_PREFIX)) {
            return nvidiaProfileName(resourceName.substring(NVIDIA_MIG_PREFIX.length()));
        }
        return Optional.empty();
    }

    /**
     * Whether {@code resourceName} is in the DAS domain ({@code mig.das.com/...}). Use {@link #profileName(String)}
     * to learn whether it also names a MIG profile.
     */
    public static boolean isDasResource(String resourceName) {
        return resourceName != null && resourceName.startsWith(DAS_PREFIX)
                && resourceName.length() > DAS_PREFIX.length();
    }

    /** Whether {@code resourceName} is an NVIDIA device-plugin MIG resource ({@code nvidia.com/mig-...}). */
    public static boolean isNvidiaMigResource(String resourceName) {
        return resourceName != null && resourceName.startsWith(NVIDIA_MIG_PREFIX)
                && resourceName.length() > NVIDIA_MIG_PREFIX.length();
    }

    /** NVIDIA's device-plugin resource name of a profile: {@code 1g.5gb+me} → {@code nvidia.com/mig-1g.5gb.me}. */
    public static String nvidiaResourceName(String profileName) {
        requireValidName(profileName);
        return NVIDIA_MIG_PREFIX + profileName.replace(PLUS, ".");
    }

    /**
     * The CDI device class DAS uses for a profile: {@code 1g.5gb} → {@code c1g.5gb}, {@code 1g.5gb+me} →
     * {@code c1g.5gb-plus-me}. CDI class names must start with a letter and may hold only letters, digits,
     * {@code _}, {@code -} and {@code .}.
     */
    public static String cdiClass(String profileName) {
        return CDI_CLASS_PREFIX + requireValidName(profileName);
    }

    /** The CDI kind ({@code vendor/class}) for a profile, e.g. {@code mig.das.com/c1g.5gb}. */
    public static String cdiKind(String profileName) {
        return DAS_DOMAIN + "/" + cdiClass(profileName);
    }

    /** The profile of a class made by {@link #cdiClass(String)}, or empty. */
    public static Optional<String> profileNameOfCdiClass(String cdiClass) {
        if (cdiClass == null || !cdiClass.startsWith(CDI_CLASS_PREFIX)) {
            return Optional.empty();
        }
        return dasProfileName(cdiClass.substring(CDI_CLASS_PREFIX.length()));
    }

    private static String requireValidName(String profileName) {
        Objects.requireNonNull(profileName, "profileName");
        if (!isProfileName(profileName)) {
            throw new IllegalArgumentException("not a MIG profile name: '" + profileName + "'");
        }
        String sanitized = profileName.replace(PLUS, PLUS_WORD);
        if (sanitized.length() > MAX_NAME_LENGTH || !QUALIFIED_NAME_PART.matcher(sanitized).matches()) {
            throw new IllegalArgumentException("MIG profile name '" + profileName
                    + "' does not make a valid Kubernetes resource name: '" + sanitized + "'");
        }
        return sanitized;
    }

    private static Optional<String> dasProfileName(String sanitized) {
        if (sanitized.contains(PLUS)) {
            return Optional.empty();
        }
        String profile = sanitized.replace(PLUS_WORD, PLUS);
        // Strict: only names this class produces, so the round trip is exact.
        if (!isProfileName(profile) || !profile.replace(PLUS, PLUS_WORD).equals(sanitized)) {
            return Optional.empty();
        }
        return Optional.of(profile);
    }

    private static Optional<String> nvidiaProfileName(String name) {
        Matcher m = NVIDIA_PROFILE.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        String suffix = m.group(2).replace(PLUS_WORD, PLUS);
        // NVIDIA turns every '+' into '.', and a '.' cannot otherwise follow "<n>gb", so it stands for '+'.
        if (suffix.startsWith(".")) {
            suffix = PLUS + suffix.substring(1);
        }
        String profile = m.group(1) + suffix;
        return isProfileName(profile) ? Optional.of(profile) : Optional.empty();
    }
}
