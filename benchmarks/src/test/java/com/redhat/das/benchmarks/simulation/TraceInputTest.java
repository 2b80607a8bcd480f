package com.redhat.das.benchmarks.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How traces come in: GPU fractions to profiles, CSV import, load scaling, synthetic mixes. */
class TraceInputTest {

    private static final ClusterSpec A100 = ClusterSpec.parse("2x4xA100-40GB");
    private static final ClusterSpec A30 = ClusterSpec.parse("2x4xA30-24GB");

    @Test
    void aGpuFractionMapsToTheSmallestProfileWhoseComputeShareCoversIt() {
        assertThat(A100.profileCovering(0.05).name()).isEqualTo("1g.5gb");
        assertThat(A100.profileCovering(1 / 7.0).name()).isEqualTo("1g.5gb");
        // Written-out sevenths mean the profile, not the next one up.
        assertThat(A100.profileCovering(0.143).name()).isEqualTo("1g.5gb");
        assertThat(A100.profileCovering(0.2).name()).isEqualTo("2g.10gb");
        assertThat(A100.profileCovering(0.43).name()).isEqualTo("3g.20gb");
        assertThat(A100.profileCovering(0.5).name()).isEqualTo("4g.20gb");
        assertThat(A100.profileCovering(0.6).name()).isEqualTo("7g.40gb");
        assertThat(A100.profileCovering(1.0).name()).isEqualTo("7g.40gb");
        // A30 has 4 compute slices and no 3g.
        assertThat(A30.profileCovering(0.3).name()).isEqualTo("2g.12gb");
        assertThat(A30.profileCovering(0.75).name()).isEqualTo("4g.24gb");
    }

    @Test
    void fractionsOutsideOneGpuAreRejected() {
        assertThatThrownBy(() -> A100.profileCovering(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> A100.profileCovering(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> A100.profileCovering(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void csvRowsNameAProfileOrAFractionAndComeOutInArrivalOrder() throws IOException {
        String csv = """
                # a replayed day
                duration_s,arrival_s,gpu_fraction,profile,team
                600,30,0.25,,ml
                60,10,,3g.20gb,web

                120,20,1.0,1g.5gb,web
                """;
        Trace trace = TraceCsv.read(new StringReader(csv), "day", A100);
        assertThat(trace.requests()).containsExactly(
                new Request(0, 10, 60, "3g.20gb"),
                new Request(1, 20, 120, "1g.5gb"),
                new Request(2, 30, 600, "2g.10gb"));
    }

    @Test
    void csvErrorsNameTheLine() {
        assertThatThrownBy(() -> TraceCsv.read(new StringReader("arrival_s,duration_s,profile\n0,10,1g.5gb\n5,10,9g.99gb\n"),
                "bad", A100)).hasMessageContaining("line 3").hasMessageContaining("9g.99gb");
        assertThatThrownBy(() -> TraceCsv.read(new StringReader("arrival_s,duration_s,gpu_fraction\n0,-1,0.5\n"), "bad", A100))
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> TraceCsv.read(new StringReader("arrival_s,profile\n0,1g.5gb\n"), "bad", A100))
                .hasMessageContaining("duration_s");
    }

    @Test
    void scalingATraceSetsItsOfferedLoadAndKeepsWhatIsAskedFor() {
        Trace trace = new Trace("t", List.of(new Request(0, 0, 100, "7g.40gb"), new Request(1, 50, 100, "1g.5gb"),
                new Request(2, 100, 300, "3g.20gb")));
        // (7·100 + 1·100 + 3·300) / (8 GPUs · 7 slices · 100 s)
        assertThat(trace.offeredLoad(A100)).isCloseTo(1700.0 / 5600, within(1e-12));
        Trace scaled = trace.scaledToLoad(A100, 0.9);
        assertThat(scaled.offeredLoad(A100)).isCloseTo(0.9, within(1e-12));
        assertThat(scaled.requests()).extracting(Request::profile).containsExactly("7g.40gb", "1g.5gb", "3g.20gb");
        assertThat(scaled.requests()).extracting(Request::duration).containsExactly(100.0, 100.0, 300.0);
    }

    @Test
    void aSyntheticMixIsReproducibleAndDiffersAcrossLoadsOnlyInArrivalTimes() {
        Trace first = WorkloadMix.MIXED.trace(A100, 500, 0.8, 7);
        Trace again = WorkloadMix.MIXED.trace(A100, 500, 0.8, 7);
        Trace heavier = WorkloadMix.MIXED.trace(A100, 500, 1.2, 7);
        Trace otherSeed = WorkloadMix.MIXED.trace(A100, 500, 0.8, 8);
        assertThat(again).isEqualTo(first);
        assertThat(otherSeed.requests()).isNotEqualTo(first.requests());
        assertThat(heavier.offeredLoad(A100)).isCloseTo(1.2, within(1e-9));
        assertThat(heavier.requests()).extracting(Request::profile)
                .containsExactlyElementsOf(first.requests().stream().map(Request::profile).toList());
        assertThat(heavier.arrivalSpan()).isCloseTo(first.arrivalSpan() * 0.8 / 1.2, within(1e-6));
        // Every size of the mix shows up, in roughly its share.
        long sevens = first.requests().stream().filter(r -> r.profile().equals("7g.40gb")).count();
        assertThat(sevens).isBetween(40L, 110L);
    }
}
