package com.redhat.das.allocator.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PlacementPoliciesTest {

    @Test
    void findsThePoliciesByName() {
        assertThat(PlacementPolicies.byName("packed")).isInstanceOf(PackedPolicy.class);
        assertThat(PlacementPolicies.byName("reference")).isInstanceOf(ReferencePolicy.class);
        assertThat(PlacementPolicies.byName(" Reference ").name()).isEqualTo("reference");
    }

    @Test
    void defaultsToPacked() {
        assertThat(PlacementPolicies.byName(null).name()).isEqualTo("packed");
        assertThat(PlacementPolicies.byName("").name()).isEqualTo("packed");
        assertThat(PlacementPolicies.DEFAULT).isEqualTo("packed");
    }

    @Test
    void rejectsUnknownNamesListingTheValidOnes() {
        assertThatThrownBy(() -> PlacementPolicies.byName("spread"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown placement policy 'spread'; valid policies: packed, reference (default packed)");
    }

    @Test
    void namesMatchTheOperatorsEnum() {
        for (var name : com.redhat.das.api.v1alpha1.DASOperatorSpec.PlacementPolicyName.values()) {
            assertThat(PlacementPolicies.byName(name.name()).name()).isEqualTo(name.name().toLowerCase());
        }
    }
}
