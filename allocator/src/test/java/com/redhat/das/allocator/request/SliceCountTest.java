package com.redhat.das.allocator.request;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SliceCountTest {

    @ParameterizedTest
    @CsvSource({"1, 1", "3, 3", "2000m, 2", "1k, 1000"})
    void wholePositiveQuantitiesAreSliceCounts(String quantity, int slices) {
        assertThat(SliceCount.parse("mig.das.com/1g.5gb", quantity)).isEqualTo(new SliceCount.Valid(slices));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0     | asks for 0 slices; ask for at least 1",
        "-1    | asks for -1 slices; ask for at least 1",
        "500m  | '500m' is not a whole number",
        "1.5   | '1.5' is not a whole number",
        "2Ki   | 2Ki slices is more than any node can hold",
        "one   | 'one' is not a quantity"})
    void otherQuantitiesAreExplained(String quantity, String message) {
        assertThat(SliceCount.parse("mig.das.com/1g.5gb", quantity))
                .isInstanceOfSatisfying(SliceCount.Invalid.class, i -> assertThat(i.message())
                        .startsWith("mig.das.com/1g.5gb: ").contains(message));
    }
}
