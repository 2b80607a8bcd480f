package com.redhat.das.webhook.mutation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MigResourceRewriteTest {

    @ParameterizedTest
    @CsvSource({
        "nvidia.com/mig-1g.5gb, mig.das.com/1g.5gb",
        "nvidia.com/mig-3g.20gb, mig.das.com/3g.20gb",
        "nvidia.com/mig-1g.5gb.me, mig.das.com/1g.5gb-plus-me",
        "nvidia.com/mig-7g.80gb, mig.das.com/7g.80gb"})
    void migResourcesBecomeDasResources(String nvidia, String das) {
        assertThat(MigResourceRewrite.dasName(nvidia)).contains(das);
    }

    @ParameterizedTest
    @CsvSource({"nvidia.com/gpu", "nvidia.com/mig-", "nvidia.com/mig-fast", "mig.das.com/1g.5gb", "cpu", "example.com/mig-1g.5gb"})
    void everythingElseIsLeftAlone(String resource) {
        assertThat(MigResourceRewrite.dasName(resource)).isEmpty();
    }

    @Test
    void renameKeepsOrderAndOtherResources() {
        Map<String, String> limits = new LinkedHashMap<>();
        limits.put("cpu", "2");
        limits.put("nvidia.com/mig-2g.10gb", "1");
        limits.put("nvidia.com/gpu", "1");
        assertThat(MigResourceRewrite.rename(limits)).containsExactly(
                Map.entry("cpu", "2"), Map.entry("mig.das.com/2g.10gb", "1"), Map.entry("nvidia.com/gpu", "1"));
    }
}
