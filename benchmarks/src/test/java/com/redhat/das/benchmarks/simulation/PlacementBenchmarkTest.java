package com.redhat.das.benchmarks.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command end to end, on a cluster and traces small enough for every build. */
class PlacementBenchmarkTest {

    @Test
    void writesOneRowPerRunAndThePlots(@TempDir Path out) throws IOException {
        int exit = new CommandLine(new PlacementBenchmark()).execute("--out", out.toString(), "--cluster", "2x2xA100-40GB",
                "--mixes", "inference,training", "--loads", "0.8,1.2", "--arrivals", "300", "--threads", "1");
        assertThat(exit).isZero();
        List<String> csv = Files.readAllLines(out.resolve("placement-results.csv"));
        // 2 mixes × 2 loads × 4 policies × 2 queues
        assertThat(csv).hasSize(1 + 32);
        assertThat(csv.getFirst()).startsWith("workload,offered_load,policy,queue,requests,placed_on_arrival,");
        assertThat(csv).anySatisfy(line -> assertThat(line).startsWith("training,1.200,repack,fifo,"));
        // No run at the default series load (100 %): the series file has its header only, and there is no plot of it.
        assertThat(Files.readAllLines(out.resolve("placement-series.csv"))).hasSize(1);
        assertThat(out.resolve("placement-utilization-over-time.png")).doesNotExist();
        assertThat(Files.readString(out.resolve("placement-results.json"))).contains("\"minPackedOverRepack\"");
        for (String png : List.of("placement-share.png", "placement-utilization.png", "placement-wait.png")) {
            assertThat(Files.size(out.resolve(png))).as(png).isGreaterThan(10_000);
        }
    }

    @Test
    void replaysACsvTraceScaledToTheRequestedLoads(@TempDir Path dir) throws IOException {
        Path trace = dir.resolve("day.csv");
        StringBuilder csv = new StringBuilder("arrival_s,duration_s,gpu_fraction\n");
        for (int i = 0; i < 200; i++) {
            String fraction = i % 5 == 0 ? "1.0" : "0.14";
            csv.append(i * 30).append(',').append(600 + (i * 37) % 900).append(',').append(fraction).append('\n');
        }
        Files.writeString(trace, csv);
        int exit = new CommandLine(new PlacementBenchmark()).execute("--out", dir.toString(), "--cluster", "1x2xA100-40GB",
                "--trace", trace.toString(), "--loads", "0.9", "--series-load", "0.9", "--policies", "packed,repack",
                "--threads", "1");
        assertThat(exit).isZero();
        List<String> rows = Files.readAllLines(dir.resolve("placement-results.csv"));
        assertThat(rows).hasSize(1 + 4).allSatisfy(row -> assertThat(row).matches("workload.*|day,0\\.900,.*"));
        // The series file holds every run at the series load.
        assertThat(Files.readAllLines(dir.resolve("placement-series.csv"))).hasSize(1 + 4 * PlacementReport.SERIES_SAMPLES);
    }
}
