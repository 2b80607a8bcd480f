package com.redhat.das.benchmarks.soak;

import com.redhat.das.api.mig.GpuModel;
import com.redhat.das.api.mig.MigCatalog;
import com.redhat.das.api.mig.MigProfile;
import com.redhat.das.api.mig.ResourceNames;
import com.redhat.das.testbed.Testbed.GpuNodeSpec;
import com.redhat.das.testbed.kubelet.KubeletStandIn;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A seeded random stream of MIG workloads: bare pods that run a few seconds or are deleted while they run,
 * Deployments scaled up, down and deleted, and Jobs that complete and are deleted. Every pod asks for profiles
 * through {@code nvidia.com/mig-*}, as a user would, so the webhook routes it to das-scheduler.
 *
 * <p>The seed fixes the sequence of choices, not the timing: which pod is alive when a choice is made depends on
 * how fast the cluster is, so two runs with one seed make the same kinds of objects in the same order but not
 * byte-identical histories.
 */
final class ChurnWorkload {

    static final String NAMESPACE = "soak";
    static final String ROLE_LABEL = "das.soak/role";
    static final String WORKLOAD = "workload";
    private static final Logger LOG = LoggerFactory.getLogger(ChurnWorkload.class);
    private static final int MAX_DEPLOYMENTS = 3;

    /** One pod's request: {@code count} slices of {@code profile}. */
    record Shape(String profile, int count) {
    }

    private final KubernetesClient client;
    private final PodLedger ledger;
    private final Random random;
    private final int maxLivePods;
    private final List<WeightedShape> shapes;
    private final double totalWeight;
    private final Map<String, Integer> deployments = new LinkedHashMap<>();
    private final AtomicInteger sequence = new AtomicInteger();
    private final AtomicLong apiErrors = new AtomicLong();
    private final Map<String, AtomicInteger> created = new LinkedHashMap<>(Map.of("pod", new AtomicInteger(),
            "deployment", new AtomicInteger(), "job", new AtomicInteger()));
    private long ticks;

    private record WeightedShape(Shape shape, double weight) {
    }

    ChurnWorkload(KubernetesClient client, PodLedger ledger, List<GpuNodeSpec> nodes, long seed, int maxLivePods) {
        this.client = client;
        this.ledger = ledger;
        this.random = new Random(seed);
        this.maxLivePods = maxLivePods;
        this.shapes = shapes(nodes);
        this.totalWeight = shapes.stream().mapToDouble(WeightedShape::weight).sum();
    }

    /**
     * Every profile of every model on the nodes, weighted toward small ones as real clusters see them (weight
     * 1/compute slices², {@code +me} a tenth of that), and two slices for the smallest. Each node's GPU count weighs
     * its model's shapes.
     */
    private static List<WeightedShape> shapes(List<GpuNodeSpec> nodes) {
        MigCatalog catalog = MigCatalog.bundled();
        Map<String, Double> byProfile = new LinkedHashMap<>();
        for (GpuNodeSpec node : nodes) {
            GpuModel model = catalog.requireModel(node.model());
            for (MigProfile p : model.profiles()) {
                double w = node.gpus() / (double) (p.computeSlices() * p.computeSlices()) * (p.mediaExtensions() ? 0.1 : 1.0);
                byProfile.merge(p.name(), w, Double::sum);
            }
        }
        List<WeightedShape> out = new ArrayList<>();
        byProfile.forEach((profile, w) -> {
            out.add(new WeightedShape(new Shape(profile, 1), w));
            if (profile.startsWith("1g.") && !profile.endsWith("+me")) {
                out.add(new WeightedShape(new Shape(profile, 2), w / 8));
            }
        });
        return List.copyOf(out);
    }

    Shape nextShape() {
        double r = random.nextDouble() * totalWeight;
        for (WeightedShape s : shapes) {
            r -= s.weight();
            if (r < 0) {
                return s.shape();
            }
        }
        return shapes.getLast().shape();
    }

    void createNamespace() {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(NAMESPACE)
                .endMetadata().build()).serverSideApply();
    }

    /** One step of the stream: maybe create something, maybe scale or delete something, and clean up what ended. */
    void tick() {
        ticks++;
        cleanUp();
        if (ledger.alive() < maxLivePods) {
            int kind = random.nextInt(100);
            if (kind < 55 || (kind >= 80 && deployments.size() >= MAX_DEPLOYMENTS)) {
                guarded("creating a pod", this::createPod);
            } else if (kind < 80) {
                guarded("creating a Job", this::createJob);
            } else {
                guarded("creating a Deployment", this::createDeployment);
            }
        }
        int change = random.nextInt(100);
        if (change < 8 && !deployments.isEmpty()) {
            String name = List.copyOf(deployments.keySet()).get(random.nextInt(deployments.size()));
            if (random.nextInt(3) == 0) {
                guarded("deleting Deployment " + name, () -> {
                    client.apps().deployments().inNamespace(NAMESPACE).withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                    deployments.remove(name);
                });
            } else {
                int replicas = random.nextInt(4);
                guarded("scaling Deployment " + name, () -> {
                    client.apps().deployments().inNamespace(NAMESPACE).withName(name).scale(replicas);
                    deployments.put(name, replicas);
                });
            }
        } else if (change < 12) {
            List<String> alive = ledger.aliveBarePods();
            if (!alive.isEmpty()) {
                String name = alive.get(random.nextInt(alive.size()));
                guarded("deleting pod " + name, () -> client.pods().inNamespace(NAMESPACE).withName(name).withGracePeriod(1).delete());
            }
        }
    }

    private void createPod() {
        Shape shape = nextShape();
        String name = "pod-" + sequence.incrementAndGet();
        int runSeconds = 2 + random.nextInt(9);
        boolean fails = random.nextInt(20) == 0;
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(KubeletStandIn.RUN_SECONDS_ANNOTATION, Integer.toString(runSeconds));
        if (fails) {
            annotations.put(KubeletStandIn.EXIT_CODE_ANNOTATION, "1");
        }
        client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withMetadata(meta(name, annotations)).withSpec(spec(shape, "Never"))
                .build()).create();
        created.get("pod").incrementAndGet();
    }

    private void createJob() {
        Shape shape = nextShape();
        String name = "job-" + sequence.incrementAndGet();
        int completions = 1 + random.nextInt(3);
        int parallelism = 1 + random.nextInt(2);
        int runSeconds = 1 + random.nextInt(5);
        client.batch().v1().jobs().inNamespace(NAMESPACE).resource(new JobBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withCompletions(completions).withParallelism(parallelism).withBackoffLimit(0)
                .withNewTemplate().withMetadata(meta(null, Map.of(KubeletStandIn.RUN_SECONDS_ANNOTATION, Integer.toString(runSeconds))))
                .withSpec(spec(shape, "Never")).endTemplate().endSpec().build()).create();
        created.get("job").incrementAndGet();
    }

    private void createDeployment() {
        Shape shape = nextShape();
        String name = "deploy-" + sequence.incrementAndGet();
        int replicas = 1 + random.nextInt(3);
        Map<String, String> selector = Map.of("app", name);
        ObjectMeta template = meta(null, Map.of());
        template.getLabels().putAll(selector);
        client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().withMatchLabels(selector).endSelector()
                .withNewTemplate().withMetadata(template).withSpec(spec(shape, "Always")).endTemplate().endSpec().build()).create();
        deployments.put(name, replicas);
        created.get("deployment").incrementAndGet();
    }

    private void deleteFinishedJobs() {
        for (Job job : client.batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()) {
            boolean finished = job.getStatus() != null && job.getStatus().getConditions().stream()
                    .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
            if (finished) {
                client.batch().v1().jobs().inNamespace(NAMESPACE).withName(job.getMetadata().getName())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            }
        }
    }

    /** Deletes the bare pods that have ended and, every few ticks, the Jobs that have finished. */
    void cleanUp() {
        guarded("cleaning up ended pods", () -> ledger.endedBarePods().forEach(name -> client.pods().inNamespace(NAMESPACE)
                .withName(name).withGracePeriod(0).delete()));
        if (ticks++ % 8 == 0) {
            guarded("deleting finished Jobs", this::deleteFinishedJobs);
        }
    }

    void deleteDeployments() {
        guarded("deleting Deployments", () -> client.apps().deployments().inNamespace(NAMESPACE).withPropagationPolicy(DeletionPropagation.BACKGROUND)
                .delete());
        deployments.clear();
    }

    /** Deletes every Deployment, Job and pod of the workload. */
    void deleteEverything() {
        guarded("deleting Deployments", () -> client.apps().deployments().inNamespace(NAMESPACE).withPropagationPolicy(DeletionPropagation.BACKGROUND)
                .delete());
        guarded("deleting Jobs", () -> client.batch().v1().jobs().inNamespace(NAMESPACE).withPropagationPolicy(DeletionPropagation.BACKGROUND)
                .delete());
        guarded("deleting pods", () -> client.pods().inNamespace(NAMESPACE).withGracePeriod(0).delete());
        deployments.clear();
    }

    private static ObjectMeta meta(String name, Map<String, String> annotations) {
        return new ObjectMetaBuilder().withName(name).withLabels(new LinkedHashMap<>(Map.of(ROLE_LABEL, WORKLOAD)))
                .withAnnotations(annotations).build();
    }

    static PodSpec spec(Shape shape, String restartPolicy) {
        return new PodSpecBuilder().withRestartPolicy(restartPolicy).withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("main").withImage("registry.example/cuda-sample:soak")
                .withNewResources().withLimits(Map.of(ResourceNames.nvidiaResourceName(shape.profile()), new Quantity(Integer.toString(shape.count()))))
                .endResources().endContainer().build();
    }

    /** API calls fail while the API server is down; the stream counts them and goes on. */
    private void guarded(String what, Runnable call) {
        try {
            call.run();
        } catch (KubernetesClientException e) {
            apiErrors.incrementAndGet();
            LOG.debug("{} failed: {}", what, e.getMessage());
        }
    }

    long apiErrors() {
        return apiErrors.get();
    }

    /** Objects created per kind. */
    Map<String, Integer> created() {
        Map<String, Integer> out = new LinkedHashMap<>();
        created.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
