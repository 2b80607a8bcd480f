package com.redhat.das.node.backend.nvml;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The test controls of {@code src/test/c/fake_nvml.c}, which the build compiles into {@code target/fake-nvml/}. The
 * library is loaded once per path, so these controls and {@link NvmlBackend} share its state.
 */
interface FakeNvml extends Library {

    /** Catalog model and NVML product name of the two MIG GPUs. */
    String PRODUCT = "NVIDIA A100-SXM4-40GB";
    String GPU0 = "GPU-3f1c9a52-6b0e-4d27-9c85-a1e0f4b27d10";
    String GPU1 = "GPU-8d46e2b7-1a93-4f5c-b0d8-52c7e9a31f64";
    /** The third GPU, a T4 without MIG. */
    String GPU2 = "GPU-c27a5e19-f430-4b6d-8e12-0d9b3f6a7c85";

    /** The fake with every NVML function the binding uses. */
    static String path() {
        return built("das.test.fakeNvml");
    }

    /** The fake as an old driver has it: without the ...ProfileInfoV functions. */
    static String pathWithoutProfileInfoV() {
        return built("das.test.fakeNvmlWithoutProfileInfoV");
    }

    static FakeNvml load(String path) {
        return Native.load(path, FakeNvml.class);
    }

    private static String built(String property) {
        String path = System.getProperty(property);
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new IllegalStateException("system property " + property + " must name the fake NVML library built"
                    + " by the node module's build (mvn -pl node test compiles src/test/c/fake_nvml.c), got " + path);
        }
        return path;
    }

    void fake_nvml_reset();

    int fake_nvml_fail_next(String function, int code);

    String fake_nvml_call_log();

    void fake_nvml_clear_call_log();

    int fake_nvml_set_mig_mode(int gpu, int mode);

    void fake_nvml_ci_info_device_is_mig(int isMig);

    int fake_nvml_make_gpu_instance(int gpu, int profileId, int start);

    int fake_nvml_gpu_instance_count(int gpu);

    int fake_nvml_compute_instance_count(int gpu);

    int fake_nvml_init_count();

    NativeLong fake_nvml_layout(String type, String field);

    int fake_nvml_struct_version(String type);

    /** The call log as lines, "name(arguments) = code". */
    default List<String> calls() {
        String log = fake_nvml_call_log();
        return log.isEmpty() ? List.of() : Arrays.asList(log.split("\n"));
    }

    /** The logged calls of one function, in order. */
    default List<String> calls(String function) {
        return calls().stream().filter(line -> line.startsWith(function + "(")).toList();
    }
}
