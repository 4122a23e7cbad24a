package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.kv.proto.health.HealthCheckRequest;
import io.cairn.kv.proto.health.HealthCheckResponse;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Maintenance service and the gRPC health service through the real {@code etcdctl} 3.4 against three
 * {@code cairn kv} processes: {@code endpoint status} (leader, term, indexes, version), {@code endpoint health},
 * {@code endpoint hashkv} (equal on every member), {@code alarm list} / {@code disarm}, {@code defrag},
 * {@code snapshot save} and {@code cairn kv snapshot restore} of that file into a new three-member cluster,
 * {@code move-leader}, and grpc.health.v1 Check.
 */
class EtcdctlMaintenanceTest {
    @TempDir
    Path dir;

    /** The table rows of {@code etcdctl endpoint status -w simple}: endpoint, id, version, size, leader?, learner?, term, index, applied, errors. */
    private static List<String[]> statusRows(Etcdctl.Result r) {
        List<String[]> rows = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (!line.isBlank()) {
                rows.add(java.util.Arrays.stream(line.split(",", -1)).map(String::strip).toArray(String[]::new));
            }
        }
        return rows;
    }

    @Test
    void etcdctlMaintenanceCommandsWork() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            c.startAll();
            Etcdctl all = new Etcdctl(c.endpoints(), dir);
            all.eventually("put", "/a", "1");
            all.eventually("put", "/b", "2");
            all.eventually("del", "/a");

            // every member answers, one of them the leader, all in one term
            Etcdctl.Result status = all.eventually("endpoint", "status");
            List<String[]> rows = statusRows(status);
            assertThat(rows).hasSize(3);
            assertThat(rows).filteredOn(row -> row[4].equals("true")).as(status.out()).hasSize(1);
            assertThat(rows).extracting(row -> row[2]).containsOnly("3.4.0");
            assertThat(rows).extracting(row -> row[6]).as("one term").hasSize(3).containsOnly(rows.get(0)[6]);
            assertThat(rows).allSatisfy(row -> {
                assertThat(row[5]).as("learner").isEqualTo("false");
                assertThat(Long.parseLong(row[7])).as("raft index").isGreaterThanOrEqualTo(4);
                assertThat(row[9]).as("errors").isEmpty();
            });

            Etcdctl.Result health = all.eventually("endpoint", "health");
            assertThat(health.out() + health.err()).contains("is healthy: successfully committed proposal")
                    .doesNotContain("unhealthy");

            // the same data gives the same hash on every member once all applied it
            Etcdctl.Result hashes = all.eventually("endpoint", "hashkv");
            Matcher m = Pattern.compile(", (\\d+)\\n?").matcher(hashes.out());
            List<String> values = new ArrayList<>();
            while (m.find()) {
                values.add(m.group(1));
            }
            assertThat(values).as(hashes.out()).hasSize(3).containsOnly(values.get(0));

            assertThat(all.eventually("alarm", "list").out()).isEmpty();
            assertThat(all.eventually("alarm", "disarm").out()).isEmpty();
            assertThat(all.eventually("defrag").out()).contains("Finished defragmenting etcd member[" + c.endpoint(1) + "]");
            assertThat(new Etcdctl(c.endpoint(2), dir).run("get", "/b").out()).isEqualTo("/b\n2\n");

            Path saved = dir.resolve("saved.db");
            Etcdctl.Result snap = new Etcdctl(c.endpoint(2), dir).eventually("snapshot", "save", saved.toString());
            assertThat(snap.out() + snap.err()).contains("Snapshot saved at " + saved);
            assertThat(Files.size(saved)).isGreaterThan(8);
            assertThat(new String(Files.readAllBytes(saved), 0, 8, java.nio.charset.StandardCharsets.US_ASCII))
                    .as("Cairn's snapshot archive").isEqualTo("CAIRNSNP");
            try (var files = Files.walk(c.dataDir(2))) {
                assertThat(files.filter(f -> f.getFileName().toString().startsWith("etcd-snapshot-")).toList())
                        .as("nothing left behind").isEmpty();
            }

            // the snapshot seeds a new three-member cluster (etcd's restore procedure: one restore per member)
            try (KvProcesses restored = new KvProcesses(dir.resolve("restored"), 3)) {
                for (int i = 1; i <= 3; i++) {
                    List<String> f = restored.flags(i);
                    List<String> restore = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                            "java").toString(), "-cp", System.getProperty("java.class.path"), KvMain.class.getName(),
                            "snapshot", "restore", saved.toString()));
                    for (String flag : List.of("--name", "--data-dir", "--initial-cluster", "--initial-cluster-token",
                            "--initial-advertise-peer-urls")) {
                        restore.add(flag);
                        restore.add(f.get(f.indexOf(flag) + 1));
                    }
                    Process p = new ProcessBuilder(restore).redirectErrorStream(true)
                            .redirectOutput(dir.resolve("restore" + i + ".log").toFile()).start();
                    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                    assertThat(p.exitValue()).as(Files.readString(dir.resolve("restore" + i + ".log"))).isZero();
                }
                Process again = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), KvMain.class.getName(), "snapshot", "restore",
                        saved.toString(), "--data-dir", restored.dataDir(1).toString()).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("again.log").toFile()).start();
                assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(again.exitValue()).isEqualTo(2);
                assertThat(Files.readString(dir.resolve("again.log"))).contains("exists");
                restored.startAll();
                Etcdctl fresh = new Etcdctl(restored.endpoints(), dir);
                assertThat(fresh.eventually("get", "/b").out()).isEqualTo("/b\n2\n");
                assertThat(fresh.run("get", "/a").out()).as("deleted before the snapshot").isEmpty();
                fresh.eventually("put", "/c", "3");
                String members = fresh.eventually("member", "list").out();
                assertThat(members.split("\n")).as("the new cluster's members, not the old one's").hasSize(3);
                for (int i = 1; i <= 3; i++) {
                    assertThat(members).contains(restored.peerUrl(i)).doesNotContain(c.peerUrl(i));
                }
                Etcdctl third = new Etcdctl(restored.endpoint(3), dir);
                org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> third.run("get", "/c",
                        "--consistency=s").out().equals("/c\n3\n"));
            }

            // leadership moves to the member named
            String leaderEndpoint = rows.stream().filter(row -> row[4].equals("true")).findFirst().orElseThrow()[0];
            String target = rows.stream().filter(row -> row[4].equals("false")).findFirst().orElseThrow()[1];
            Etcdctl.Result moved = new Etcdctl(leaderEndpoint, dir).eventually("move-leader", target);
            assertThat(moved.out()).contains("Leadership transferred from").contains("to " + target);
            List<String[]> after = statusRows(all.eventually("endpoint", "status"));
            assertThat(after).filteredOn(row -> row[4].equals("true")).extracting(row -> row[1])
                    .containsExactly(target);

            HealthCheckResponse check = ClientCalls.blockingUnaryCall(c.channel(1),
                    EtcdMaintenanceGrpc.HEALTH_CHECK, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    HealthCheckRequest.getDefaultInstance());
            assertThat(check.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        }
    }
}
