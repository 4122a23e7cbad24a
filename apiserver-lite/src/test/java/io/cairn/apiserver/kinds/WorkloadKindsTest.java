package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.WorkloadTestSupport.NOW;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.registry.ResourceType;
import org.junit.jupiter.api.Test;

class WorkloadKindsTest {

    @Test
    void discoveryFactsAsKubectlApiResourcesShowsThem() {
        assertThat(WorkloadKinds.all()).extracting(t -> t.apiVersion() + " " + t.resource() + " " + t.singular()
                + " " + t.kind() + " " + t.shortNames() + " " + t.categories() + " " + t.namespaced()).containsExactly(
                "v1 pods pod Pod [po] [all] true",
                "apps/v1 deployments deployment Deployment [deploy] [all] true",
                "apps/v1 replicasets replicaset ReplicaSet [rs] [all] true",
                "batch/v1 jobs job Job [] [all] true");
        assertThat(WorkloadKinds.pods().subresources()).containsExactlyInAnyOrder("status", "binding");
        assertThat(WorkloadKinds.deployments().subresources()).containsExactlyInAnyOrder("status", "scale");
        assertThat(WorkloadKinds.replicaSets().subresources()).containsExactlyInAnyOrder("status", "scale");
        assertThat(WorkloadKinds.jobs().subresources()).containsExactly("status");
    }

    /** kubectl rejects a Table whose rows do not have one cell per column. */
    @Test
    void everyKindHasOneCellPerColumnEvenForAnEmptyObject() {
        for (ResourceType t : WorkloadKinds.all()) {
            ObjectNode obj = yaml("metadata: {name: x, uid: u, creationTimestamp: \"2024-05-01T11:00:00Z\"}");
            t.strategy().applyDefaults(obj);
            t.strategy().prepareForCreate(obj);
            assertThat(t.strategy().cells(obj, NOW)).as(t.resource()).hasSameSizeAs(t.strategy().columns());
            assertThat(t.strategy().columns().get(0).format()).isEqualTo("name");
        }
    }
}
