package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's security and limit flags on a real {@code cairn kv} process, driven by the real etcdctl: an https client
 * URL with {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file} and {@code --client-cert-auth} serves
 * TLS only and refuses a client without a certificate the CA signed; {@code --max-txn-ops} and
 * {@code --max-request-bytes} take effect with etcd's errors; periodic auto-compaction compacts; ignored flags are
 * taken and named. Certificates come
 * from openssl, as etcd's own guides make them.
 */
class ClientTlsTest {
    @TempDir
    Path dir;

    @Test
    void httpsClientUrlsServeTlsAndRequireAClientCertificate() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        assumeTrue(TestCertificates.opensslInstalled(), "openssl is not installed");
        TestCertificates.make(dir);
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 1)) {
            List<String> flags = new ArrayList<>();
            for (String f : c.flags(1)) {
                flags.add(f.startsWith("http://127.0.0.1:") && f.endsWith(c.endpoint(1).substring(10))
                        ? "https://" + c.endpoint(1) : f);
            }
            flags.addAll(List.of("--cert-file", dir.resolve("server.crt").toString(), "--key-file",
                    dir.resolve("server.key").toString(), "--trusted-ca-file", dir.resolve("ca.crt").toString(),
                    "--client-cert-auth", "--max-txn-ops", "2", "--max-request-bytes", "4096", "--enable-v2",
                    "--log-level", "warn", "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "1s"));
            assertThat(flags).contains("https://" + c.endpoint(1));
            c.start(1, flags);
            String[] tls = {"--cacert", dir.resolve("ca.crt").toString(), "--cert", dir.resolve("client.crt").toString(),
                    "--key", dir.resolve("client.key").toString()};
            Etcdctl ctl = new Etcdctl("https://" + c.endpoint(1), dir);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            Etcdctl.Result put;
            do {
                put = ctl.run(concat(tls, "put", "k", "v"));
            } while (put.exitCode() != 0 && System.nanoTime() < deadline && sleep());
            assertThat(put.exitCode()).as(put.err()).isZero();
            assertThat(ctl.run(concat(tls, "get", "k")).out()).isEqualTo("k\nv\n");

            Etcdctl.Result noClientCert = ctl.run("--cacert", dir.resolve("ca.crt").toString(), "get", "k");
            assertThat(noClientCert.exitCode()).as("no client certificate: refused").isNotZero();
            Etcdctl.Result plaintext = new Etcdctl(c.endpoint(1), dir).run("get", "k");
            assertThat(plaintext.exitCode()).as("plaintext: refused").isNotZero();

            Etcdctl.Result txn = ctl.runWithInput("\nput a 1\nput b 2\nput c 3\n\n\n", concat(tls, "txn"));
            assertThat(txn.errorLine()).isEqualTo("Error: etcdserver: too many operations in txn request");
            Etcdctl.Result big = ctl.run(concat(tls, "put", "big", "x".repeat(5000)));
            assertThat(big.errorLine()).isEqualTo("Error: etcdserver: request is too large");
            assertThat(c.log(1)).contains("--enable-v2 ignored: only the v3 API is served");

            // periodic auto-compaction keeping one second: the first revisions go soon after
            assertThat(ctl.run(concat(tls, "put", "k", "v2")).exitCode()).isZero();
            org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> ctl.run(concat(tls, "get", "k",
                    "--rev=2")).errorLine().equals("Error: etcdserver: mvcc: required revision has been compacted"));
            assertThat(ctl.run(concat(tls, "get", "k")).out()).isEqualTo("k\nv2\n");
        }
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(200);
        return true;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
