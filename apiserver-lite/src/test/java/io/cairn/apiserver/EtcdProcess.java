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
 * three Cairn KV members serving etcd's API with {@code -Dcairn.test.etcd=cairn-kv} ({@code .ci/run} does both);
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
        int client = freePort();
        int peer = freePort();
        Files.createDirectories(dir);
        Process p = new ProcessBuilder(etcd.toString(), "--name", "e1", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls",
                "http://127.0.0.1:" + client, "--listen-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer, "--initial-cluster",
                "e1=http://127.0.0.1:" + peer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        return new EtcdProcess(p, URI.create("http://127.0.0.1:" + client));
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

    /** Cairn KV members in this JVM, each serving etcd's gRPC API on its own loopback port. */
    static final class KvMembers implements StoreBackend {
        private final List<io.cairn.kv.KvStore> stores = new java.util.ArrayList<>();
        private final List<io.cairn.kv.server.KvGrpcServer> servers = new java.util.ArrayList<>();
        private final List<URI> urls = new java.util.ArrayList<>();

        static KvMembers start(Path dir, int size) throws IOException {
            java.util.Map<Long, java.net.InetSocketAddress> peers = new java.util.LinkedHashMap<>();
            for (long id = 1; id <= size; id++) {
                peers.put(id, new java.net.InetSocketAddress("127.0.0.1", freePort()));
            }
            KvMembers m = new KvMembers();
            try {
                for (long id : peers.keySet()) {
                    io.cairn.kv.KvStore s = io.cairn.kv.KvStore.start(io.cairn.kv.KvStore.Options.member(id, 42,
                            dir.resolve("m" + id), peers, peers.get(id)));
                    m.stores.add(s);
                    int port = freePort();
                    m.servers.add(io.cairn.kv.server.KvGrpcServer.start(List.of(new java.net.InetSocketAddress(
                            "127.0.0.1", port)), s, io.cairn.kv.server.KvServerLimits.DEFAULTS));
                    m.urls.add(URI.create("http://127.0.0.1:" + port));
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
            servers.forEach(io.cairn.kv.server.KvGrpcServer::close);
            stores.forEach(io.cairn.kv.KvStore::close);
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
