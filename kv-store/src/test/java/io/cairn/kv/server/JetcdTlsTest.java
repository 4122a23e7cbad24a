package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd 0.8.5 over TLS against three {@code cairn kv} processes that serve https client URLs with
 * {@code --client-cert-auth} and talk to each other over mutual TLS ({@code --peer-*} files): KV, Watch, Lease,
 * Lock, Election, Cluster and Maintenance calls work with a client certificate the CA signed; a client without one
 * gets nothing.
 */
class JetcdTlsTest {
    @TempDir
    Path dir;

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void everyServiceWorksOverTlsWithAClientCertificate() throws Exception {
        assumeTrue(TestCertificates.opensslInstalled(), "openssl is not installed");
        TestCertificates.make(dir);
        String ca = dir.resolve("ca.crt").toString();
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            List<String> endpoints = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                List<String> flags = new ArrayList<>();
                for (String f : c.flags(i)) {
                    flags.add(f.equals(c.clientUrl(i)) ? "https://" + c.endpoint(i)
                            : f.replace("http://", "https://"));
                }
                flags.addAll(List.of("--cert-file", dir.resolve("server.crt").toString(), "--key-file",
                        dir.resolve("server.key").toString(), "--trusted-ca-file", ca, "--client-cert-auth",
                        "--peer-cert-file", dir.resolve("server.crt").toString(), "--peer-key-file",
                        dir.resolve("server.key").toString(), "--peer-trusted-ca-file", ca, "--peer-client-cert-auth"));
                c.start(i, flags);
                endpoints.add("https://" + c.endpoint(i));
            }
            try (Client client = Client.builder().endpoints(endpoints.toArray(String[]::new))
                    .sslContext(b -> b.trustManager(new java.io.File(ca)).keyManager(
                            dir.resolve("client.crt").toFile(), dir.resolve("client.key").toFile()))
                    .build()) {
                org.awaitility.Awaitility.await().atMost(90, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
                    client.getKVClient().put(bs("ready"), bs("1")).get(5, TimeUnit.SECONDS);
                    return true;
                });
                BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
                try (Watch.Watcher w = client.getWatchClient().watch(bs("t/"), WatchOption.builder()
                        .isPrefix(true).build(), r -> events.addAll(r.getEvents()))) {
                    long id = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
                    client.getKVClient().put(bs("t/a"), bs("1"), io.etcd.jetcd.options.PutOption.builder()
                            .withLeaseId(id).build()).get(10, TimeUnit.SECONDS);
                    assertThat(client.getKVClient().get(bs("t/a")).get(10, TimeUnit.SECONDS).getKvs().get(0)
                            .getLease()).isEqualTo(id);
                    WatchEvent e = events.poll(10, TimeUnit.SECONDS);
                    assertThat(e).isNotNull();
                    assertThat(e.getKeyValue().getValue()).isEqualTo(bs("1"));
                    client.getLeaseClient().revoke(id).get(10, TimeUnit.SECONDS);
                    assertThat(events.poll(10, TimeUnit.SECONDS).getEventType())
                            .isEqualTo(WatchEvent.EventType.DELETE);
                }
                ByteSequence lock = client.getLockClient().lock(bs("t-lock"), 0).get(10, TimeUnit.SECONDS).getKey();
                client.getLockClient().unlock(lock).get(10, TimeUnit.SECONDS);
                long lease = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
                client.getElectionClient().campaign(bs("t-election"), lease, bs("me")).get(10, TimeUnit.SECONDS);
                assertThat(client.getElectionClient().leader(bs("t-election")).get(10, TimeUnit.SECONDS).getKv()
                        .getValue()).isEqualTo(bs("me"));
                assertThat(client.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers())
                        .hasSize(3);
                assertThat(client.getMaintenanceClient().statusMember(endpoints.get(0)).get(10, TimeUnit.SECONDS)
                        .getLeader()).isNotZero();
            }
            try (Client noCertificate = Client.builder().endpoints(endpoints.toArray(String[]::new))
                    .sslContext(b -> b.trustManager(new java.io.File(ca))).build()) {
                assertThatThrownBy(() -> noCertificate.getKVClient().get(bs("ready")).get(10, TimeUnit.SECONDS))
                        .as("no client certificate: refused").isInstanceOf(Exception.class);
            }
        }
    }
}
