package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Required;

/** The pod a slice belongs to; {@code uid} tells a re-created pod of the same name apart. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PodReference(
        @JsonProperty("kind") String kind,
        @Required @JsonProperty("namespace") String namespace,
        @Required @JsonProperty("name") String name,
        @Required @JsonProperty("uid") String uid) {

    public static PodReference pod(String namespace, String name, String uid) {
        return new PodReference("Pod", namespace, name, uid);
    }
}
