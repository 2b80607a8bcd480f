package com.redhat.das.operator.install;

import com.redhat.das.api.v1alpha1.DASOperatorSpec.LogLevel;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;

/**
 * {@code spec.logLevel} in each component's terms: klog verbosity for das-scheduler (the levels OpenShift operators
 * use: Normal 2, Debug 4, Trace 6, TraceAll 8), the slf4j-simple default level for the Java components, which read it
 * from a system property, passed through {@code JAVA_TOOL_OPTIONS} because the image owns the command line.
 */
public final class LogLevels {

    private LogLevels() {
    }

    public static int klogVerbosity(LogLevel level) {
        return switch (level == null ? LogLevel.NORMAL : level) {
            case NORMAL -> 2;
            case DEBUG -> 4;
            case TRACE -> 6;
            case TRACE_ALL -> 8;
        };
    }

    public static String slf4jLevel(LogLevel level) {
        return switch (level == null ? LogLevel.NORMAL : level) {
            case NORMAL -> "info";
            case DEBUG -> "debug";
            case TRACE, TRACE_ALL -> "trace";
        };
    }

    public static EnvVar javaToolOptions(LogLevel level) {
        return new EnvVarBuilder().withName("JAVA_TOOL_OPTIONS")
                .withValue("-Dorg.slf4j.simpleLogger.defaultLogLevel=" + slf4jLevel(level)).build();
    }
}
