package com.redhat.das.features.steps;

import io.cucumber.java.After;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * What a scenario created, so that it is deleted afterwards and scenarios do not see each other's nodes or pods.
 * Shared between step classes of one scenario by picocontainer.
 */
public final class ScenarioObjects {

    private final List<HasMetadata> created = new ArrayList<>();

    public <T extends HasMetadata> T track(T object) {
        created.add(object);
        return object;
    }

    @After
    public void deleteCreated() {
        KubernetesClient client = SharedCluster.get().client();
        for (HasMetadata o : created.reversed()) {
            client.resource(o).withGracePeriod(0).delete();
        }
        created.clear();
    }
}
