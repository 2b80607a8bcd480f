package com.redhat.das.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.images.ImageArchive.Entry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** das-scheduler as profile offline-images builds it: FROM scratch, its static binary and /tmp, nothing else. */
class SchedulerImageTest {

    static final String BINARY = "usr/local/bin/das-scheduler";

    private final ImageArchive image = Images.archive("plugin-shim");

    @Test
    void isNamedAsTheOperatorExpectsIt() {
        assertThat(image.repoTags()).containsExactly(Images.reference("das-scheduler"));
        assertThat(image.architecture()).isEqualTo("amd64");
    }

    @Test
    void entrypointIsTheBinaryAndTakesTheOperatorsArguments() {
        assertThat(image.entrypoint()).containsExactly("/" + BINARY);
        assertThat(image.cmd()).isEmpty();
    }

    @Test
    void runsAsTheNonRootImageUser() {
        assertThat(image.user()).isEqualTo(Images.USER).isNotIn("0", "root");
    }

    @Test
    void holdsTmpAndTheBinaryInTwoLayersAndNothingElse() {
        assertThat(image.layerNames()).containsExactly("tmp", "das-scheduler");
        assertThat(image.layer("tmp").entries()).containsOnlyKeys("tmp");
        assertThat(image.files()).containsOnlyKeys("tmp", "usr", "usr/local", "usr/local/bin", BINARY);
        Entry tmp = image.file("tmp").orElseThrow();
        assertThat(tmp.directory()).isTrue();
        // Jib writes permission bits 000 to 777 only, so no sticky bit; /tmp is an emptyDir in the pod anyway
        assertThat(tmp.permissions()).isEqualTo(0777);
    }

    @Test
    void binaryIsExecutableByAnyUser() {
        Entry binary = image.file(BINARY).orElseThrow(() -> new AssertionError("no /" + BINARY));
        assertThat(binary.regularFile()).isTrue();
        assertThat(binary.permissions()).isEqualTo(0755);
        assertThat(binary.uid()).isZero();
    }

    @Test
    void binaryIsAStaticLinuxExecutable(@TempDir Path root) throws Exception {
        image.extractTo(root);
        Elf elf = Elf.read(root.resolve(BINARY));
        assertThat(elf.elfClass()).isEqualTo(Elf.CLASS_64);
        assertThat(elf.machine()).isEqualTo(Elf.MACHINE_X86_64);
        assertThat(elf.type()).isEqualTo(Elf.TYPE_EXEC);
        assertThat(elf.programHeaderTypes()).as("program header types").isNotEmpty()
                .doesNotContain(Elf.PT_INTERP, Elf.PT_DYNAMIC);
        assertThat(elf.isStatic()).isTrue();

        // with no loader and no library in the image, it runs as it is
        Images.Result version = Images.run(List.of(root.resolve(BINARY).toString(), "--version"));
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("Kubernetes v");
    }
}
