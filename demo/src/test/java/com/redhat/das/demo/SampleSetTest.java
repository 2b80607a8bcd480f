package com.redhat.das.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.testbed.cluster.ControlPlaneBinaries;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository's samples/ as the demo reads them, and the profile translation for other GPU models. */
class SampleSetTest {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    private static final MigCatalog CATALOG = MigCatalog.bundled();

    private static SampleSet repositorySamples() {
        return SampleSet.load(ControlPlaneBinaries.locateRepoRoot().resolve("samples"), JSON);
    }

    @Test
    void theSamplesAskForA100ProfilesUnderNvidiaNamesInOneNamespace() {
        SampleSet samples = repositorySamples();

        assertThat(samples.namespaces()).containsExactly("das-demo");
        assertThat(samples.expectedPods()).isEqualTo(7);
        assertThat(samples.requestedProfiles(JSON).keySet()).containsExactly("1g.10gb", "1g.5gb", "2g.10gb", "4g.20gb");
        assertThat(samples.samples()).map(s -> JSON.asJson(s.object())).noneMatch(json -> json.contains("mig.das.com/"));
    }

    /** The default demo has 4 A100-40GB GPUs; the samples leave room to spare even on 2 (as with --nodes 1). */
    @Test
    void theSamplesFitOnTwoA100GpusByComputeAndMemory() {
        GpuModel a100 = CATALOG.requireModel("A100-40GB");
        int compute = 0;
        int memory = 0;
        for (var sample : repositorySamples().samples()) {
            String json = JSON.asJson(sample.object());
            for (MigProfile profile : a100.profiles()) {
                String resource = "\"nvidia.com/mig-" + profile.name() + "\":\"";
                for (int at = json.indexOf(resource); at >= 0; at = json.indexOf(resource, at + 1)) {
                    int count = Integer.parseInt(json.substring(at + resource.length(), json.indexOf('"', at + resource.length())));
                    compute += count * profile.computeSlices() * sample.expectedPods();
                    memory += count * profile.memorySlices() * sample.expectedPods();
                }
            }
        }
        assertThat(compute).isLessThan(2 * a100.totalComputeSlices());
        assertThat(memory).isLessThan(2 * a100.totalMemorySlices());
    }

    @Test
    void onAnH100EveryProfileBecomesTheOneOfTheSameShape() {
        SampleSet samples = repositorySamples();
        ProfileTranslation translation = ProfileTranslation.plan(CATALOG, samples.requestedProfiles(JSON).keySet(),
                CATALOG.requireModel("H100-80GB"));

        assertThat(translation.sourceModel()).contains("A100-40GB");
        assertThat(translation.renames()).isEqualTo(Map.of("1g.5gb", "1g.10gb", "1g.10gb", "1g.20gb",
                "2g.10gb", "2g.20gb", "4g.20gb", "4g.40gb"));
        assertThat(translation.unplaceable()).isEmpty();
        SampleSet translated = samples.translated(translation, JSON);
        assertThat(translated.requestedProfiles(JSON).keySet()).containsExactly("1g.10gb", "1g.20gb", "2g.20gb", "4g.40gb");
        Pod multi = (Pod) translated.samples().stream().filter(s -> s.object().getMetadata().getName().equals("multi-slice"))
                .findFirst().orElseThrow().object();
        assertThat(multi.getSpec().getContainers().getFirst().getResources().getLimits())
                .containsOnlyKeys("nvidia.com/mig-1g.20gb", "nvidia.com/mig-1g.10gb");
    }

    @Test
    void aModelThatHasEveryProfileNeedsNoTranslation() {
        ProfileTranslation translation = ProfileTranslation.plan(CATALOG, List.of("1g.5gb", "3g.20gb"),
                CATALOG.requireModel("A100-40GB"));

        assertThat(translation.renamesAnything()).isFalse();
        assertThat(translation.unplaceable()).isEmpty();
    }

    @Test
    void aProfileWithoutATwinIsReportedAsUnplaceable() {
        // A30 has 4 memory slices and no 1-compute, 2-memory profile like A100-40GB's 1g.10gb
        ProfileTranslation translation = ProfileTranslation.plan(CATALOG, Set.of("1g.5gb", "1g.10gb"),
                CATALOG.requireModel("A30-24GB"));

        assertThat(translation.renames()).isEqualTo(Map.of("1g.5gb", "1g.6gb"));
        assertThat(translation.unplaceable()).containsExactly("1g.10gb");
    }

    @Test
    void twoProfilesThatBecomeOneAddUp(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pod.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: ns}
                spec:
                  containers:
                  - name: c
                    image: registry.example/app:1
                    resources:
                      limits: {nvidia.com/mig-1g.5gb: 1, nvidia.com/mig-1g.6gb: 2}
                """);
        SampleSet samples = SampleSet.load(dir, JSON);
        ProfileTranslation merge = new ProfileTranslation(Optional.of("A100-40GB"), "A30-24GB",
                Map.of("1g.5gb", "1g.6gb"), new TreeSet<>());

        Pod pod = (Pod) samples.translated(merge, JSON).samples().getFirst().object();
        assertThat(pod.getSpec().getContainers().getFirst().getResources().getLimits())
                .containsOnlyKeys("nvidia.com/mig-1g.6gb")
                .hasEntrySatisfying("nvidia.com/mig-1g.6gb", q -> assertThat(q.toString()).isEqualTo("3"));
    }

    @Test
    void aDirectoryWithoutYamlOrWithBrokenYamlIsRefusedWithItsName(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> SampleSet.load(dir, JSON)).hasMessageContaining("no *.yaml file in " + dir);
        Files.writeString(dir.resolve("broken.yaml"), "kind: [unclosed\n");
        assertThatThrownBy(() -> SampleSet.load(dir, JSON)).hasMessageContaining("cannot read " + dir.resolve("broken.yaml"));
    }
}
