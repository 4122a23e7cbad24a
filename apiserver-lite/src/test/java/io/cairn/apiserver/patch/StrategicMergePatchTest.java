package io.cairn.apiserver.patch;

import static io.cairn.apiserver.patch.Trees.assertApiError;
import static io.cairn.apiserver.patch.Trees.json;
import static io.cairn.apiserver.patch.Trees.yaml;
import static io.cairn.apiserver.patch.Trees.yamlObject;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Strategic merge patch as kube-apiserver applies it: a table of (original, patch, expected) for every rule and
 * directive, then the patches kubectl really sends, then malformed patches (400).
 */
class StrategicMergePatchTest {

    private static Arguments c(String name, PatchSchema schema, String original, String patch, String expected) {
        return Arguments.of(name, schema, original, patch, expected);
    }

    static Stream<Arguments> cases() {
        PatchSchema pod = PatchSchemas.POD;
        return Stream.of(
                c("maps merge key by key, scalars replace", pod, """
                        metadata: {name: web, labels: {app: web, tier: front}}
                        """, """
                        metadata: {labels: {tier: back, track: stable}}
                        """, """
                        metadata: {name: web, labels: {app: web, tier: back, track: stable}}
                        """),
                c("null deletes a key; a null for an absent key does nothing", pod, """
                        metadata: {name: web, labels: {app: web, tier: front}}
                        """, """
                        metadata: {labels: {tier: null, gone: null}}
                        """, """
                        metadata: {name: web, labels: {app: web}}
                        """),
                c("null deletes a whole merged list", pod, """
                        spec: {containers: [{name: a}], volumes: [{name: v, emptyDir: {}}]}
                        """, """
                        spec: {volumes: null}
                        """, """
                        spec: {containers: [{name: a}]}
                        """),
                c("containers merge by name: the named one changes, the other is kept", pod, """
                        spec:
                          containers:
                          - {name: a, image: a:1, args: [x]}
                          - {name: b, image: b:1}
                        """, """
                        spec: {containers: [{name: a, image: a:2}]}
                        """, """
                        spec:
                          containers:
                          - {name: a, image: a:2, args: [x]}
                          - {name: b, image: b:1}
                        """),
                c("a container added by a bare patch goes first (Go's order)", pod, """
                        spec: {containers: [{name: a}, {name: b}]}
                        """, """
                        spec: {containers: [{name: c, image: c:1}]}
                        """, """
                        spec: {containers: [{name: c, image: c:1}, {name: a}, {name: b}]}
                        """),
                c("patch elements take the patch's order, live ones keep their place", pod, """
                        spec: {containers: [{name: a}, {name: b}, {name: c}]}
                        """, """
                        spec: {containers: [{name: c, image: c:2}, {name: a, image: a:2}]}
                        """, """
                        spec: {containers: [{name: b}, {name: c, image: c:2}, {name: a, image: a:2}]}
                        """),
                c("an empty patch list leaves a merged list alone", pod, """
                        spec: {containers: [{name: a}]}
                        """, """
                        spec: {containers: []}
                        """, """
                        spec: {containers: [{name: a}]}
                        """),
                c("container ports merge by containerPort, a number", pod, """
                        spec: {containers: [{name: a, ports: [{containerPort: 80, name: http}, {containerPort: 443}]}]}
                        """, """
                        spec: {containers: [{name: a, ports: [{containerPort: 80.0, protocol: TCP}]}]}
                        """, """
                        spec: {containers: [{name: a, ports: [{containerPort: 80.0, name: http, protocol: TCP},
                                                             {containerPort: 443}]}]}
                        """),
                c("$patch: delete on a list element removes it by key", pod, """
                        spec: {containers: [{name: a, env: [{name: X, value: '1'}, {name: Y, value: '2'}]}]}
                        """, """
                        spec: {containers: [{name: a, env: [{name: X, $patch: delete}]}]}
                        """, """
                        spec: {containers: [{name: a, env: [{name: Y, value: '2'}]}]}
                        """),
                c("$patch: replace in a list replaces the whole list", pod, """
                        spec: {containers: [{name: a, image: a:1}, {name: b}]}
                        """, """
                        spec: {containers: [{$patch: replace}, {name: c, image: c:1}]}
                        """, """
                        spec: {containers: [{name: c, image: c:1}]}
                        """),
                c("$patch: replace on a map replaces the map", pod, """
                        metadata: {name: web, labels: {app: web, tier: front}}
                        """, """
                        metadata: {labels: {$patch: replace, team: x}}
                        """, """
                        metadata: {name: web, labels: {team: x}}
                        """),
                c("$patch: delete on a map leaves it empty (as Go does)", pod, """
                        spec: {securityContext: {runAsUser: 1000}, nodeName: n1}
                        """, """
                        spec: {securityContext: {$patch: delete}}
                        """, """
                        spec: {securityContext: {}, nodeName: n1}
                        """),
                c("$patch: merge on a map and on a list element is the default", pod, """
                        metadata: {labels: {a: '1'}}
                        spec: {containers: [{name: a, image: a:1}]}
                        """, """
                        metadata: {labels: {$patch: merge, b: '2'}}
                        spec: {containers: [{name: a, $patch: merge, imagePullPolicy: Always}]}
                        """, """
                        metadata: {labels: {a: '1', b: '2'}}
                        spec: {containers: [{name: a, image: a:1, imagePullPolicy: Always}]}
                        """),
                c("lists without a strategy (tolerations, args) are replaced", pod, """
                        spec:
                          tolerations: [{key: a, operator: Exists}, {key: b, operator: Exists}]
                          containers: [{name: a, args: [x, y]}]
                        """, """
                        spec:
                          tolerations: [{key: c, operator: Exists}]
                          containers: [{name: a, args: [z]}]
                        """, """
                        spec:
                          tolerations: [{key: c, operator: Exists}]
                          containers: [{name: a, args: [z]}]
                        """),
                c("fields outside the schema patch as a merge patch: maps merged, lists replaced", pod, """
                        spec: {nodeSelector: {disk: ssd}, custom: {deep: {a: 1, b: [1, 2]}}}
                        """, """
                        spec: {nodeSelector: {zone: z1}, custom: {deep: {b: [3], c: true}}}
                        """, """
                        spec: {nodeSelector: {disk: ssd, zone: z1}, custom: {deep: {a: 1, b: [3], c: true}}}
                        """),
                c("a value of another JSON type replaces", pod, """
                        spec: {weird: [1, 2], other: {a: 1}}
                        """, """
                        spec: {weird: {now: object}, other: text}
                        """, """
                        spec: {weird: {now: object}, other: text}
                        """),
                c("finalizers merge as a set", pod, """
                        metadata: {finalizers: [a, b]}
                        """, """
                        metadata: {finalizers: [b, c]}
                        """, """
                        metadata: {finalizers: [a, b, c]}
                        """),
                c("$deleteFromPrimitiveList removes scalars from a set", pod, """
                        metadata: {finalizers: [a, b, c]}
                        """, """
                        metadata: {$deleteFromPrimitiveList/finalizers: [b, zzz]}
                        """, """
                        metadata: {finalizers: [a, c]}
                        """),
                c("$deleteFromPrimitiveList for an absent list does nothing", pod, """
                        metadata: {name: p}
                        """, """
                        metadata: {$deleteFromPrimitiveList/finalizers: [b]}
                        """, """
                        metadata: {name: p}
                        """),
                c("$setElementOrder reorders a list the patch does not otherwise touch", pod, """
                        spec: {containers: [{name: a}, {name: b}, {name: c}]}
                        """, """
                        spec: {$setElementOrder/containers: [{name: c}, {name: a}, {name: b}]}
                        """, """
                        spec: {containers: [{name: c}, {name: a}, {name: b}]}
                        """),
                c("$setElementOrder puts a new container where the user wrote it", pod, """
                        spec: {containers: [{name: a}, {name: c}]}
                        """, """
                        spec:
                          $setElementOrder/containers: [{name: a}, {name: b}, {name: c}]
                          containers: [{name: b, image: b:1}]
                        """, """
                        spec: {containers: [{name: a}, {name: b, image: b:1}, {name: c}]}
                        """),
                c("$setElementOrder with a deleted element", pod, """
                        spec: {containers: [{name: a}, {name: b}, {name: c}]}
                        """, """
                        spec:
                          $setElementOrder/containers: [{name: a}, {name: c}]
                          containers: [{name: b, $patch: delete}]
                        """, """
                        spec: {containers: [{name: a}, {name: c}]}
                        """),
                c("$setElementOrder: a live element it does not name keeps its live neighbours", pod, """
                        spec: {containers: [{name: a}, {name: b}, {name: c}]}
                        """, """
                        spec: {$setElementOrder/containers: [{name: c}, {name: a}]}
                        """, """
                        spec: {containers: [{name: b}, {name: c}, {name: a}]}
                        """),
                c("$setElementOrder with $deleteFromPrimitiveList on finalizers", pod, """
                        metadata: {finalizers: [x, y, z]}
                        """, """
                        metadata:
                          $setElementOrder/finalizers: [z, x]
                          $deleteFromPrimitiveList/finalizers: [y]
                        """, """
                        metadata: {finalizers: [z, x]}
                        """),
                c("$setElementOrder for a list the live object lacks", pod, """
                        spec: {}
                        """, """
                        spec:
                          $setElementOrder/initContainers: [{name: b}, {name: a}]
                          initContainers: [{name: b, image: b:1}, {name: a, $patch: delete}, {name: a, image: a:1}]
                        """, """
                        spec: {initContainers: [{name: b, image: b:1}, {name: a, image: a:1}]}
                        """),
                c("$retainKeys clears the union member the patch leaves out", PatchSchemas.DEPLOYMENT, """
                        spec: {replicas: 2, strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}}
                        """, """
                        spec: {strategy: {$retainKeys: [type], type: Recreate}}
                        """, """
                        spec: {replicas: 2, strategy: {type: Recreate}}
                        """),
                c("$retainKeys on a volume switches its source", pod, """
                        spec: {volumes: [{name: data, emptyDir: {}}, {name: keep, emptyDir: {}}]}
                        """, """
                        spec: {volumes: [{name: data, $retainKeys: [configMap, name], configMap: {name: cfg}}]}
                        """, """
                        spec: {volumes: [{name: data, configMap: {name: cfg}}, {name: keep, emptyDir: {}}]}
                        """),
                c("directives inside a value the live object lacks are stripped", PatchSchemas.DEPLOYMENT, """
                        spec: {replicas: 1}
                        """, """
                        spec:
                          strategy: {$retainKeys: [type], type: Recreate}
                          template:
                            spec:
                              containers: [{name: a, env: [{name: X, value: '1'}, {name: Y, $patch: delete}]},
                                           {name: gone, $patch: delete}]
                              volumes: [{name: v, emptyDir: {}, hostPath: null}]
                        """, """
                        spec:
                          replicas: 1
                          strategy: {type: Recreate}
                          template:
                            spec:
                              containers: [{name: a, env: [{name: X, value: '1'}]}]
                              volumes: [{name: v, emptyDir: {}}]
                        """),
                c("ownerReferences merge by uid", pod, """
                        metadata: {ownerReferences: [{uid: u1, kind: ReplicaSet, name: rs1}]}
                        """, """
                        metadata: {ownerReferences: [{uid: u1, controller: true}, {uid: u2, kind: Node, name: n}]}
                        """, """
                        metadata: {ownerReferences: [{uid: u1, kind: ReplicaSet, name: rs1, controller: true},
                                                     {uid: u2, kind: Node, name: n}]}
                        """),
                c("node conditions and addresses merge by type", PatchSchemas.NODE, """
                        status:
                          conditions: [{type: Ready, status: 'False'}, {type: MemoryPressure, status: 'False'}]
                          addresses: [{type: InternalIP, address: 10.0.0.1}]
                        """, """
                        status:
                          conditions: [{type: Ready, status: 'True'}]
                          addresses: [{type: Hostname, address: n1}]
                        """, """
                        status:
                          conditions: [{type: Ready, status: 'True'}, {type: MemoryPressure, status: 'False'}]
                          addresses: [{type: Hostname, address: n1}, {type: InternalIP, address: 10.0.0.1}]
                        """),
                c("service ports merge by port", PatchSchemas.SERVICE, """
                        spec: {ports: [{port: 80, targetPort: 8080, name: http}, {port: 443, name: https}]}
                        """, """
                        spec: {ports: [{port: 443, targetPort: 8443}]}
                        """, """
                        spec: {ports: [{port: 80, targetPort: 8080, name: http}, {port: 443, name: https,
                                                                                   targetPort: 8443}]}
                        """),
                c("top-level $patch: replace replaces the object", PatchSchemas.objectMetaOnly(), """
                        metadata: {name: a}
                        data: {x: '1'}
                        """, """
                        $patch: replace
                        metadata: {name: a}
                        data: {y: '2'}
                        """, """
                        metadata: {name: a}
                        data: {y: '2'}
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void applies(String name, PatchSchema schema, String original, String patch, String expected) {
        ObjectNode live = yamlObject(original);
        JsonNode patchDoc = yaml(patch);
        ObjectNode liveBefore = live.deepCopy();
        JsonNode patchBefore = patchDoc.deepCopy();

        ObjectNode result = StrategicMergePatch.apply(live, patchDoc, schema);

        assertThat(result).isEqualTo(yaml(expected));
        assertThat(live).as("the live object is not modified").isEqualTo(liveBefore);
        assertThat(patchDoc).as("the patch is not modified").isEqualTo(patchBefore);
    }

    /**
     * Robustness 60: where the live object has no list, the patch's list is taken whole, so two ports that share
     * their merge key (53/TCP and 53/UDP) both arrive; merging them into nothing kept only the last.
     */
    @Test
    void aListTheLiveObjectLacksIsTakenWholeEvenWithSharedMergeKeys() {
        ObjectNode live = yamlObject("""
                spec:
                  containers:
                  - name: dns
                    image: coredns:1
                """);
        JsonNode patch = json("""
                {"spec":{"containers":[{"name":"dns","ports":[{"containerPort":53,"protocol":"TCP"},
                 {"containerPort":53,"protocol":"UDP"}]}]}}""");

        ObjectNode result = StrategicMergePatch.apply(live, patch, PatchSchemas.POD);

        assertThat(result.at("/spec/containers/0/ports")).isEqualTo(json("""
                [{"containerPort":53,"protocol":"TCP"},{"containerPort":53,"protocol":"UDP"}]"""));
    }

    @Test
    void changingTheEnvOfOneContainerLeavesTheOtherUntouched() {
        ObjectNode live = yamlObject("""
                spec:
                  containers:
                  - name: app
                    image: app:1
                    env: [{name: MODE, value: prod}, {name: LOG, value: info}]
                    resources: {limits: {cpu: '1'}}
                  - name: proxy
                    image: envoy:1
                    env: [{name: MODE, value: proxy}]
                    ports: [{containerPort: 9901}]
                """);
        JsonNode patch = json("""
                {"spec":{"containers":[{"name":"app","env":[{"name":"LOG","value":"debug"}]}]}}""");

        ObjectNode result = StrategicMergePatch.apply(live, patch, PatchSchemas.POD);

        assertThat(result.at("/spec/containers/1")).isEqualTo(live.at("/spec/containers/1"));
        assertThat(result.at("/spec/containers/0/env")).isEqualTo(json("""
                [{"name":"MODE","value":"prod"},{"name":"LOG","value":"debug"}]"""));
        assertThat(result.at("/spec/containers/0/resources")).isEqualTo(live.at("/spec/containers/0/resources"));
    }

    /**
     * The patch client-side {@code kubectl apply} computes when the manifest changes one container's image and drops
     * a label: the new last-applied annotation, the label nulled, {@code $setElementOrder} for the containers and
     * only the changed field of the changed container.
     */
    @Test
    void kubectlApplyImageChangeAndLabelRemoval() {
        ObjectNode live = yamlObject("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: default
                  resourceVersion: "42"
                  labels: {app: web, tier: front}
                  annotations: {kubectl.kubernetes.io/last-applied-configuration: old, deployment.kubernetes.io/revision: '3'}
                spec:
                  replicas: 3
                  selector: {matchLabels: {app: web}}
                  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers:
                      - name: web
                        image: nginx:1.25
                        ports: [{containerPort: 80, protocol: TCP}]
                        terminationMessagePath: /dev/termination-log
                      - name: metrics
                        image: exporter:0.9
                status: {replicas: 3, conditions: [{type: Available, status: 'True'}]}
                """);
        JsonNode patch = json("""
                {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"},\
                "labels":{"tier":null}},"spec":{"template":{"spec":{"$setElementOrder/containers":\
                [{"name":"web"},{"name":"metrics"}],"containers":[{"image":"nginx:1.27","name":"web"}]}}}}""");

        ObjectNode result = StrategicMergePatch.apply(live, patch, PatchSchemas.DEPLOYMENT);

        ObjectNode expected = live.deepCopy();
        ((ObjectNode) expected.at("/metadata/labels")).remove("tier");
        ((ObjectNode) expected.at("/metadata/annotations"))
                .put("kubectl.kubernetes.io/last-applied-configuration", "new");
        ((ObjectNode) expected.at("/spec/template/spec/containers/0")).put("image", "nginx:1.27");
        assertThat(result).isEqualTo(expected);
    }

    @Test
    void kubectlApplyRemovingAContainerAndAFinalizer() {
        ObjectNode live = yamlObject("""
                metadata: {name: p, finalizers: [example.com/a, example.com/b]}
                spec: {containers: [{name: a, image: a}, {name: b, image: b}]}
                """);
        JsonNode patch = json("""
                {"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/b"],\
                "$setElementOrder/finalizers":["example.com/a"]},\
                "spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"$patch":"delete","name":"b"}]}}""");

        ObjectNode result = StrategicMergePatch.apply(live, patch, PatchSchemas.POD);

        assertThat(result).isEqualTo(yaml("""
                metadata: {name: p, finalizers: [example.com/a]}
                spec: {containers: [{name: a, image: a}]}
                """));
    }

    @Test
    void kubectlScaleAndLabelPatchesAreSimpleMerges() {
        ObjectNode live = yamlObject("""
                metadata: {name: web, labels: {app: web}}
                spec: {replicas: 1, template: {spec: {containers: [{name: web}]}}}
                """);

        ObjectNode scaled = StrategicMergePatch.apply(live, json("{\"spec\":{\"replicas\":5}}"),
                PatchSchemas.DEPLOYMENT);
        ObjectNode labelled = StrategicMergePatch.apply(scaled,
                json("{\"metadata\":{\"labels\":{\"env\":\"prod\"}}}"), PatchSchemas.DEPLOYMENT);

        assertThat(labelled.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(labelled.at("/metadata/labels")).isEqualTo(json("{\"app\":\"web\",\"env\":\"prod\"}"));
        assertThat(labelled.at("/spec/template")).isEqualTo(live.at("/spec/template"));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("a list, not an object", "[{\"op\":\"add\"}]", "must be a JSON object"),
                Arguments.of("unknown $patch on a map", "{\"metadata\":{\"labels\":{\"$patch\":\"explode\"}}}",
                        "metadata.labels: unknown patch type \"explode\""),
                Arguments.of("unknown $patch in a list", "{\"spec\":{\"containers\":[{\"name\":\"a\",\"$patch\":1}]}}",
                        "unknown patch type 1"),
                Arguments.of("element without its merge key", "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}",
                        "spec.containers: element {\"image\":\"x\"} does not contain the declared merge key \"name\""),
                Arguments.of("$patch: delete without the merge key",
                        "{\"spec\":{\"containers\":[{\"$patch\":\"delete\"}]}}", "declared merge key \"name\""),
                Arguments.of("scalar in a list merged by key", "{\"spec\":{\"containers\":[\"a\"]}}",
                        "holds objects"),
                Arguments.of("$retainKeys not a list", "{\"spec\":{\"strategy\":{\"$retainKeys\":\"type\"}}}",
                        "invalid patch format of retainKeys"),
                Arguments.of("a key missing from $retainKeys",
                        "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"type\":\"Recreate\",\"x\":1}}}",
                        "the patch sets \"x\""),
                Arguments.of("$setElementOrder not a list", "{\"spec\":{\"$setElementOrder/containers\":{}}}",
                        "invalid patch format of setElementOrder list"),
                Arguments.of("$setElementOrder without merge keys",
                        "{\"spec\":{\"$setElementOrder/containers\":[\"a\"]}}",
                        "does not hold the merge key \"name\""),
                Arguments.of("patch list out of $setElementOrder's order",
                        "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
                                + "\"containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}",
                        "doesn't match the $setElementOrder/containers list"),
                Arguments.of("$deleteFromPrimitiveList not a list",
                        "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":\"a\"}}",
                        "invalid patch format of primitive list"),
                Arguments.of("unknown directive", "{\"metadata\":{\"$sortBy/finalizers\":[]}}",
                        "unknown strategic merge patch directive \"$sortBy/finalizers\""),
                Arguments.of("object in a set of scalars", "{\"metadata\":{\"finalizers\":[{\"name\":\"a\"}]}}",
                        "metadata.finalizers: cannot merge a list of objects without a merge key"),
                Arguments.of("list of lists", "{\"metadata\":{\"finalizers\":[[\"a\"]]}}",
                        "lists of lists are not supported"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedPatchesAreBadRequests(String name, String patch, String message) {
        ObjectNode live = yamlObject("""
                metadata: {name: web, finalizers: [f]}
                spec: {containers: [{name: a}], strategy: {type: RollingUpdate}}
                """);

        assertApiError(() -> StrategicMergePatch.apply(live, json(patch), mixed()), 400, "BadRequest", message);
    }

    /** A schema with the deployment's strategy and the pod's containers at spec, for the error table. */
    private static PatchSchema mixed() {
        return PatchSchema.builder()
                .struct("metadata", PatchSchemas.OBJECT_META)
                .struct("spec", PatchSchema.builder()
                        .mergeList("containers", "name", PatchSchemas.CONTAINER)
                        .retainKeys("strategy", PatchSchema.EMPTY)
                        .build())
                .build();
    }
}
