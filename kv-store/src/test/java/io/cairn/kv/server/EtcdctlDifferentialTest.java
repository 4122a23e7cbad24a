package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.raft.transport.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real etcdctl 3.4 runs one committed scenario ({@code etcdctl/scenario.txt}: puts, gets with their flags, deletes,
 * txns, errors, compaction, sorting, a lock, leases, watches, member list / add / promote / remove, endpoint status /
 * health / hashkv, alarms, snapshot save, then users, roles and permissions with auth enabled and disabled again)
 * against three {@code cairn kv} processes, and everything it prints must equal what it printed against three etcd
 * 3.4.23 processes ({@code etcdctl/etcd-3.4.23.out}), once what legitimately differs is masked: member, cluster and
 * lease ids, the Raft term, endpoint addresses, timings, the store's size, version and indexes in Status, and HashKV
 * values (Cairn's own, decision 0022).
 *
 * <p>To record the etcd side again: {@code mvn test -pl kv-store -Dtest=EtcdctlDifferentialTest
 * -Dcairn.etcdctl.record=/usr/bin/etcd}; the file is rewritten from the real etcd and the test then compares Cairn
 * against it.
 */
class EtcdctlDifferentialTest {
    private static final Path RESOURCES = Path.of("src/test/resources/etcdctl");
    private static final Path RECORDED = RESOURCES.resolve("etcd-3.4.23.out");
    private static final Pattern DIRECTIVE = Pattern.compile(" \\[([^\\]]+)]$");

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
        Map<String, String> vars = new HashMap<>();
        vars.put("$DIR", Files.createTempDirectory(dir, "files").toString());
        vars.put("$PEER", "http://127.0.0.1:" + LoopbackPorts.free());
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
            // directives after the command: [until=TEXT] runs it until it printed TEXT (a watch), [stderr] keeps
            // what it printed on standard error too, [one] runs it against the first endpoint only
            String until = null;
            boolean stderr = false;
            boolean one = false;
            for (Matcher d = DIRECTIVE.matcher(command); d.find(); d = DIRECTIVE.matcher(command)) {
                String directive = d.group(1);
                if (directive.startsWith("until=")) {
                    until = directive.substring("until=".length());
                } else if (directive.equals("stderr")) {
                    stderr = true;
                } else if (directive.equals("one")) {
                    one = true;
                } else {
                    throw new IllegalArgumentException("unknown directive " + directive + " in " + line);
                }
                command = command.substring(0, d.start());
            }
            if (command.startsWith("sleep ")) {
                Thread.sleep(1_000L * Integer.parseInt(command.substring("sleep ".length())));
                continue;
            }
            List<String> args = new ArrayList<>();
            for (String a : command.split(" ")) {
                for (Map.Entry<String, String> v : vars.entrySet()) {
                    a = a.replace(v.getKey(), v.getValue());
                }
                args.add(a.equals("\"\"") ? "" : a);
            }
            Etcdctl target = one ? new Etcdctl(endpoints.split(",")[0], dir) : ctl;
            Etcdctl.Result r;
            if (until == null) {
                r = target.runWithInput(stdin.toString(), args.toArray(String[]::new));
            } else {
                // runs until stopped: its output once it printed the text awaited (it may also end by itself)
                Etcdctl.Background b = target.start(args.toArray(String[]::new));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!(b.outSoFar() + Files.readString(b.err())).contains(until) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(500);
                r = b.stop(0);
                r = new Etcdctl.Result(0, r.out(), r.err());
                stderr = true;
            }
            capture(r.out(), "lease ([0-9a-f]+) granted", "$LEASE", vars);
            capture(r.out(), "Member ([0-9a-f]+) added", "$MEMBER", vars);
            capture(r.out(), "\"revision\":(\\d+)", "$REV", vars);
            String printed = r.out();
            if (stderr) {
                printed += r.err().lines().filter(l -> !l.startsWith("{")) // not the client library's JSON logs
                        .map(l -> l + "\n").collect(Collectors.joining());
            }
            if (command.startsWith("member list") || command.startsWith("endpoint")) {
                // one line per member, in an order that differs from run to run (ids, concurrent answers)
                printed = mask(printed).lines().sorted().map(l -> l + "\n").collect(Collectors.joining());
            }
            out.append("$ etcdctl ").append(command).append('\n').append(printed);
            if (r.exitCode() != 0) {
                out.append(r.errorLine()).append('\n').append("exit ").append(r.exitCode()).append('\n');
            }
        }
        return mask(out.toString()).replace(vars.get("$DIR"), "DIR");
    }

    private static void capture(String output, String regex, String name, Map<String, String> vars) {
        Matcher m = Pattern.compile(regex).matcher(output);
        if (m.find()) {
            vars.put(name, m.group(1));
        }
    }

    /** Masks ids, terms and addresses, which differ between any two clusters. */
    static String mask(String transcript) {
        String s = transcript.replaceAll("\"cluster_id\":\\d+", "\"cluster_id\":ID")
                .replaceAll("\"member_id\":\\d+", "\"member_id\":ID")
                .replaceAll("\"raft_term\":\\d+", "\"raft_term\":TERM")
                .replaceAll("(?m)^\"ClusterID\" : \\d+$", "\"ClusterID\" : ID")
                .replaceAll("(?m)^\"MemberID\" : \\d+$", "\"MemberID\" : ID")
                .replaceAll("(?m)^\"RaftTerm\" : \\d+$", "\"RaftTerm\" : TERM")
                .replaceAll("\\b[0-9a-f]{12,16}\\b", "HEXID")
                .replaceAll("127\\.0\\.0\\.1:\\d+", "ENDPOINT")
                .replaceAll("took = [^\\n]*", "took = TIME")
                .replaceAll("remaining\\(\\d+s\\)", "remaining(Ns)")
                .replaceAll("(?m)^(ENDPOINT, HEXID), [^,]+, [^,]+ [kMG]?B, (true|false), (true|false), "
                        + "\\d+, \\d+, \\d+,", "$1, VERSION, SIZE, $2, $3, TERM, INDEX, APPLIED,")
                .replaceAll("(?m)^(ENDPOINT), \\d+$", "$1, HASH")
;
        // the members in the order of their (random) ids: sorted
        return Pattern.compile("(?m)^ETCD_INITIAL_CLUSTER=\"([^\"]*)\"$").matcher(s).replaceAll(m -> Matcher
                .quoteReplacement("ETCD_INITIAL_CLUSTER=\"" + java.util.Arrays.stream(m.group(1).split(","))
                        .sorted().collect(Collectors.joining(",")) + "\""));
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
                cluster.add("kv" + i + "=http://127.0.0.1:" + p[1]); // KvProcesses' names
            }
            Files.createDirectories(dir);
            for (int i = 1; i <= 3; i++) {
                String client = "http://127.0.0.1:" + ports.get(i - 1)[0];
                String peer = "http://127.0.0.1:" + ports.get(i - 1)[1];
                m.processes.add(new ProcessBuilder(binary.toString(), "--name", "kv" + i, "--data-dir",
                        dir.resolve("kv" + i).toString(), "--listen-client-urls", client, "--advertise-client-urls",
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
