package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.raft.transport.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real etcdctl 3.4 runs one committed scenario ({@code etcdctl/scenario.txt}: puts, gets with their flags, deletes,
 * txns, errors, compaction, sorting, a lock, alarms, leases, then users, roles and permissions with auth enabled and
 * disabled again) against three {@code cairn kv} processes, and everything it prints must equal what it printed
 * against three etcd 3.4.23 processes ({@code etcdctl/etcd-3.4.23.out}), once what
 * legitimately differs is masked: member, cluster and lease ids, the Raft term, and endpoint addresses.
 *
 * <p>To record the etcd side again: {@code mvn test -pl kv-store -Dtest=EtcdctlDifferentialTest
 * -Dcairn.etcdctl.record=/usr/bin/etcd}; the file is rewritten from the real etcd and the test then compares Cairn
 * against it.
 */
class EtcdctlDifferentialTest {
    private static final Path RESOURCES = Path.of("src/test/resources/etcdctl");
    private static final Path RECORDED = RESOURCES.resolve("etcd-3.4.23.out");

    @TempDir
    Path dir;

    @Test
    void cairnPrintsWhatEtcdPrints() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        String etcd = System.getProperty("cairn.etcdctl.record");
        if (etcd != null) {
            try (Members m = Members.etcd(Path.of(etcd), dir.resolve("etcd"))) {
                Files.writeString(RECORDED, run(m.endpoints()), StandardCharsets.UTF_8);
            }
        }
        String expected = Files.readString(RECORDED, StandardCharsets.UTF_8);
        try (KvProcesses c = new KvProcesses(dir.resolve("cairn"), 3)) {
            c.startAll();
            assertThat(run(c.endpoints())).isEqualTo(expected);
        }
    }

    /** Runs the scenario against {@code endpoints}; the transcript with what differs legitimately masked. */
    private String run(String endpoints) throws Exception {
        Etcdctl ctl = new Etcdctl(endpoints, dir);
        Awaitility.await().atMost(90, TimeUnit.SECONDS).until(() -> ctl.run("get", "ready").exitCode() == 0);
        StringBuilder out = new StringBuilder();
        List<String> lines = Files.readAllLines(RESOURCES.resolve("scenario.txt"), StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            StringBuilder stdin = new StringBuilder();
            String command = line;
            if (line.endsWith(" <<")) {
                command = line.substring(0, line.length() - 3);
                while (!lines.get(++i).equals(".")) {
                    stdin.append(lines.get(i)).append('\n');
                }
            }
            List<String> args = new ArrayList<>();
            for (String a : command.split(" ")) {
                args.add(a.equals("\"\"") ? "" : a);
            }
            Etcdctl.Result r = ctl.runWithInput(stdin.toString(), args.toArray(String[]::new));
            out.append("$ etcdctl ").append(command).append('\n').append(r.out());
            if (r.exitCode() != 0) {
                out.append(r.errorLine()).append('\n').append("exit ").append(r.exitCode()).append('\n');
            }
        }
        return mask(out.toString());
    }

    /** Masks ids, terms and addresses, which differ between any two clusters. */
    static String mask(String s) {
        return s.replaceAll("\"cluster_id\":\\d+", "\"cluster_id\":ID")
                .replaceAll("\"member_id\":\\d+", "\"member_id\":ID")
                .replaceAll("\"raft_term\":\\d+", "\"raft_term\":TERM")
                .replaceAll("(?m)^\"ClusterID\" : \\d+$", "\"ClusterID\" : ID")
                .replaceAll("(?m)^\"MemberID\" : \\d+$", "\"MemberID\" : ID")
                .replaceAll("(?m)^\"RaftTerm\" : \\d+$", "\"RaftTerm\" : TERM")
                .replaceAll("\\b[0-9a-f]{12,16}\\b", "HEXID")
                .replaceAll("127\\.0\\.0\\.1:\\d+", "ENDPOINT");
    }

    /** Three etcd processes for recording, started with the flags the Cairn side gets. */
    private static final class Members implements AutoCloseable {
        private final List<Process> processes = new ArrayList<>();
        private final List<String> clients = new ArrayList<>();

        static Members etcd(Path binary, Path dir) throws IOException {
            Members m = new Members();
            List<String> cluster = new ArrayList<>();
            List<int[]> ports = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                int[] p = {LoopbackPorts.free(), LoopbackPorts.free()};
                ports.add(p);
                cluster.add("e" + i + "=http://127.0.0.1:" + p[1]);
            }
            Files.createDirectories(dir);
            for (int i = 1; i <= 3; i++) {
                String client = "http://127.0.0.1:" + ports.get(i - 1)[0];
                String peer = "http://127.0.0.1:" + ports.get(i - 1)[1];
                m.processes.add(new ProcessBuilder(binary.toString(), "--name", "e" + i, "--data-dir",
                        dir.resolve("e" + i).toString(), "--listen-client-urls", client, "--advertise-client-urls",
                        client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                        "--initial-cluster-token", "etcd-cluster-1", "--initial-cluster", String.join(",", cluster),
                        "--initial-cluster-state", "new").redirectErrorStream(true)
                        .redirectOutput(dir.resolve("e" + i + ".log").toFile()).start());
                m.clients.add("127.0.0.1:" + ports.get(i - 1)[0]);
            }
            return m;
        }

        String endpoints() {
            return String.join(",", clients);
        }

        @Override
        public void close() throws InterruptedException {
            for (Process p : processes) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
