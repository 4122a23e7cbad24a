package io.cairn.apiserver;

import io.cairn.apiserver.storage.EtcdStorage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd member (Debian's {@code etcd-server}) on loopback ports in a test's folder, for the API server's etcd
 * backend. The kubectl and fabric8 suites run on it when {@code -Dcairn.test.etcd=/usr/bin/etcd} is given, and on
 * three {@code cairn kv} processes serving etcd's API with {@code -Dcairn.test.etcd=cairn-kv} ({@code .ci/run} does both);
 * {@link EtcdBackendTest} runs on both always.
 */
final class EtcdProcess implements StoreBackend {
    /** The suites' backend: an etcd binary, {@code cairn-kv}, or null for the embedded store. */
    static final String SUITE_ETCD = System.getProperty("cairn.test.etcd");


    private final Process process;
    private final URI url;

    private EtcdProcess(Process process, URI url) {
        this.process = process;
        this.url = url;
    }

    static EtcdProcess start(Path etcd, Path dir) throws IOException {
        return start(etcd, dir, null);
    }

    /**
     * An etcd member; with {@code tls} (a CA, a serving certificate for 127.0.0.1 and a client certificate) it serves
     * clients over TLS only and requires a client certificate the CA signed ({@code --client-cert-auth}).
     */
    static EtcdProcess start(Path etcd, Path dir, io.cairn.apiserver.auth.Pki tls) throws IOException {
        int client = freePort();
        int peer = freePort();
        Files.createDirectories(dir);
        String clientUrl = (tls == null ? "http" : "https") + "://127.0.0.1:" + client;
        List<String> cmd = new java.util.ArrayList<>(List.of(etcd.toString(), "--name", "e1", "--data-dir",
                dir.resolve("data").toString(), "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peer, "--initial-cluster", "e1=http://127.0.0.1:" + peer));
        if (tls != null) {
            cmd.addAll(List.of("--cert-file", tls.serving().certPath().toString(), "--key-file",
                    tls.serving().keyPath().toString(), "--trusted-ca-file", tls.ca().certPath().toString(),
                    "--client-cert-auth"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile())
                .start();
        return new EtcdProcess(p, URI.create(clientUrl));
    }

    /** The storage options of this member. */
    @Override
    public EtcdStorage.Options options() {
        return new EtcdStorage.Options(List.of(url), null, null, null);
    }

    /** An API server on {@code config}: on this backend when given, else on its embedded store. */
    static ApiServer server(ApiServer.Config config, StoreBackend etcd) throws Exception {
        return etcd == null ? ApiServer.start(config) : ApiServer.start(config, EtcdStorage.connect(etcd.options()));
    }

    /** The suites' backend, started in {@code dir} when {@code -Dcairn.test.etcd} names one; else null. */
    static StoreBackend forSuite(Path dir) throws IOException {
        if (SUITE_ETCD == null) {
            return null;
        }
        return SUITE_ETCD.equals("cairn-kv") ? KvMembers.start(dir.resolve("kv"), 3)
                : start(Path.of(SUITE_ETCD), dir.resolve("etcd"));
    }

    /**
     * Three (or {@code size}) {@code cairn kv} processes, started as a script starts an etcd cluster: etcd's flags,
     * each member with its own data directory and loopback ports, run from this test's classpath ({@code KvMain}, what
     * {@code cairn kv} runs) and logging into the test's folder.
     */
    static final class KvMembers implements StoreBackend {
        private final List<Process> processes = new java.util.ArrayList<>();
        private final List<URI> urls = new java.util.ArrayList<>();

        static KvMembers start(Path dir, int size) throws IOException {
            Files.createDirectories(dir);
            List<String> cluster = new java.util.ArrayList<>();
            List<int[]> ports = new java.util.ArrayList<>();
            for (int i = 1; i <= size; i++) {
                int[] p = {freePort(), freePort()};
                ports.add(p);
                cluster.add("kv" + i + "=http://127.0.0.1:" + p[1]);
            }
            KvMembers m = new KvMembers();
            try {
                for (int i = 1; i <= size; i++) {
                    String client = "http://127.0.0.1:" + ports.get(i - 1)[0];
                    String peer = "http://127.0.0.1:" + ports.get(i - 1)[1];
                    m.processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                            io.cairn.kv.server.KvMain.class.getName(), "--name", "kv" + i, "--data-dir",
                            dir.resolve("kv" + i + ".cairn").toString(), "--listen-client-urls", client,
                            "--advertise-client-urls", client, "--listen-peer-urls", peer,
                            "--initial-advertise-peer-urls", peer, "--initial-cluster-token", "apiserver-test",
                            "--initial-cluster", String.join(",", cluster), "--initial-cluster-state", "new")
                            .redirectErrorStream(true).redirectOutput(dir.resolve("kv" + i + ".log").toFile())
                            .start());
                    m.urls.add(URI.create(client));
                }
            } catch (IOException | RuntimeException e) {
                m.close();
                throw e;
            }
            return m;
        }

        @Override
        public EtcdStorage.Options options() {
            return new EtcdStorage.Options(urls, null, null, null);
        }

        @Override
        public void close() {
            processes.forEach(Process::destroy);
            for (Process p : processes) {
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
