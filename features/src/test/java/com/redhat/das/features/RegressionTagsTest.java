package com.redhat.das.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every bug (16) and design weakness (12) the reference notes list for the reference DAS operator has a scenario
 * tagged with its number, whose title names the behaviour of the reference it guards against.
 */
class RegressionTagsTest {

    private static final int REFERENCE_BUGS = 16;
    private static final int REFERENCE_DESIGN_WEAKNESSES = 12;
    private static final Pattern TAG = Pattern.compile("@reference-(bug|design)-(\\d+)");

    private record TaggedScenario(String file, Set<String> tags, String title) {
    }

    private static List<TaggedScenario> taggedScenarios() throws IOException {
        List<TaggedScenario> out = new ArrayList<>();
        // The feature files sit in the module's directory, the tests' working directory.
        try (Stream<Path> files = Files.list(Path.of(""))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".feature")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i + 1 < lines.size(); i++) {
                    Matcher m = TAG.matcher(lines.get(i));
                    Set<String> tags = new TreeSet<>();
                    while (m.find()) {
                        tags.add(m.group(1) + "-" + m.group(2));
                    }
                    String next = lines.get(i + 1).strip();
                    if (!tags.isEmpty() && next.startsWith("Scenario")) {
                        out.add(new TaggedScenario(f.getFileName().toString(), tags, next));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void everyReferenceBugAndWeaknessHasATaggedScenario() throws IOException {
        Set<String> tagged = new TreeSet<>();
        taggedScenarios().forEach(s -> tagged.addAll(s.tags()));
        List<String> expected = new ArrayList<>();
        IntStream.rangeClosed(1, REFERENCE_BUGS).forEach(n -> expected.add("bug-" + n));
        IntStream.rangeClosed(1, REFERENCE_DESIGN_WEAKNESSES).forEach(n -> expected.add("design-" + n));
        assertThat(tagged).as("reference bugs and weaknesses with a scenario").containsAll(expected);
        assertThat(tagged).as("no tag beyond the lists").hasSameSizeAs(expected);
    }

    @Test
    void eachTaggedScenarioSaysWhatTheReferenceDoes() throws IOException {
        assertThat(taggedScenarios()).isNotEmpty().allSatisfy(s -> assertThat(s.title()).as(s.file() + ": " + s.title())
                .containsPattern("\\(.*the reference.*\\)"));
    }
}
