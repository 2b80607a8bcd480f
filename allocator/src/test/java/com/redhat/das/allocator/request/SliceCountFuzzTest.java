package com.redhat.das.allocator.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever a pod's author writes as a quantity, the parser answers with a slice count equal to the quantity's value
 * or with a refusal that names the resource and repeats what was written; nothing else escapes. Tries: the build's
 * {@code jqwik.tries.default} (10^4 in CI, 10^6 with -Psoak).
 */
class SliceCountFuzzTest {

    private static final String RESOURCE = "mig.das.com/1g.5gb";

    @Property
    void everyQuantityIsACountOrAnExplainedRefusal(@ForAll("quantities") String quantity) {
        switch (SliceCount.parse(RESOURCE, quantity)) {
            case SliceCount.Valid valid -> {
                assertThat(valid.slices()).isBetween(1, SliceCount.MAX_SLICES);
                assertThat(Quantity.getAmountInBytes(new Quantity(quantity))).isEqualByComparingTo(BigDecimal.valueOf(valid.slices()));
            }
            case SliceCount.Invalid invalid -> assertThat(invalid.message()).startsWith(RESOURCE + ": ").contains(quantity);
        }
    }

    @Provide
    Arbitrary<String> quantities() {
        Arbitrary<String> sign = Arbitraries.of("", "", "-", "+");
        Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.integers().between(0, 5000).map(String::valueOf),
                Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.valueOf(5000)).ofScale(3).map(BigDecimal::toPlainString),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(40));
        Arbitrary<String> suffix = Arbitraries.of("", "", "m", "u", "n", "k", "K", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ei",
                "e3", "E2", "e-3", "e999999999", "x", " ");
        Arbitrary<String> shaped = Combinators.combine(sign, number, suffix).as((a, b, c) -> a + b + c);
        Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(24);
        Arbitrary<String> edges = Arbitraries.of("", " ", "1", "0", "-1", "0.5", "1500m", "2000m", "1e3", "1Ki", "1.", ".1", "1e",
                "e1", "--1", "1..2", "9223372036854775808", "1e-9999999999", "NaN", "Infinity", "0x10", "١", "1 ");
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, shaped), net.jqwik.api.Tuple.of(3, anything),
                net.jqwik.api.Tuple.of(1, edges));
    }
}
