package com.redhat.das.allocator.request;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;

/**
 * How many slices of one profile a container asks for. Kubernetes stores extended resources as quantities, so
 * {@code "2"}, {@code "2000m"} and {@code "2k"} are all numbers; a slice count must be a whole number of at least
 * one, and anything else gets a message that says what was written and why it cannot be honoured.
 */
public sealed interface SliceCount {

    /** A usable count. */
    record Valid(int slices) implements SliceCount {
    }

    /** An unusable quantity, with the message the pod's author sees. */
    record Invalid(String message) implements SliceCount {
    }

    /** More slices than any GPU could ever hold; guards the int conversion. */
    int MAX_SLICES = 1024;

    static SliceCount parse(String resourceName, String quantity) {
        BigDecimal amount;
        try {
            amount = Quantity.getAmountInBytes(new Quantity(quantity));
        } catch (IllegalArgumentException e) {
            return new Invalid("%s: '%s' is not a quantity".formatted(resourceName, quantity));
        }
        if (amount.signum() <= 0) {
            return new Invalid("%s: asks for %s slices; ask for at least 1".formatted(resourceName, quantity));
        }
        if (amount.stripTrailingZeros().scale() > 0) {
            return new Invalid("%s: '%s' is not a whole number; a MIG slice cannot be shared, ask for 1 or more"
                    .formatted(resourceName, quantity));
        }
        if (amount.compareTo(BigDecimal.valueOf(MAX_SLICES)) > 0) {
            return new Invalid("%s: %s slices is more than any node can hold".formatted(resourceName, quantity));
        }
        return new Valid(amount.intValueExact());
    }
}
