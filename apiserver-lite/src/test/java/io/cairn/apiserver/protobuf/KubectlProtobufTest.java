package io.cairn.apiserver.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.Kubectl;
import io.cairn.apiserver.Kubectl.Result;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.auth.Pki;
import io.cairn.apiserver.registry.Options.WriteOptions;
import io.cairn.apiserver.registry.Registry;
import io.cairn.apiserver.registry.ResourceType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl's typed clients against the server: {@code kubectl create namespace|configmap|secret|deployment|
 * service|job|serviceaccount} send protobuf bodies from 1.31 on and never fall back to JSON, and {@code kubectl drain
 * --disable-eviction} deletes pods with a protobuf DeleteOptions. Each command must succeed and the stored object
 * must hold what was asked. Runs only when kubectl is installed; {@code KUBECONFIG} and {@code HOME} are set in
 * kubectl's environment only.
 */
class KubectlProtobufTest {
    private static final String PROTOBUF_HEADER = "Content-Type: " + K8sProtobuf.MEDIA_TYPE;

    @TempDir
    static Path dir;
    private static Path kubectl;
    private static ApiServer server;
    private static Path kubeconfig;
    private static boolean sendsProtobuf;

    @BeforeAll
    static void start() throws Exception {
        kubectl = Kubectl.find();
        Assumptions.assumeTrue(kubectl != null, "kubectl is not installed");
        server = ApiServer.start(ApiServer.Config.of(dir.resolve("server")).withPort(0));
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, kubeconfig(server.url(), server.pki()));
        JsonNode version = Json.parse(run("version", "--client", "-o", "json").stdout().getBytes(), false);
        String minor = version.at("/clientVersion/minor").asText().replaceAll("\\D", "");
        sendsProtobuf = !minor.isEmpty() && Integer.parseInt(minor) >= 31;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void createNamespace() throws Exception {
        Result r = create("create", "namespace", "proto-ns");

        assertThat(r.stdout()).contains("namespace/proto-ns created");
        assertThat(stored("", "v1", "namespaces", null, "proto-ns")).isPresent();
    }

    @Test
    void createConfigMapFromLiterals() throws Exception {
        create("create", "configmap", "cm", "--from-literal=a=b", "--from-literal=greeting=hello world",
                "--from-literal=empty=");

        ObjectNode cm = stored("", "v1", "configmaps", "default", "cm").orElseThrow();
        assertThat(cm.get("data")).isEqualTo(json("{\"a\":\"b\",\"greeting\":\"hello world\",\"empty\":\"\"}"));
    }

    @Test
    void createGenericSecret() throws Exception {
        create("create", "secret", "generic", "s", "--from-literal=a=b", "--from-literal=token=s3cr\u00e9t");

        ObjectNode s = stored("", "v1", "secrets", "default", "s").orElseThrow();
        assertThat(s.at("/data/a").asText()).isEqualTo(base64("b"));
        assertThat(s.at("/data/token").asText()).isEqualTo(base64("s3cr\u00e9t"));
        assertThat(s.get("type").asText()).isEqualTo("Opaque");
    }

    @Test
    void createDeployment() throws Exception {
        create("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=8080");

        ObjectNode d = stored("apps", "v1", "deployments", "default", "web").orElseThrow();
        assertThat(d.at("/metadata/labels")).isEqualTo(json("{\"app\":\"web\"}"));
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(d.at("/spec/selector/matchLabels")).isEqualTo(json("{\"app\":\"web\"}"));
        assertThat(d.at("/spec/template/metadata/labels")).isEqualTo(json("{\"app\":\"web\"}"));
        assertThat(d.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("nginx:1.27");
        assertThat(d.at("/spec/template/spec/containers/0/ports/0/containerPort").asInt()).isEqualTo(8080);
    }

    @Test
    void createClusterIpService() throws Exception {
        create("create", "service", "clusterip", "web-svc", "--tcp=80:8080");

        ObjectNode s = stored("", "v1", "services", "default", "web-svc").orElseThrow();
        assertThat(s.at("/spec/type").asText()).isEqualTo("ClusterIP");
        assertThat(s.at("/spec/ports/0")).isEqualTo(json(
                "{\"name\":\"80-8080\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080}"));
        assertThat(s.at("/spec/selector")).isEqualTo(json("{\"app\":\"web-svc\"}"));
        assertThat(s.at("/spec/clusterIP").asText()).as("allocated by the server").startsWith("10.");
    }

    @Test
    void createJobWithACommand() throws Exception {
        create("create", "job", "j", "--image=busybox", "--", "echo", "hi");

        ObjectNode j = stored("batch", "v1", "jobs", "default", "j").orElseThrow();
        JsonNode pod = j.at("/spec/template/spec");
        assertThat(pod.at("/containers/0/image").asText()).isEqualTo("busybox");
        assertThat(pod.at("/containers/0/command")).isEqualTo(json("[\"echo\",\"hi\"]"));
        assertThat(pod.get("restartPolicy").asText()).isEqualTo("Never");
    }

    @Test
    void createServiceAccount() throws Exception {
        Result r = create("create", "serviceaccount", "robot");

        assertThat(r.stdout()).contains("serviceaccount/robot created");
        assertThat(stored("", "v1", "serviceaccounts", "default", "robot")).isPresent();
    }

    /** drain deletes pods through the typed client: a protobuf DeleteOptions whose gracePeriodSeconds 0 is honoured. */
    @Test
    void drainDeletesPodsWithAProtobufDeleteOptions() throws Exception {
        Registry registry = server.registry();
        registry.create(type("", "v1", "nodes"), null, (ObjectNode) json("{\"metadata\":{\"name\":\"n1\"}}"),
                WriteOptions.DEFAULT);
        registry.create(type("", "v1", "pods"), "default", (ObjectNode) json("""
                {"metadata":{"name":"bound"},
                 "spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]}}"""), WriteOptions.DEFAULT);

        Result r = run("drain", "n1", "--disable-eviction", "--force", "--ignore-daemonsets", "--grace-period=0",
                "--timeout=60s", "-v=7");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        if (sendsProtobuf) {
            assertThat(r.stderr()).contains("DELETE https://").contains(PROTOBUF_HEADER);
        }
        assertThat(r.stdout()).contains("pod/bound deleted").contains("node/n1 drained");
        assertThat(stored("", "v1", "pods", "default", "bound")).isEmpty();
        assertThat(stored("", "v1", "nodes", null, "n1").orElseThrow().at("/spec/unschedulable").asBoolean()).isTrue();
    }

    /** Runs a create with request logging, checks it succeeded and (for kubectl 1.31+) that it sent protobuf. */
    private static Result create(String... args) throws Exception {
        List<String> withLog = new ArrayList<>(List.of(args));
        int split = withLog.indexOf("--");
        withLog.add(split < 0 ? withLog.size() : split, "-v=7");
        Result r = run(withLog.toArray(String[]::new));
        assertThat(r.exitCode()).as("kubectl %s: %s", String.join(" ", args), r.stderr()).isZero();
        if (sendsProtobuf) {
            assertThat(r.stderr()).as("kubectl %s sends protobuf", args[1]).contains("POST https://").contains(PROTOBUF_HEADER);
        }
        return r;
    }

    private static Optional<ObjectNode> stored(String group, String version, String resource, String ns, String name) {
        return server.registry().find(type(group, version, resource), ns, name);
    }

    private static ResourceType type(String group, String version, String resource) {
        return server.registry().catalog().find(group, version, resource).orElseThrow();
    }

    private static JsonNode json(String text) {
        return Json.parse(text.getBytes(StandardCharsets.UTF_8), false);
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String kubeconfig(String url, Pki pki) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: cairn
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: admin
                  user:
                    client-certificate: %s
                    client-key: %s
                contexts:
                - name: cairn
                  context: {cluster: cairn, user: admin, namespace: default}
                current-context: cairn
                """.formatted(url, pki.ca().certPath(), pki.admin().certPath(), pki.admin().keyPath());
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        Path config = kubeconfig == null ? dir.resolve("none") : kubeconfig;
        return Kubectl.run(kubectl, dir, config, args);
    }
}
