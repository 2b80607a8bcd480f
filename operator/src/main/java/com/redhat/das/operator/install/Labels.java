package com.redhat.das.operator.install;

import java.util.LinkedHashMap;
import java.util.Map;

/** The labels on every object the operator manages; its informers watch only objects carrying them. */
public final class Labels {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR = "das-operator";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String NAME = "app.kubernetes.io/name";
    /** Label selector of the operator's informers: a compile-time constant, usable in annotations. */
    public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;

    private Labels() {
    }

    /** Labels of an object belonging to {@code component} (scheduler, webhook, node). */
    public static Map<String, String> of(String component) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "das-" + component);
        labels.put(COMPONENT, component);
        labels.put(PART_OF, "das");
        labels.put(MANAGED_BY, OPERATOR);
        return labels;
    }

    /** The pod selector of a component's workload; never changes, since a Deployment's selector is immutable. */
    public static Map<String, String> selector(String component) {
        return Map.of(NAME, "das-" + component);
    }
}
