package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.apiserver.registry.ResourceType;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CoreKindsTest {
    private final Map<String, ResourceType> byResource = CoreKinds.all().stream()
            .collect(Collectors.toMap(ResourceType::qualifiedResource, Function.identity()));

    @Test
    void discoveryFactsMatchKube() {
        assertThat(byResource.keySet()).containsExactlyInAnyOrder("namespaces", "nodes", "services", "endpoints",
                "serviceaccounts", "configmaps", "secrets", "events", "leases.coordination.k8s.io",
                "endpointslices.discovery.k8s.io");
        assertThat(byResource.get("namespaces").namespaced()).isFalse();
        assertThat(byResource.get("nodes").namespaced()).isFalse();
        assertThat(byResource.get("services").shortNames()).containsExactly("svc");
        assertThat(byResource.get("services").categories()).containsExactly("all");
        assertThat(byResource.get("configmaps").categories()).isEmpty();
        assertThat(byResource.get("services").has("status")).isTrue();
        assertThat(byResource.get("secrets").has("status")).isFalse();
        assertThat(byResource.get("endpoints").singular()).isEqualTo("endpoints");
        assertThat(byResource.get("leases.coordination.k8s.io").apiVersion()).isEqualTo("coordination.k8s.io/v1");
        assertThat(byResource.get("endpointslices.discovery.k8s.io").kind()).isEqualTo("EndpointSlice");
    }

    @Test
    void everyKindRendersOneCellPerColumnEvenForAnEmptyObject() {
        for (ResourceType type : CoreKinds.all()) {
            List<Object> cells = type.strategy().cells(json("{'metadata':{'name':'x'}}"), NOW);
            assertThat(cells).as(type.resource()).hasSameSizeAs(type.strategy().columns());
        }
    }
}
