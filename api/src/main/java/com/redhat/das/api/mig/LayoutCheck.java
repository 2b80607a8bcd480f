package com.redhat.das.api.mig;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Outcome of checking a whole GPU layout against {@link PlacementRules}: every violation found, in instance order.
 *
 * @param violations empty when the layout is valid
 */
public record LayoutCheck(List<PlacementViolation> violations) {

    private static final LayoutCheck VALID = new LayoutCheck(List.of());

    public LayoutCheck {
        violations = List.copyOf(violations);
    }

    public static LayoutCheck valid() {
        return VALID;
    }

    public boolean isValid() {
        return violations.isEmpty();
    }

    public Optional<PlacementViolation> firstViolation() {
        return violations.stream().findFirst();
    }

    public Set<PlacementViolation.Reason> reasons() {
        Set<PlacementViolation.Reason> reasons = EnumSet.noneOf(PlacementViolation.Reason.class);
        violations.forEach(v -> reasons.add(v.reason()));
        return reasons;
    }

    /** All messages joined by "; ", or "valid". */
    public String describe() {
        if (isValid()) {
            return "valid";
        }
        return String.join("; ", violations.stream().map(PlacementViolation::message).toList());
    }

    @Override
    public String toString() {
        return describe();
    }
}
