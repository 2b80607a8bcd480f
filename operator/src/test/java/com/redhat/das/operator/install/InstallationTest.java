package com.redhat.das.operator.install;

import static org.assertj.core.api.Assertions.assertThat;

import com.redhat.das.api.v1alpha1.DASOperatorSpec;
import com.redhat.das.operator.node.NodeObjects;
import com.redhat.das.operator.scheduler.SchedulerObjects;
import com.redhat.das.operator.webhook.WebhookObjects;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstallationTest {

    static final ComponentImages IMAGES = ComponentImages.fromEnvironment(Map.of(), "registry.test/", "1");

    static Installation installation(DASOperatorSpec spec, Platform platform, boolean certManager) {
        return new Installation("das-operator", spec, IMAGES, platform, certManager);
    }

    static DASOperatorSpec spec(Boolean emulated, DASOperatorSpec.LogLevel level, Map<String, String> nodeSelector) {
        return new DASOperatorSpec(null, level, null, nodeSelector, emulated, null, null, null);
    }

    @Test
    void imagesComeFromTheEnvironmentAndTheSpecOverridesThem() {
        ComponentImages env = ComponentImages.fromEnvironment(Map.of(ComponentImages.NODE_ENV, "mirror.local/node@sha256:abc"),
                "quay.io/das/", "0.1.0");
        assertThat(env.node()).isEqualTo("mirror.local/node@sha256:abc");
        assertThat(env.scheduler()).isEqualTo("quay.io/das/das-scheduler:0.1.0");
        ComponentImages overridden = env.overriddenBy(new DASOperatorSpec.Images(null, "my/allocator:2", " ", null));
        assertThat(overridden.allocator()).isEqualTo("my/allocator:2");
        assertThat(overridden.node()).isEqualTo("mirror.local/node@sha256:abc");
    }

    @Test
    void theNodeDaemonIsPrivilegedOnlyWithRealGpus() {
        var nvml = new NodeObjects(installation(spec(false, null, null), Platform.KUBERNETES, true)).daemonSet();
        var emulated = new NodeObjects(installation(spec(true, null, null), Platform.KUBERNETES, true)).daemonSet();
        Container real = nvml.getSpec().getTemplate().getSpec().getContainers().get(0);
        Container fake = emulated.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(real.getSecurityContext().getPrivileged()).isTrue();
        assertThat(real.getEnv()).extracting(EnvVar::getName).contains("NVIDIA_VISIBLE_DEVICES", "NODE_NAME");
        assertThat(fake.getSecurityContext().getPrivileged()).isFalse();
        assertThat(fake.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(fake.getEnv()).extracting(EnvVar::getName).doesNotContain("NVIDIA_VISIBLE_DEVICES");
        assertThat(fake.getArgs()).contains("--backend=emulated", "--emulated-model=A100-40GB", "--namespace=das-operator");
    }

    @Test
    void theNodeSelectorOfTheSpecReplacesTheMigCapableDefault() {
        var byDefault = new NodeObjects(installation(spec(false, null, null), Platform.KUBERNETES, true));
        var chosen = new NodeObjects(installation(spec(false, null, Map.of("pool", "gpu")), Platform.KUBERNETES, true));
        assertThat(byDefault.daemonSet().getSpec().getTemplate().getSpec().getNodeSelector())
                .isEqualTo(Map.of("nvidia.com/mig.capable", "true"));
        assertThat(chosen.daemonSet().getSpec().getTemplate().getSpec().getNodeSelector()).isEqualTo(Map.of("pool", "gpu"));
    }

    @Test
    void logLevelReachesEveryComponent() {
        Installation debug = installation(spec(false, DASOperatorSpec.LogLevel.DEBUG, null), Platform.KUBERNETES, true);
        var scheduler = new SchedulerObjects(debug).deployment().getSpec().getTemplate().getSpec().getContainers();
        assertThat(scheduler.get(0).getArgs()).contains("--v=4");
        assertThat(scheduler.get(1).getEnv()).anySatisfy(e -> assertThat(e.getValue()).endsWith("defaultLogLevel=debug"));
        assertThat(new WebhookObjects(debug).deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e.getValue()).endsWith("defaultLogLevel=debug"));
    }

    @Test
    void onOpenShiftTheServiceCaIssuesTheCertificateAndNoUserIsForced() {
        Installation openshift = installation(null, Platform.OPENSHIFT, false);
        WebhookObjects webhook = new WebhookObjects(openshift);
        assertThat(openshift.certificateSource()).isEqualTo(Installation.CertificateSource.SERVICE_CA);
        assertThat(webhook.service().getMetadata().getAnnotations())
                .containsEntry("service.beta.openshift.io/serving-cert-secret-name", WebhookObjects.TLS_SECRET);
        assertThat(webhook.configuration().getMetadata().getAnnotations())
                .containsEntry("service.beta.openshift.io/inject-cabundle", "true");
        assertThat(webhook.configuration().getWebhooks().get(0).getClientConfig().getCaBundle()).isNull();
        assertThat(webhook.deployment().getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()).isNull();
        assertThat(new NodeObjects(openshift).sccRoleBinding().getRoleRef().getName()).isEqualTo("system:openshift:scc:privileged");
    }

    @Test
    void onKubernetesCertManagerIssuesItOrNobodyDoes() {
        assertThat(installation(null, Platform.KUBERNETES, true).certificateSource())
                .isEqualTo(Installation.CertificateSource.CERT_MANAGER);
        assertThat(installation(null, Platform.KUBERNETES, false).certificateSource())
                .isEqualTo(Installation.CertificateSource.NONE);
        WebhookObjects webhook = new WebhookObjects(installation(null, Platform.KUBERNETES, true));
        assertThat(webhook.configuration().getMetadata().getAnnotations())
                .containsEntry("cert-manager.io/inject-ca-from", "das-operator/das-webhook");
        assertThat(webhook.deployment().getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser())
                .isEqualTo(RestrictedPods.IMAGE_USER);
    }

    @Test
    void aNewSchedulerConfigurationChangesThePodTemplate() {
        var a = new SchedulerObjects(new Installation("das-operator", null, IMAGES, Platform.KUBERNETES, true)).deployment();
        var b = new SchedulerObjects(new Installation("das-system", null, IMAGES, Platform.KUBERNETES, true)).deployment();
        assertThat(a.getSpec().getTemplate().getMetadata().getAnnotations().get(SchedulerObjects.CONFIG_HASH_ANNOTATION))
                .isNotEqualTo(b.getSpec().getTemplate().getMetadata().getAnnotations().get(SchedulerObjects.CONFIG_HASH_ANNOTATION));
    }
}
