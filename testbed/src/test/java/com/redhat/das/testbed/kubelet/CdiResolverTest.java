package com.redhat.das.testbed.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CDI library's resolution and injection rules, as the stand-in's runtime applies them. */
class CdiResolverTest {

    @TempDir
    Path dir;

    private static final String GPU_SPEC = """
            {
              "cdiVersion": "0.6.0",
              "kind": "vendor.example.com/gpu",
              "containerEdits": {"env": ["SHARED=spec", "SPEC_ONLY=yes"]},
              "devices": [
                {"name": "gpu0", "containerEdits": {"env": ["SHARED=gpu0", "VISIBLE=gpu0"],
                                                     "deviceNodes": [{"path": "/dev/gpu0"}],
                                                     "mounts": [{"hostPath": "/usr/lib/gpu0", "containerPath": "/lib/gpu"}]}},
                {"name": "gpu1", "containerEdits": {"env": ["VISIBLE=gpu1"],
                                                     "deviceNodes": [{"path": "/dev/gpu1", "hostPath": "/dev/real-gpu1"}]}}
              ]
            }
            """;

    @Test
    void specEditsComeFirstOncePerSpecThenEachDevicesEditsAndLaterValuesReplaceEarlierOnesInPlace() throws Exception {
        Files.writeString(dir.resolve("gpu.json"), GPU_SPEC);
        ContainerEdits base = new ContainerEdits().setEnv("VISIBLE", "from-allocate").setEnv("ALLOCATE_ONLY", "1");

        ContainerEdits edits = new CdiResolver(dir).inject(base, List.of("vendor.example.com/gpu=gpu0", "vendor.example.com/gpu=gpu1"));

        // SHARED keeps gpu0's value: the spec's edits are not applied again before gpu1
        assertThat(edits.env()).containsExactly(
                java.util.Map.entry("VISIBLE", "gpu1"),
                java.util.Map.entry("ALLOCATE_ONLY", "1"),
                java.util.Map.entry("SHARED", "gpu0"),
                java.util.Map.entry("SPEC_ONLY", "yes"));
        assertThat(edits.deviceNodes()).containsExactly("/dev/gpu0", "/dev/gpu1");
        assertThat(edits.mounts()).containsExactly("/lib/gpu");
    }

    @Test
    void unresolvableNamesAreAllReportedInTheLibrarysWords() throws Exception {
        Files.writeString(dir.resolve("gpu.json"), GPU_SPEC);

        assertThatThrownBy(() -> new CdiResolver(dir).inject(new ContainerEdits(),
                List.of("vendor.example.com/gpu=gpu9", "vendor.example.com/gpu=gpu0", "other.example.com/x=y")))
                .isInstanceOfSatisfying(UnresolvableCdiDevicesException.class, e -> {
                    assertThat(e).hasMessage("unresolvable CDI devices vendor.example.com/gpu=gpu9, other.example.com/x=y");
                    assertThat(e.devices()).containsExactly("vendor.example.com/gpu=gpu9", "other.example.com/x=y");
                });
    }

    @Test
    void aSpecWrittenAfterAFailedAttemptIsFoundOnTheNext() throws Exception {
        CdiResolver resolver = new CdiResolver(dir);
        assertThatThrownBy(() -> resolver.inject(new ContainerEdits(), List.of("vendor.example.com/gpu=gpu1")))
                .isInstanceOf(UnresolvableCdiDevicesException.class);

        Files.writeString(dir.resolve("gpu.json"), GPU_SPEC);

        assertThat(resolver.inject(new ContainerEdits(), List.of("vendor.example.com/gpu=gpu1")).env()).containsEntry("VISIBLE", "gpu1");
    }

    @Test
    void invalidSpecsAreIgnoredWhole() throws Exception {
        Files.writeString(dir.resolve("bad-env.json"), """
                {"cdiVersion": "0.6.0", "kind": "bad.example.com/env",
                 "devices": [{"name": "d0", "containerEdits": {"env": ["NO_EQUALS_SIGN"]}}]}
                """);
        Files.writeString(dir.resolve("bad-kind.json"), """
                {"cdiVersion": "0.6.0", "kind": "no-class", "devices": [{"name": "d0", "containerEdits": {}}]}
                """);
        Files.writeString(dir.resolve("not-json.json"), "{ this is not json");
        Files.writeString(dir.resolve("ignored.yaml.tmp"), GPU_SPEC);

        CdiResolver resolver = new CdiResolver(dir);

        assertThat(resolver.resolvableDevices()).isEmpty();
        assertThatThrownBy(() -> resolver.inject(new ContainerEdits(), List.of("bad.example.com/env=d0")))
                .hasMessage("unresolvable CDI devices bad.example.com/env=d0");
    }

    @Test
    void aDeviceDefinedTwiceIsAConflictAndResolvesToNeither() throws Exception {
        Files.writeString(dir.resolve("a.json"), GPU_SPEC);
        Files.writeString(dir.resolve("b.json"), """
                {"cdiVersion": "0.6.0", "kind": "vendor.example.com/gpu", "devices": [{"name": "gpu0", "containerEdits": {}}]}
                """);

        CdiResolver resolver = new CdiResolver(dir);

        assertThat(resolver.resolvableDevices()).containsExactly("vendor.example.com/gpu=gpu1");
        assertThatThrownBy(() -> resolver.inject(new ContainerEdits(), List.of("vendor.example.com/gpu=gpu0")))
                .isInstanceOf(UnresolvableCdiDevicesException.class);
    }

    @Test
    void aMissingDirectoryResolvesNothing() {
        assertThatThrownBy(() -> new CdiResolver(dir.resolve("absent")).inject(new ContainerEdits(), List.of("a.example.com/b=c")))
                .hasMessage("unresolvable CDI devices a.example.com/b=c");
    }
}
