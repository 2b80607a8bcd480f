package com.redhat.das.webhook.mutation;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One RFC 6902 JSON patch operation. {@code value} is left out of the JSON for {@code remove}.
 *
 * @param op    {@code add}, {@code remove} or {@code replace}
 * @param path  RFC 6901 JSON pointer; build segments with {@link #escape(String)}
 * @param value the new value for {@code add}/{@code replace}, else {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PatchOperation(String op, String path, Object value) {

    public PatchOperation {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(path, "path");
    }

    public static PatchOperation add(String path, Object value) {
        return new PatchOperation("add", path, Objects.requireNonNull(value, "value"));
    }

    public static PatchOperation remove(String path) {
        return new PatchOperation("remove", path, null);
    }

    /** Escapes one JSON-pointer segment: {@code ~} → {@code ~0}, {@code /} → {@code ~1} (order matters). */
    public static String escape(String segment) {
        return segment.replace("~", "~0").replace("/", "~1");
    }
}
