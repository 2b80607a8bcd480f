package com.redhat.das.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import java.util.Map;

/**
 * @param managementState  {@code Managed}: the operator keeps the components as specified; {@code Unmanaged}: it
 *                         leaves them alone; {@code Removed}: it deletes them
 * @param logLevel         log level of the DAS components
 * @param operatorLogLevel log level of the operator itself
 * @param nodeSelector     extra labels a node needs to run the node daemon
 * @param emulatedMode     run without GPUs: the node daemon emulates {@code emulatedGpus} per node
 * @param emulatedGpus     GPU model and count per node in emulated mode
 * @param placementPolicy  how the allocator places slices: {@code packed} (default) or {@code reference}
 * @param images           image overrides per component
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DASOperatorSpec(
        @Default("Managed") @JsonProperty("managementState") ManagementState managementState,
        @Default("Normal") @JsonProperty("logLevel") LogLevel logLevel,
        @Default("Normal") @JsonProperty("operatorLogLevel") LogLevel operatorLogLevel,
        @JsonProperty("nodeSelector") Map<String, String> nodeSelector,
        @Default("false") @JsonProperty("emulatedMode") Boolean emulatedMode,
        @JsonProperty("emulatedGpus") EmulatedGpus emulatedGpus,
        @Default("packed") @JsonProperty("placementPolicy") PlacementPolicyName placementPolicy,
        @JsonProperty("images") Images images) {

    public enum ManagementState {
        @JsonProperty("Managed") MANAGED,
        @JsonProperty("Unmanaged") UNMANAGED,
        @JsonProperty("Removed") REMOVED,
        @JsonProperty("Force") FORCE
    }

    public enum LogLevel {
        @JsonProperty("Normal") NORMAL,
        @JsonProperty("Debug") DEBUG,
        @JsonProperty("Trace") TRACE,
        @JsonProperty("TraceAll") TRACE_ALL
    }

    public enum PlacementPolicyName {
        @JsonProperty("packed") PACKED,
        @JsonProperty("reference") REFERENCE
    }

    /**
     * @param model catalog model name, e.g. {@code A100-40GB}
     * @param count GPUs per node
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EmulatedGpus(
            @Default("A100-40GB") @JsonProperty("model") String model,
            @Default("2") @Min(1) @JsonProperty("count") Integer count) {
    }

    /** Container images; empty fields take the operator's defaults. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Images(
            @JsonProperty("scheduler") String scheduler,
            @JsonProperty("allocator") String allocator,
            @JsonProperty("node") String node,
            @JsonProperty("webhook") String webhook) {
    }
}
