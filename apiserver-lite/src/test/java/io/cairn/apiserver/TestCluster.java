package io.cairn.apiserver;

import io.cairn.apiserver.auth.User;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.apiserver.kubeconfig.Kubeconfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An API server on an embedded store in a temporary directory, for tests: its kubeconfig (never the user's), the
 * real {@code kubectl} run against it with its own {@code HOME} and {@code KUBECONFIG}, and an in-process client.
 */
final class TestCluster implements AutoCloseable {
    static final Path KUBECTL = Kubectl.find();

    final Path dir;
    final ApiServer server;
    final Path kubeconfig;
    final Path home;

    /** The etcd member the server stores in ({@code -Dcairn.test.etcd}), or null for the embedded store. */
    final StoreBackend etcd;

    private TestCluster(Path dir, ApiServer server, StoreBackend etcd) throws IOException {
        this.dir = dir;
        this.server = server;
        this.etcd = etcd;
        this.kubeconfig = dir.resolve("kubeconfig");
        this.home = Files.createDirectories(dir.resolve("home"));
        Kubeconfig.writeStandalone(kubeconfig, Kubeconfig.Entry.of(server.pki(), server.url()));
    }

    static TestCluster start(Path dir) throws Exception {
        return start(dir, null);
    }

    /** On the embedded store, or on a real etcd member when {@code -Dcairn.test.etcd=/usr/bin/etcd} is given. */
    static TestCluster start(Path dir, Path tokenFile) throws Exception {
        StoreBackend etcd = EtcdProcess.forSuite(dir);
        try {
            ApiServer s = EtcdProcess.server(ApiServer.Config.of(dir.resolve("data")).withPort(0).withTokenFile(tokenFile),
                    etcd);
            return new TestCluster(dir, s, etcd);
        } catch (Exception | Error e) {
            if (etcd != null) {
                etcd.close();
            }
            throw e;
        }
    }

    static boolean hasKubectl() {
        return KUBECTL != null;
    }

    ApiClient client() {
        return ApiClient.of(Transport.inProcess(server.dispatcher(), User.ADMIN.name()));
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    Result kubectl(String... args) throws IOException, InterruptedException {
        return kubectlWithInput(null, args);
    }

    Result kubectlWithInput(String stdin, String... args) throws IOException, InterruptedException {
        return kubectlWith(kubeconfig, stdin, args);
    }

    Result kubectlWith(Path config, String stdin, String... args) throws IOException, InterruptedException {
        Process p = process(config, args);
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        Kubectl.Result r = Kubectl.finish(p, dir.resolve("kubectl.out"), dir.resolve("kubectl.err"), args);
        return new Result(r.exitCode(), r.stdout(), r.stderr());
    }

    /** Starts kubectl with its output going to {@code kubectl.out} / {@code kubectl.err} in the test directory. */
    Process process(Path config, String... args) throws IOException {
        return process(config, dir.resolve("kubectl.out"), dir.resolve("kubectl.err"), args);
    }

    Process process(Path config, Path out, Path err, String... args) throws IOException {
        return Kubectl.start(KUBECTL, home, config, out, err, args);
    }

    @Override
    public void close() {
        server.close();
        if (etcd != null) {
            etcd.close();
        }
    }
}
