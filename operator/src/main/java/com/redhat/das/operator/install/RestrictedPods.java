package com.redhat.das.operator.install;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

/**
 * Pieces of the pod specs of the unprivileged components (das-scheduler, webhook): they pass the Kubernetes
 * "restricted" Pod Security Standard and OpenShift's restricted-v2 SCC.
 */
public final class RestrictedPods {

    /** The non-root user of the DAS images. */
    public static final long IMAGE_USER = 65532;

    private RestrictedPods() {
    }

    /**
     * On OpenShift the SCC assigns the namespace's UID to every container of the pod, so no user is set; on
     * Kubernetes the pod runs as the images' user, one UID for all containers, so that they can share the
     * allocator's 0600 socket.
     */
    public static PodSecurityContext podSecurity(Platform platform) {
        PodSecurityContextBuilder b = new PodSecurityContextBuilder().withRunAsNonRoot(true)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
        if (platform == Platform.KUBERNETES) {
            b.withRunAsUser(IMAGE_USER).withRunAsGroup(IMAGE_USER).withFsGroup(IMAGE_USER);
        }
        return b.build();
    }

    public static SecurityContext containerSecurity() {
        return new SecurityContextBuilder().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true).withNewCapabilities().withDrop("ALL").endCapabilities().build();
    }

    /** Netty and JNA unpack native libraries into {@code java.io.tmpdir}; the root filesystem is read-only. */
    public static Volume tmpVolume() {
        return new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build();
    }

    public static VolumeMount tmpMount() {
        return new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build();
    }

    public static EnvVar podNamespace() {
        return new EnvVarBuilder().withName("POD_NAMESPACE").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.namespace").endFieldRef().endValueFrom().build();
    }
}
