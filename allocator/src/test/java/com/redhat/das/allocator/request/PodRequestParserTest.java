package com.redhat.das.allocator.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.allocator.model.SliceDemand;
import com.redhat.das.api.allocator.v1.Container;
import com.redhat.das.api.allocator.v1.PodRef;
import com.redhat.das.api.allocator.v1.PodRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodRequestParserTest {

    private static Container container(String name, Container.Kind kind, Map<String, String> limits) {
        return Container.newBuilder().setName(name).setKind(kind).putAllLimits(limits).build();
    }

    private static PodRequest pod(Container... containers) {
        return PodRequest.newBuilder().setPod(PodRef.newBuilder().setNamespace("ns").setName("p").setUid("uid-1"))
                .addAllContainers(List.of(containers)).build();
    }

    private static List<SliceDemand> slices(PodRequest pod) {
        PodRequestParser.Parsed parsed = PodRequestParser.parse(pod);
        assertThat(parsed).isInstanceOf(PodRequestParser.Slices.class);
        return ((PodRequestParser.Slices) parsed).demand().slices();
    }

    @Test
    void countsAreExpandedPerContainer() {
        assertThat(slices(pod(container("main", Container.Kind.APP, Map.of("mig.das.com/1g.5gb", "2", "cpu", "1")))))
                .containsExactly(new SliceDemand("main", "1g.5gb", 0), new SliceDemand("main", "1g.5gb", 1));
    }

    @Test
    void nvidiaNamesAndPlusMeAreUnderstood() {
        assertThat(slices(pod(container("a", Container.Kind.APP, Map.of("nvidia.com/mig-3g.20gb", "1")),
                container("b", Container.Kind.APP, Map.of("mig.das.com/1g.5gb-plus-me", "1")))))
                .containsExactly(new SliceDemand("a", "3g.20gb", 0), new SliceDemand("b", "1g.5gb+me", 0));
    }

    @Test
    void aSmallInitContainerReusesTheAppContainersSlices() {
        assertThat(slices(pod(container("init", Container.Kind.INIT, Map.of("mig.das.com/1g.5gb", "1")),
                container("main", Container.Kind.APP, Map.of("mig.das.com/1g.5gb", "2")))))
                .containsExactly(new SliceDemand("main", "1g.5gb", 0), new SliceDemand("main", "1g.5gb", 1));
    }

    @Test
    void aBiggerInitContainerAddsOnlyWhatTheAppContainersLack() {
        // max(3, 1 + 1) = 3: the app containers' 2, plus 1 for the init container
        assertThat(slices(pod(container("warmup", Container.Kind.INIT, Map.of("mig.das.com/1g.5gb", "3")),
                container("a", Container.Kind.APP, Map.of("mig.das.com/1g.5gb", "1")),
                container("b", Container.Kind.APP, Map.of("mig.das.com/1g.5gb", "1")))))
                .containsExactly(new SliceDemand("a", "1g.5gb", 0), new SliceDemand("b", "1g.5gb", 0),
                        new SliceDemand("warmup", "1g.5gb", 0));
    }

    @Test
    void initContainersDoNotAddUp() {
        // init containers run one at a time: two init containers of 2 need 2, not 4
        assertThat(slices(pod(container("i1", Container.Kind.INIT, Map.of("mig.das.com/2g.10gb", "2")),
                container("i2", Container.Kind.INIT, Map.of("mig.das.com/2g.10gb", "2")))))
                .containsExactly(new SliceDemand("i1", "2g.10gb", 0), new SliceDemand("i1", "2g.10gb", 1));
    }

    @Test
    void sidecarsCountWithTheAppContainers() {
        assertThat(slices(pod(container("proxy", Container.Kind.SIDECAR, Map.of("mig.das.com/1g.5gb", "1")),
                container("init", Container.Kind.INIT, Map.of("mig.das.com/1g.5gb", "2")),
                container("main", Container.Kind.APP, Map.of("mig.das.com/1g.5gb", "1")))))
                .hasSize(2);
    }

    @Test
    void badQuantitiesAndNamesAreExplained() {
        PodRequestParser.Parsed parsed = PodRequestParser.parse(pod(
                container("main", Container.Kind.APP, Map.of("mig.das.com/1g.5gb", "0", "mig.das.com/gpu", "1"))));
        assertThat(parsed).isInstanceOfSatisfying(PodRequestParser.Invalid.class, i -> assertThat(i.message())
                .contains("container main: mig.das.com/1g.5gb: asks for 0 slices; ask for at least 1")
                .contains("'mig.das.com/gpu' does not name a MIG profile"));
    }

    @Test
    void aPodWithoutSlicesSaysSo() {
        assertThat(PodRequestParser.parse(pod(container("main", Container.Kind.APP, Map.of("nvidia.com/gpu", "1")))))
                .isInstanceOf(PodRequestParser.NoSlices.class);
    }
}
