package io.cairn.apiserver.patch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The built-in kinds' schemas carry the Go types' patch tags at the paths kubectl's patches reach, and custom
 * resources have none (the caller answers 415).
 */
class PatchSchemasTest {

    static Stream<Arguments> mergedLists() {
        return Stream.of(
                Arguments.of("v1", "Pod", "spec.containers", "name"),
                Arguments.of("v1", "Pod", "spec.initContainers.env", "name"),
                Arguments.of("v1", "Pod", "spec.ephemeralContainers.volumeMounts", "mountPath"),
                Arguments.of("v1", "Pod", "spec.containers.ports", "containerPort"),
                Arguments.of("v1", "Pod", "spec.imagePullSecrets", "name"),
                Arguments.of("v1", "Pod", "spec.hostAliases", "ip"),
                Arguments.of("v1", "Pod", "spec.topologySpreadConstraints", "topologyKey"),
                Arguments.of("v1", "Pod", "status.conditions", "type"),
                Arguments.of("v1", "Pod", "metadata.ownerReferences", "uid"),
                Arguments.of("apps/v1", "Deployment", "spec.template.spec.containers.env", "name"),
                Arguments.of("apps/v1", "Deployment", "spec.template.metadata.ownerReferences", "uid"),
                Arguments.of("apps/v1", "Deployment", "status.conditions", "type"),
                Arguments.of("apps/v1", "ReplicaSet", "spec.template.spec.volumes", "name"),
                Arguments.of("batch/v1", "Job", "spec.template.spec.containers", "name"),
                Arguments.of("batch/v1", "Job", "status.conditions", "type"),
                Arguments.of("v1", "Service", "spec.ports", "port"),
                Arguments.of("v1", "Node", "status.addresses", "type"),
                Arguments.of("v1", "Node", "status.conditions", "type"),
                Arguments.of("v1", "ServiceAccount", "secrets", "name"));
    }

    @ParameterizedTest(name = "{1} {2} by {3}")
    @MethodSource
    void mergedLists(String apiVersion, String kind, String path, String mergeKey) {
        PatchSchema.Field field = PatchSchemas.forKind(apiVersion, kind).orElseThrow().lookup(path).orElseThrow();

        assertThat(field.isMergedList()).isTrue();
        assertThat(field.mergeKey()).isEqualTo(mergeKey);
    }

    @Test
    void setsOfScalarsAndRetainKeys() {
        PatchSchema pod = PatchSchemas.forKind("v1", "Pod").orElseThrow();
        PatchSchema deployment = PatchSchemas.forKind("apps/v1", "Deployment").orElseThrow();
        PatchSchema node = PatchSchemas.forKind("v1", "Node").orElseThrow();

        assertThat(pod.lookup("metadata.finalizers").orElseThrow())
                .satisfies(f -> assertThat(f.isMergedList()).isTrue())
                .satisfies(f -> assertThat(f.mergeKey()).isNull());
        assertThat(node.lookup("spec.podCIDRs").orElseThrow().isMergedList()).isTrue();
        assertThat(pod.lookup("spec.volumes").orElseThrow().retainKeys()).isTrue();
        assertThat(deployment.lookup("spec.strategy").orElseThrow().retainKeys()).isTrue();
        assertThat(pod.lookup("spec.tolerations")).isEmpty();
        assertThat(pod.field("spec").type().field("tolerations").isMergedList()).isFalse();
    }

    @Test
    void everyKindOfTheBriefHasObjectMeta() {
        for (String[] k : new String[][]{{"v1", "Pod"}, {"apps/v1", "Deployment"}, {"apps/v1", "ReplicaSet"},
                {"batch/v1", "Job"}, {"v1", "Service"}, {"v1", "Node"}, {"v1", "Namespace"}, {"v1", "ConfigMap"},
                {"v1", "Secret"}, {"v1", "Endpoints"}, {"discovery.k8s.io/v1", "EndpointSlice"}, {"v1", "Event"},
                {"events.k8s.io/v1", "Event"}, {"v1", "ServiceAccount"}, {"coordination.k8s.io/v1", "Lease"}}) {
            PatchSchema schema = PatchSchemas.forKind(k[0], k[1]).orElseThrow(() -> new AssertionError(k[1]));
            assertThat(schema.lookup("metadata.ownerReferences").orElseThrow().mergeKey()).as(k[1]).isEqualTo("uid");
        }
    }

    @Test
    void customResourcesAndUnknownVersionsHaveNoSchema() {
        assertThat(PatchSchemas.forKind("example.com/v1", "Widget")).isEmpty();
        assertThat(PatchSchemas.forKind("apps/v1beta1", "Deployment")).isEmpty();
        assertThat(PatchSchemas.forKind("v1", "Deployment")).isEmpty();
    }
}
