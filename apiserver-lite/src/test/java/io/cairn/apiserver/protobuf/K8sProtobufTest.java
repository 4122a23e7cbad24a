package io.cairn.apiserver.protobuf;

import static io.cairn.apiserver.protobuf.ProtoWriter.body;
import static io.cairn.apiserver.protobuf.ProtoWriter.hex;
import static io.cairn.apiserver.protobuf.ProtoWriter.intValue;
import static io.cairn.apiserver.protobuf.ProtoWriter.quantity;
import static io.cairn.apiserver.protobuf.ProtoWriter.stringValue;
import static io.cairn.apiserver.protobuf.ProtoWriter.time;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link K8sProtobuf#decode}: bodies captured from kubectl 1.32 decode to exactly the JSON kubectl prints for the
 * same object ({@code --dry-run=client -o json}); and bodies written field by field for what those do not reach:
 * times, quantities, int-or-strings, inlined structs, pointer zeros, packed lists, unknown fields, and the errors.
 */
class K8sProtobufTest {
    private static final long DEC_7 = Instant.parse("2026-12-07T05:00:00Z").getEpochSecond();

    /** A request body kubectl sent, and the JSON it prints for the same object with --dry-run=client -o json. */
    record Captured(String command, String hex, String json) {
        @Override
        public String toString() {
            return command;
        }
    }

    static Stream<Captured> capturedFromKubectl() {
        return Stream.of(
                new Captured("kubectl create configmap cm --from-literal=a=b --from-literal=empty=", """
                        6b3873000a0f0a0276311209436f6e6669674d617012270a120a02636d12001a0022002a0032003800420012060a0161
                        12016212090a05656d70747912001a002200
                        """, """
                        {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm","creationTimestamp":null},"data":{"a":"b","empty":""}}"""),
                new Captured("kubectl create secret generic s --from-literal=a=b", """
                        6b3873000a0c0a0276311206536563726574121d0a110a017312001a0022002a0032003800420012060a01611201621a
                        001a002200
                        """, """
                        {"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","creationTimestamp":null},"data":{"a":"Yg=="}}"""),
                new Captured("kubectl create service clusterip web --tcp=80:8080", """
                        6b3873000a0d0a02763112075365727669636512690a1f0a0377656212001a0022002a003200380042005a0a0a036170
                        70120377656212420a1b0a0738302d38303830120354435018502207080010903f1a002800120a0a0361707012037765
                        621a002209436c757374657249503a00420052005a00600068001a020a001a002200
                        """, """
                        {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],"selector":{"app":"web"},"type":"ClusterIP"},"status":{"loadBalancer":{}}}"""),
                new Captured("kubectl create serviceaccount sa", """
                        6b3873000a140a027631120e536572766963654163636f756e7412140a120a02736112001a0022002a00320038004200
                        1a002200
                        """, """
                        {"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa","creationTimestamp":null}}"""),
                new Captured("kubectl create deployment web --image=nginx --replicas=2", """
                        6b3873000a150a07617070732f7631120a4465706c6f796d656e7412ab010a1f0a0377656212001a0022002a00320038
                        0042005a0a0a036170701203776562127a0802120c0a0a0a0361707012037765621a600a1c0a0012001a0022002a0032
                        00380042005a0a0a036170701203776562124012220a056e67696e7812056e67696e782a0042006a0072008001008801
                        00900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c080010
                        0018002000280038001a002200
                        """, """
                        {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}]}},"strategy":{}},"status":{}}"""),
                new Captured("kubectl create job j --image=busybox", """
                        6b3873000a0f0a0862617463682f763112034a6f6212780a110a016a12001a0022002a00320038004200125932570a10
                        0a0012001a0022002a00320038004200124312200a016a120762757379626f782a0042006a0072008001008801009001
                        00a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a
                        002200
                        """, """
                        {"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"j","image":"busybox","resources":{}}],"restartPolicy":"Never"}}},"status":{}}"""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("capturedFromKubectl")
    void kubectlBodiesDecodeToTheJsonKubectlPrintsForTheSameObject(Captured c) {
        assertThat((JsonNode) K8sProtobuf.decode(hex(c.hex()))).isEqualTo(Json.parse(c.json().getBytes(), false));
    }

    @Test
    void podWithEveryCommonPartDecodesToItsJsonForm() {
        ProtoWriter container = new ProtoWriter()
                .string(1, "app").string(2, "nginx:1.27").string(3, "sh").string(3, "-c")
                .message(6, new ProtoWriter().string(1, "http").varint(2, 0).varint(3, 8080).string(4, "TCP"))
                .message(7, new ProtoWriter().string(1, "A").string(2, "1"))
                .message(7, new ProtoWriter().string(1, "PASS").message(3, new ProtoWriter()
                        .message(4, new ProtoWriter().message(1, new ProtoWriter().string(1, "db")).string(2, "password"))))
                .message(7, new ProtoWriter().string(1, "POD").message(3, new ProtoWriter()
                        .message(1, new ProtoWriter().string(1, "v1").string(2, "metadata.name"))))
                .message(8, new ProtoWriter()
                        .message(1, new ProtoWriter().string(1, "cpu").message(2, quantity("500m")))
                        .message(2, new ProtoWriter().string(1, "memory").message(2, quantity("64Mi"))))
                .message(9, new ProtoWriter().string(1, "cfg").varint(2, 1).string(3, "/etc/cfg").string(4, ""))
                .message(10, new ProtoWriter()
                        .message(1, new ProtoWriter().message(2, new ProtoWriter().string(1, "/healthz")
                                .message(2, stringValue("http")).string(4, "HTTP")))
                        .varint(2, 5).varint(3, 0))
                .message(11, new ProtoWriter().message(1, new ProtoWriter().message(3, new ProtoWriter()
                        .message(1, intValue(8080)))))
                .message(15, new ProtoWriter().message(1, new ProtoWriter().string(2, "ALL"))
                        .varint(2, 0).varint(7, 0))
                .varint(16, 0);
        ProtoWriter spec = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "cfg").message(2, new ProtoWriter().message(19, new ProtoWriter()
                        .message(1, new ProtoWriter().string(1, "app-config")).varint(3, 420))))
                .message(1, new ProtoWriter().string(1, "scratch").message(2, new ProtoWriter().message(2,
                        new ProtoWriter().string(1, "").message(2, quantity("1Gi")))))
                .message(2, container)
                .varint(4, 0)
                .varint(11, 0)
                .varint(21, 0)
                .message(14, new ProtoWriter().varint(2, 0).packed(4, 1000, 2000))
                .message(22, new ProtoWriter().string(1, "k").string(2, "Exists").varint(5, 30));
        ProtoWriter meta = new ProtoWriter().string(1, "p").string(2, "").string(3, "default").varint(7, 0)
                .message(8, new ProtoWriter())
                .message(9, time(DEC_7, 0))
                .entry(11, "app", "web")
                .entry(12, "note", "");

        ObjectNode pod = K8sProtobuf.decode(body("v1", "Pod", new ProtoWriter().message(1, meta).message(2, spec)));

        assertThat((JsonNode) pod).isEqualTo(json("""
                {"kind":"Pod","apiVersion":"v1",
                 "metadata":{"name":"p","namespace":"default","creationTimestamp":null,
                   "deletionTimestamp":"2026-12-07T05:00:00Z","labels":{"app":"web"},"annotations":{"note":""}},
                 "spec":{
                   "volumes":[{"name":"cfg","configMap":{"name":"app-config","defaultMode":420}},
                              {"name":"scratch","emptyDir":{"sizeLimit":"1Gi"}}],
                   "containers":[{"name":"app","image":"nginx:1.27","command":["sh","-c"],
                     "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
                     "env":[{"name":"A","value":"1"},
                            {"name":"PASS","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}},
                            {"name":"POD","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],
                     "resources":{"limits":{"cpu":"500m"},"requests":{"memory":"64Mi"}},
                     "volumeMounts":[{"name":"cfg","readOnly":true,"mountPath":"/etc/cfg"}],
                     "livenessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"initialDelaySeconds":5},
                     "readinessProbe":{"tcpSocket":{"port":8080}},
                     "securityContext":{"capabilities":{"drop":["ALL"]},"privileged":false,
                                        "allowPrivilegeEscalation":false}}],
                   "terminationGracePeriodSeconds":0,
                   "automountServiceAccountToken":false,
                   "securityContext":{"runAsUser":0,"supplementalGroups":[1000,2000]},
                   "tolerations":[{"key":"k","operator":"Exists","tolerationSeconds":30}]}}
                """));
    }

    @Test
    void timesAreRfc3339AndMicroTimesKeepSixFractionDigits() {
        ProtoWriter event = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "e").string(3, "default"))
                .message(2, new ProtoWriter().string(1, "Pod").string(3, "p"))
                .string(3, "Started")
                .message(7, time(DEC_7, 999_000_000))
                .varint(8, 3)
                .message(10, time(DEC_7, 123_456_789))
                .string(14, "")
                .string(15, "");

        ObjectNode e = K8sProtobuf.decode(body("v1", "Event", event));

        assertThat(e.get("lastTimestamp").asText()).isEqualTo("2026-12-07T05:00:00Z");
        assertThat(e.get("eventTime").asText()).isEqualTo("2026-12-07T05:00:00.123456Z");
        assertThat(e.get("count").asInt()).isEqualTo(3);
        assertThat(e.get("involvedObject")).isEqualTo(json("{\"kind\":\"Pod\",\"name\":\"p\"}"));
        assertThat(e.has("reportingComponent")).as("JSON always writes reportingComponent").isTrue();
        assertThat(e.has("firstTimestamp")).as("a time not on the wire is absent").isFalse();
    }

    @Test
    void leaseMicroTimesAndPointerZerosAsAKubeletSendsThem() {
        ProtoWriter lease = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "node-1").string(3, "kube-node-lease"))
                .message(2, new ProtoWriter().string(1, "node-1").varint(2, 40)
                        .message(4, time(DEC_7, 5_000)).varint(5, 0));

        ObjectNode l = K8sProtobuf.decode(body("coordination.k8s.io/v1", "Lease", lease));

        assertThat(l.get("spec")).isEqualTo(json("""
                {"holderIdentity":"node-1","leaseDurationSeconds":40,"renewTime":"2026-12-07T05:00:00.000005Z",
                 "leaseTransitions":0}"""));
    }

    @Test
    void anExplicitZeroOfAPointerIsKeptAndAZeroOfAnOmitemptyFieldIsDropped() {
        ProtoWriter deployment = new ProtoWriter().message(2, new ProtoWriter().varint(1, 0).varint(5, 0)
                .message(4, new ProtoWriter().string(1, "RollingUpdate").message(2, new ProtoWriter()
                        .message(1, stringValue("25%")).message(2, intValue(0)))));

        ObjectNode d = K8sProtobuf.decode(body("apps/v1", "Deployment", deployment));

        assertThat(d.get("spec")).isEqualTo(json("""
                {"replicas":0,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":0}}}"""));
    }

    @Test
    void deleteOptionsDecodeInWhateverVersionTheClientNamesThem() {
        ProtoWriter options = new ProtoWriter().varint(1, 0).message(2, new ProtoWriter().string(1, "u-1"))
                .string(4, "Foreground").string(5, "All");

        for (String apiVersion : List.of("v1", "apps/v1", "batch/v1", "meta.k8s.io/v1")) {
            ObjectNode o = K8sProtobuf.decode(body(apiVersion, "DeleteOptions", options));
            assertThat((JsonNode) o).isEqualTo(json("{\"kind\":\"DeleteOptions\",\"apiVersion\":\"" + apiVersion
                    + "\",\"gracePeriodSeconds\":0,\"preconditions\":{\"uid\":\"u-1\"},"
                    + "\"propagationPolicy\":\"Foreground\",\"dryRun\":[\"All\"]}"));
        }
    }

    @Test
    void anEvictionCarriesItsDeleteOptions() {
        ProtoWriter eviction = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "web-1").string(3, "default"))
                .message(2, new ProtoWriter().varint(1, 30));

        ObjectNode e = K8sProtobuf.decode(body("policy/v1", "Eviction", eviction));

        assertThat(e.get("deleteOptions")).isEqualTo(json("{\"gracePeriodSeconds\":30}"));
    }

    @Test
    void endpointSliceUsesDiscoverysOwnEndpointPort() {
        ProtoWriter slice = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "web-abc"))
                .string(4, "IPv4")
                .message(2, new ProtoWriter().string(1, "10.0.0.5")
                        .message(2, new ProtoWriter().varint(1, 1).varint(3, 0)).string(6, "node-1"))
                .message(3, new ProtoWriter().string(1, "").string(2, "TCP").varint(3, 8080));

        ObjectNode s = K8sProtobuf.decode(body("discovery.k8s.io/v1", "EndpointSlice", slice));

        assertThat((JsonNode) s).isEqualTo(json("""
                {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"web-abc"},
                 "addressType":"IPv4",
                 "endpoints":[{"addresses":["10.0.0.5"],"conditions":{"ready":true,"terminating":false},
                               "nodeName":"node-1"}],
                 "ports":[{"name":"","protocol":"TCP","port":8080}]}"""));
    }

    @Test
    void aSchedulersBindingNamesItsNode() {
        ProtoWriter binding = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "web-1").string(3, "default").string(5, "uid-1"))
                .message(2, new ProtoWriter().string(1, "Node").string(3, "node-7").string(5, "v1"));

        ObjectNode b = K8sProtobuf.decode(body("v1", "Binding", binding));

        assertThat((JsonNode) b).isEqualTo(json("""
                {"kind":"Binding","apiVersion":"v1","metadata":{"name":"web-1","namespace":"default","uid":"uid-1"},
                 "target":{"kind":"Node","name":"node-7","apiVersion":"v1"}}"""));
    }

    @Test
    void packedAndUnpackedRepeatedNumbersDecodeAlike() {
        ProtoWriter unpacked = new ProtoWriter().varint(4, 1000).varint(4, 2000);
        ProtoWriter packed = new ProtoWriter().packed(4, 1000, 2000);

        JsonNode a = K8sProtobuf.decode(body("v1", "Pod", new ProtoWriter().message(2,
                new ProtoWriter().message(14, unpacked)))).at("/spec/securityContext/supplementalGroups");
        JsonNode b = K8sProtobuf.decode(body("v1", "Pod", new ProtoWriter().message(2,
                new ProtoWriter().message(14, packed)))).at("/spec/securityContext/supplementalGroups");

        assertThat(a).isEqualTo(json("[1000,2000]"));
        assertThat(b).isEqualTo(a);
    }

    @Test
    void unknownFieldsOfEveryWireTypeAreSkippedAndTheRestStillDecodes() {
        ProtoWriter configMap = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "cm").varint(42, 7))
                .varint(99, 12345)
                .fixed64(98, -1)
                .fixed32(97, 7)
                .string(96, "from a newer kubectl")
                .string(4, "immutable sent with the wrong wire type")
                .entry(2, "a", "b");

        ObjectNode cm = K8sProtobuf.decode(body("v1", "ConfigMap", configMap));

        assertThat((JsonNode) cm).isEqualTo(json("""
                {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm"},"data":{"a":"b"}}"""));
    }

    @Test
    void everyKindInTheTableDecodes() {
        for (String root : List.of("v1/Namespace", "v1/ConfigMap", "v1/Secret", "v1/Service", "v1/ServiceAccount",
                "v1/Pod", "v1/Endpoints", "v1/Event", "v1/Node", "v1/Binding", "apps/v1/Deployment",
                "apps/v1/ReplicaSet", "batch/v1/Job", "batch/v1/CronJob", "coordination.k8s.io/v1/Lease",
                "discovery.k8s.io/v1/EndpointSlice", "autoscaling/v1/Scale", "policy/v1/Eviction")) {
            int slash = root.lastIndexOf('/');
            String apiVersion = root.substring(0, slash);
            String kind = root.substring(slash + 1);
            assertThat(K8sProtobuf.supports(apiVersion, kind)).as(root).isTrue();
            ObjectNode o = K8sProtobuf.decode(body(apiVersion, kind,
                    new ProtoWriter().message(1, new ProtoWriter().string(1, "x"))));
            assertThat(o.get("kind").asText()).isEqualTo(kind);
            assertThat(o.get("apiVersion").asText()).isEqualTo(apiVersion);
            assertThat(o.at("/metadata/name").asText()).as(root).isEqualTo("x");
        }
    }

    @Test
    void aKindWithoutASchemaIs415NamingIt() {
        assertThatThrownBy(() -> K8sProtobuf.decode(body("apps/v1", "StatefulSet", new ProtoWriter())))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(415);
                    assertThat(e.reason()).isEqualTo("UnsupportedMediaType");
                    assertThat(e.getMessage()).contains("apps/v1").contains("StatefulSet")
                            .contains("application/json");
                });
    }

    @Test
    void aCompressedEnvelopeIs415() {
        byte[] unknown = new ProtoWriter()
                .message(1, new ProtoWriter().string(1, "v1").string(2, "ConfigMap"))
                .bytes(2, new byte[] {1, 2, 3})
                .string(3, "gzip").toBytes();
        byte[] b = new ProtoWriter().raw(new byte[] {'k', '8', 's', 0}).raw(unknown).toBytes();

        assertThatThrownBy(() -> K8sProtobuf.decode(b))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(415));
    }

    @Test
    void bytesThatAreNotThisEncodingAre400() {
        byte[] good = body("v1", "ConfigMap", new ProtoWriter().entry(2, "a", "b"));
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        byte[] lyingLength = body("v1", "ConfigMap", new ProtoWriter().raw(new byte[] {0x12, 0x7f, 0x0a}));
        byte[] endlessVarint = new ProtoWriter().raw(new byte[] {'k', '8', 's', 0, 0x08})
                .raw(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1}).toBytes();

        for (byte[] bad : List.of("{\"kind\":\"ConfigMap\"}".getBytes(), new byte[0], truncated, lyingLength,
                endlessVarint)) {
            assertThatThrownBy(() -> K8sProtobuf.decode(bad))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(400);
                        assertThat(e.getMessage()).startsWith("the body of the request is not valid Kubernetes protobuf");
                    });
        }
    }

    @Test
    void theContentTypeIsRecognisedWithOrWithoutParameters() {
        assertThat(K8sProtobuf.isProtobuf("application/vnd.kubernetes.protobuf")).isTrue();
        assertThat(K8sProtobuf.isProtobuf("Application/Vnd.Kubernetes.Protobuf; charset=utf-8")).isTrue();
        assertThat(K8sProtobuf.isProtobuf("application/vnd.kubernetes.protobuf;stream=watch")).isTrue();
        assertThat(K8sProtobuf.isProtobuf("application/json")).isFalse();
        assertThat(K8sProtobuf.isProtobuf(null)).isFalse();
    }

    private static JsonNode json(String text) {
        return Json.parse(text.getBytes(), false);
    }
}
