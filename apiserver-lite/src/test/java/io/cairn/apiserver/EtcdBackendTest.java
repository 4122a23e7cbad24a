package io.cairn.apiserver;

import static io.cairn.apiserver.ApiBehaviourTest.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.storage.EtcdStorage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server on an etcd v3 cluster through {@code --etcd-servers}' storage: on etcd 3.4 itself (Debian's
 * {@code etcd-server}, a real process) and on three `cairn kv` processes serving etcd's gRPC API. The same behaviour as on
 * the embedded store: CRUD, optimistic concurrency, a watch, a custom resource, kubectl, and the data still there after
 * the API server restarts.
 */
class EtcdBackendTest {
    @TempDir
    Path dir;

    @Test
    void onEtcd34() throws Exception {
        Path etcd = Path.of("/usr/bin/etcd");
        assumeTrue(Files.isExecutable(etcd), "etcd is not installed (Debian's etcd-server)");
        try (EtcdProcess p = EtcdProcess.start(etcd, dir.resolve("etcd"))) {
            exercise(p.options());
        }
    }

    /**
     * {@code --etcd-cafile}, {@code --etcd-certfile} and {@code --etcd-keyfile} against an etcd that serves TLS only and
     * requires a client certificate; the key is in SEC 1 form ({@code EC PRIVATE KEY}, as openssl and cfssl write EC
     * keys for etcd) without its optional public key, which Netty's reader refuses.
     */
    @Test
    void onEtcd34OverTlsWithAClientCertificate() throws Exception {
        Path etcd = Path.of("/usr/bin/etcd");
        assumeTrue(Files.isExecutable(etcd), "etcd is not installed (Debian's etcd-server)");
        io.cairn.apiserver.auth.Pki pki = io.cairn.apiserver.auth.Pki.loadOrCreate(dir.resolve("etcd-tls"), "127.0.0.1",
                List.of());
        Path sec1 = dir.resolve("client-key.pem");
        // SEC 1 with the curve's name and without the optional public key
        java.security.interfaces.ECPrivateKey key = (java.security.interfaces.ECPrivateKey) pki.admin().privateKey();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1Key = new org.bouncycastle.asn1.sec.ECPrivateKey(
                key.getParams().getOrder().bitLength(), key.getS(), org.bouncycastle.asn1.pkcs.PrivateKeyInfo
                        .getInstance(key.getEncoded()).getPrivateKeyAlgorithm().getParameters());
        try (org.bouncycastle.util.io.pem.PemWriter pem = new org.bouncycastle.util.io.pem.PemWriter(
                Files.newBufferedWriter(sec1))) {
            pem.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1Key.getEncoded()));
        }
        assertThat(Files.readString(sec1)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        try (EtcdProcess p = EtcdProcess.start(etcd, dir.resolve("etcd"), pki)) {
            assertThat(p.options().servers().get(0).getScheme()).isEqualTo("https");
            exercise(new EtcdStorage.Options(p.options().servers(), pki.ca().certPath().toFile(),
                    pki.admin().certPath().toFile(), sec1.toFile()));
        }
    }

    @Test
    void onThreeCairnKvMembers() throws Exception {
        try (EtcdProcess.KvMembers members = EtcdProcess.KvMembers.start(dir.resolve("kv"), 3)) {
            exercise(members.options());
        }
    }

    private void exercise(EtcdStorage.Options o) throws Exception {
        Path data = dir.resolve("api");
        int port;
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(data).withPort(0), EtcdStorage.connect(o))) {
            port = server.address().getPort();
            ApiClient client = ApiClient.of(io.cairn.apiserver.client.Transport.inProcess(server.dispatcher(),
                    "cairn-admin"));
            ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
            List<String> events = new CopyOnWriteArrayList<>();
            String rv = cms.list().path("metadata").path("resourceVersion").asText();
            try (AutoCloseable watch = cms.watch(rv, Map.of(), e -> events.add(e.path("type").asText() + " "
                    + e.path("object").path("metadata").path("name").asText()), () -> { })) {
                ObjectNode created = cms.create(ApiBehaviourTest.configMap("a"));
                ObjectNode changed = created.deepCopy();
                ((ObjectNode) changed.get("data")).put("k", "v2");
                cms.update(changed);
                assertThat(failure(() -> cms.update(created)).code()).as("a stale resourceVersion").isEqualTo(409);
                cms.delete("a");
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> events.size() >= 3);
                assertThat(events).containsExactly("ADDED a", "MODIFIED a", "DELETED a");
            }
            client.resource("apiextensions.k8s.io/v1", "customresourcedefinitions")
                    .create(CustomResourceTest.yaml(CustomResourceTest.WIDGETS));
            ApiClient.ResourceClient widgets = client.resource("example.com/v1", "widgets").namespace("default");
            Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().until(() -> widgets.list() != null);
            widgets.create(CustomResourceTest.widget("w", "{size: 2}"));
            cms.create(ApiBehaviourTest.configMap("kept"));
            if (TestCluster.hasKubectl()) {
                Path kubeconfig = dir.resolve("kubeconfig");
                io.cairn.apiserver.kubeconfig.Kubeconfig.writeStandalone(kubeconfig,
                        io.cairn.apiserver.kubeconfig.Kubeconfig.Entry.of(server.pki(), server.url()));
                Kubectl.Result r = Kubectl.finish(Kubectl.start(TestCluster.KUBECTL,
                        Files.createDirectories(dir.resolve("home")), kubeconfig, dir.resolve("k.out"),
                        dir.resolve("k.err"), "get", "widgets", "-n", "default"), dir.resolve("k.out"),
                        dir.resolve("k.err"), "get", "widgets");
                assertThat(r.exitCode()).as(r.stderr()).isZero();
                assertThat(r.stdout()).containsPattern("w\\s+2");
            }
        }
        try (ApiServer again = ApiServer.start(ApiServer.Config.of(data).withPort(port), EtcdStorage.connect(o))) {
            ApiClient client = ApiClient.of(io.cairn.apiserver.client.Transport.inProcess(again.dispatcher(),
                    "cairn-admin"));
            assertThat(client.resource("v1", "configmaps").namespace("default").get("kept").path("data").path("k")
                    .asText()).isEqualTo("v");
            assertThat(client.resource("example.com/v1", "widgets").namespace("default").get("w").path("spec")
                    .path("size").asInt()).as("the definition is served again at once").isEqualTo(2);
        }
    }
}
