package com.redhat.das.api.mig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceNamesTest {

    // Kubernetes extended resource: DNS-subdomain prefix, '/', then a qualified-name part of at most 63 characters.
    private static final Pattern KUBERNETES_RESOURCE =
            Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    // CDI class: starts with a letter, then letters, digits, '_', '-', '.', ends with a letter or digit.
    private static final Pattern CDI_CLASS = Pattern.compile("[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?");

    @Test
    void writesPlusAsPlusWord() {
        assertThat(ResourceNames.resourceName("1g.5gb")).isEqualTo("mig.das.com/1g.5gb");
        assertThat(ResourceNames.resourceName("1g.5gb+me")).isEqualTo("mig.das.com/1g.5gb-plus-me");
        assertThat(ResourceNames.resourceName("7g.141gb")).isEqualTo("mig.das.com/7g.141gb");
        assertThat(ResourceNames.profileName("mig.das.com/1g.5gb")).contains("1g.5gb");
        assertThat(ResourceNames.profileName("mig.das.com/1g.5gb-plus-me")).contains("1g.5gb+me");
    }

    @Test
    void everyCatalogProfileRoundTripsExactly() {
        for (GpuModel model : MigCatalog.bundled().models()) {
            for (MigProfile profile : model.profiles()) {
                String resource = ResourceNames.resourceName(profile);
                assertThat(resource).as(profile.name()).matches(KUBERNETES_RESOURCE).doesNotContain("+");
                assertThat(ResourceNames.isDasResource(resource)).isTrue();
                assertThat(ResourceNames.profileName(resource)).as(resource).contains(profile.name());

                String nvidia = ResourceNames.nvidiaResourceName(profile.name());
                assertThat(nvidia).matches(KUBERNETES_RESOURCE).startsWith("nvidia.com/mig-");
                assertThat(ResourceNames.isNvidiaMigResource(nvidia)).isTrue();
                assertThat(ResourceNames.isDasResource(nvidia)).isFalse();
                assertThat(ResourceNames.profileName(nvidia)).as(nvidia).contains(profile.name());

                String cdiClass = ResourceNames.cdiClass(profile.name());
                assertThat(cdiClass).matches(CDI_CLASS);
                assertThat(ResourceNames.profileNameOfCdiClass(cdiClass)).contains(profile.name());
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
        "nvidia.com/mig-1g.5gb, 1g.5gb",
        "nvidia.com/mig-1g.5gb.me, 1g.5gb+me",
        "nvidia.com/mig-1g.5gb-plus-me, 1g.5gb+me",
        "nvidia.com/mig-1g.5gb+me, 1g.5gb+me",
        "nvidia.com/mig-2g.12gb.me, 2g.12gb+me",
        "nvidia.com/mig-1g.24gb.me.all, 1g.24gb+me.all",
        "nvidia.com/mig-1g.24gb.gfx, 1g.24gb+gfx",
        "nvidia.com/mig-1g.24gb-me, 1g.24gb-me",
        "nvidia.com/mig-7g.80gb, 7g.80gb",
    })
    void readsNvidiaDevicePluginNames(String resource, String profile) {
        assertThat(ResourceNames.profileName(resource)).contains(profile);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "nvidia.com/gpu",
        "nvidia.com/mig-",
        "nvidia.com/mig-gpu",
        "nvidia.com/mig-1c.3g.20gb",
        "mig.das.com/gpu",
        "mig.das.com/1g.5gb+me",
        "mig.das.com/1g.5gb.me",
        "mig.das.com/",
        "cpu",
        "example.com/1g.5gb",
    })
    void readsNoProfileFromOtherNames(String resource) {
        assertThat(ResourceNames.profileName(resource)).isEmpty();
    }

    @Test
    void recognisesDasResourcesByDomain() {
        assertThat(ResourceNames.isDasResource("mig.das.com/1g.5gb")).isTrue();
        assertThat(ResourceNames.isDasResource("mig.das.com/1g.5gb-plus-me")).isTrue();
        assertThat(ResourceNames.isDasResource("mig.das.com/gpu")).isTrue();
        assertThat(ResourceNames.isDasResource("mig.das.com/")).isFalse();
        assertThat(ResourceNames.isDasResource("nvidia.com/mig-1g.5gb")).isFalse();
        assertThat(ResourceNames.isDasResource("xmig.das.com/1g.5gb")).isFalse();
        assertThat(ResourceNames.isDasResource(null)).isFalse();
    }

    @Test
    void buildsCdiNames() {
        assertThat(ResourceNames.cdiClass("1g.5gb")).isEqualTo("c1g.5gb");
        assertThat(ResourceNames.cdiClass("1g.5gb+me")).isEqualTo("c1g.5gb-plus-me");
        assertThat(ResourceNames.cdiKind("1g.5gb+me")).isEqualTo("mig.das.com/c1g.5gb-plus-me");
        assertThat(ResourceNames.profileNameOfCdiClass("c1g.5gb-plus-me")).contains("1g.5gb+me");
        assertThat(ResourceNames.profileNameOfCdiClass("1g.5gb")).isEmpty();
        assertThat(ResourceNames.nvidiaResourceName("1g.5gb+me")).isEqualTo("nvidia.com/mig-1g.5gb.me");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"gpu", "1g", "1g.5", "1g.5gb+", "1g.5gb-plus-me", "MIG 1g.5gb", "1g.5gb+ME"})
    void rejectsWhatIsNotAProfileName(String name) {
        assertThat(ResourceNames.isProfileName(name)).isFalse();
        if (name != null) {
            assertThatThrownBy(() -> ResourceNames.resourceName(name)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
