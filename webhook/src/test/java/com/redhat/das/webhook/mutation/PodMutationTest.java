package com.redhat.das.webhook.mutation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.redhat.das.api.mig.MigCatalog;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodMutationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final PodMutation mutation = new PodMutation(MigCatalog.bundled());

    /** name, pod as sent (YAML), pod after the patch (YAML); {@code null} expected = left as it is. */
    static Stream<Arguments> admitted() {
        return Stream.of(
                Arguments.of("plain pod", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {cpu: "1"}}
                        """, null),
                Arguments.of("MIG pod: limits renamed, requests added equal to limits, scheduler set", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {cpu: "1", nvidia.com/mig-1g.5gb: "1"}}
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: app
                            resources:
                              limits: {cpu: "1", mig.das.com/1g.5gb: "1"}
                              requests: {mig.das.com/1g.5gb: "1"}
                        """),
                Arguments.of("requests made equal to limits, other requests kept", """
                        spec:
                          containers:
                          - name: app
                            resources:
                              limits: {nvidia.com/mig-2g.10gb: "2"}
                              requests: {memory: 1Gi, nvidia.com/mig-2g.10gb: "1"}
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: app
                            resources:
                              limits: {mig.das.com/2g.10gb: "2"}
                              requests: {memory: 1Gi, mig.das.com/2g.10gb: "2"}
                        """),
                Arguments.of("requests only: limits written from them", """
                        spec:
                          containers:
                          - name: app
                            resources: {requests: {nvidia.com/mig-3g.20gb: "1"}}
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: app
                            resources:
                              limits: {mig.das.com/3g.20gb: "1"}
                              requests: {mig.das.com/3g.20gb: "1"}
                        """),
                Arguments.of("init containers too", """
                        spec:
                          initContainers:
                          - name: warmup
                            resources: {limits: {nvidia.com/mig-1g.5gb: "1"}}
                          containers:
                          - name: app
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          initContainers:
                          - name: warmup
                            resources:
                              limits: {mig.das.com/1g.5gb: "1"}
                              requests: {mig.das.com/1g.5gb: "1"}
                          containers:
                          - name: app
                        """),
                Arguments.of("several containers, only MIG ones touched", """
                        spec:
                          containers:
                          - name: a
                            resources: {limits: {nvidia.com/mig-1g.5gb: "1"}}
                          - name: b
                            resources: {limits: {cpu: "1"}}
                          - name: c
                            resources: {limits: {nvidia.com/mig-2g.10gb: "1", nvidia.com/mig-1g.5gb: "2"}}
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: a
                            resources:
                              limits: {mig.das.com/1g.5gb: "1"}
                              requests: {mig.das.com/1g.5gb: "1"}
                          - name: b
                            resources: {limits: {cpu: "1"}}
                          - name: c
                            resources:
                              limits: {mig.das.com/2g.10gb: "1", mig.das.com/1g.5gb: "2"}
                              requests: {mig.das.com/2g.10gb: "1", mig.das.com/1g.5gb: "2"}
                        """),
                Arguments.of("+me as NVIDIA writes it (.me) becomes -plus-me", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb.me: "1"}}
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: app
                            resources:
                              limits: {mig.das.com/1g.5gb-plus-me: "1"}
                              requests: {mig.das.com/1g.5gb-plus-me: "1"}
                        """),
                Arguments.of("default-scheduler is replaced", """
                        spec:
                          schedulerName: default-scheduler
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb: "1"}}
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: app
                            resources:
                              limits: {mig.das.com/1g.5gb: "1"}
                              requests: {mig.das.com/1g.5gb: "1"}
                        """),
                Arguments.of("already mutated", """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: app
                            resources:
                              limits: {mig.das.com/1g.5gb: "1"}
                              requests: {mig.das.com/1g.5gb: "1"}
                        """, null),
                Arguments.of("nvidia.com/gpu untouched, scheduler kept", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/gpu: "1"}}
                        """, null),
                Arguments.of("nvidia.com/gpu beside a MIG slice stays nvidia.com/gpu", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/gpu: "1", nvidia.com/mig-1g.5gb: "1"}}
                        """, """
                        spec:
                          schedulerName: das-scheduler
                          containers:
                          - name: app
                            resources:
                              limits: {nvidia.com/gpu: "1", mig.das.com/1g.5gb: "1"}
                              requests: {mig.das.com/1g.5gb: "1"}
                        """),
                Arguments.of("another scheduler without MIG slices is fine", """
                        spec:
                          schedulerName: my-scheduler
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/gpu: "1"}}
                        """, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("admitted")
    void admitsWithTheExpectedPatch(String name, String podYaml, String expectedYaml) throws Exception {
        Pod pod = Serialization.unmarshal(podYaml, Pod.class);
        MutationResult result = mutation.mutate(pod);

        assertThat(result).isInstanceOf(MutationResult.Allowed.class);
        JsonNode patched = apply(((MutationResult.Allowed) result).patch(), pod);
        JsonNode expected = JSON.valueToTree(Serialization.unmarshal(
                expectedYaml == null ? podYaml : expectedYaml, Pod.class));
        assertThat(patched).isEqualTo(expected);

        MutationResult second = mutation.mutate(JSON.treeToValue(patched, Pod.class));
        assertThat(second).as("second pass changes nothing").isEqualTo(new MutationResult.Allowed(List.of()));
    }

    /** name, pod (YAML), the part of the message that says what is wrong. */
    static Stream<Arguments> denied() {
        return Stream.of(
                Arguments.of("unknown profile", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-9g.99gb: "1"}}
                        """, "unknown MIG profile '9g.99gb'; known profiles: 1g."),
                Arguments.of("not a profile name at all", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-fast: "1"}}
                        """, "unknown MIG profile 'fast'"),
                Arguments.of("unknown profile in an init container", """
                        spec:
                          initContainers:
                          - name: init
                            resources: {limits: {nvidia.com/mig-0g.1gb: "1"}}
                          containers:
                          - name: app
                        """, "unknown MIG profile '0g.1gb'"),
                Arguments.of("zero slices", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb: "0"}}
                        """, "nvidia.com/mig-1g.5gb in container 'app' must be a positive integer number of slices,"
                        + " got '0'"),
                Arguments.of("fractional slices", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb: "500m"}}
                        """, "must be a positive integer number of slices, got '500m'"),
                Arguments.of("negative slices", """
                        spec:
                          containers:
                          - name: app
                            resources: {requests: {nvidia.com/mig-1g.5gb: "-1"}}
                        """, "got '-1'"),
                Arguments.of("an absurdly large quantity is refused without being expanded", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb: "1e999999999"}}
                        """, "must be a positive integer number of slices, got '1e999999999'"),
                Arguments.of("another scheduler named explicitly", """
                        spec:
                          schedulerName: volcano
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb: "1"}}
                        """, "pod asks for MIG slices (nvidia.com/mig-1g.5gb) but names scheduler 'volcano'"),
                Arguments.of("two +me slices of one profile", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb.me: "2"}}
                        """, "container 'app' asks for 2 media-extension (+me) slices"),
                Arguments.of("two different +me profiles", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb.me: "1", mig.das.com/1g.10gb-plus-me: "1"}}
                        """, "asks for 2 media-extension (+me) slices"),
                Arguments.of("one profile under two names", """
                        spec:
                          containers:
                          - name: app
                            resources: {limits: {nvidia.com/mig-1g.5gb: "1", mig.das.com/1g.5gb: "1"}}
                        """, "asks for MIG profile '1g.5gb' twice"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("denied")
    void deniesWithASpecificMessage(String name, String podYaml, String message) {
        MutationResult result = mutation.mutate(Serialization.unmarshal(podYaml, Pod.class));

        assertThat(result).isInstanceOfSatisfying(MutationResult.Denied.class,
                denied -> assertThat(denied.message()).contains(message));
    }

    @Test
    void resourceNamesAreEscapedInPatchPaths() {
        Pod pod = Serialization.unmarshal("""
                spec:
                  containers:
                  - name: app
                    resources:
                      limits: {nvidia.com/mig-1g.5gb: "1"}
                      requests: {nvidia.com/mig-1g.5gb: "1"}
                """, Pod.class);

        MutationResult.Allowed allowed = (MutationResult.Allowed) mutation.mutate(pod);

        assertThat(allowed.patch()).containsExactly(
                PatchOperation.remove("/spec/containers/0/resources/limits/nvidia.com~1mig-1g.5gb"),
                PatchOperation.add("/spec/containers/0/resources/limits/mig.das.com~11g.5gb", "1"),
                PatchOperation.remove("/spec/containers/0/resources/requests/nvidia.com~1mig-1g.5gb"),
                PatchOperation.add("/spec/containers/0/resources/requests/mig.das.com~11g.5gb", "1"),
                PatchOperation.add("/spec/schedulerName", "das-scheduler"));
        assertThat(Serialization.asJson(allowed.patch().get(0)))
                .isEqualTo("{\"op\":\"remove\",\"path\":\"/spec/containers/0/resources/limits/nvidia.com~1mig-1g.5gb\"}");
    }

    @Test
    void nullContainerEntriesAreSkipped() {
        Pod pod = Serialization.unmarshal("""
                {"spec":{"containers":[null,{"name":"app","resources":{"limits":{"nvidia.com/mig-1g.5gb":"1"}}}]}}
                """, Pod.class);

        MutationResult.Allowed allowed = (MutationResult.Allowed) mutation.mutate(pod);

        assertThat(allowed.patch()).first().isEqualTo(
                PatchOperation.remove("/spec/containers/1/resources/limits/nvidia.com~1mig-1g.5gb"));
    }

    @Test
    void podWithoutSpecIsLeftAlone() {
        assertThat(mutation.mutate(new Pod())).isEqualTo(new MutationResult.Allowed(List.of()));
    }

    private static JsonNode apply(List<PatchOperation> patch, Pod pod) {
        JsonNode source = JSON.valueToTree(pod);
        return JsonPatch.apply(JSON.valueToTree(patch), source);
    }
}
