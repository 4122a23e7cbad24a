package io.cairn.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.progress.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the scenario files in {@code src/test/resources/scenarios}: each is a sequence of commands, each
 * followed by {@code ----} and the output it must produce, separated by blank lines (the form of etcd raft's
 * interaction tests). Run with {@code -Dscenario.rewrite=true} to rewrite the expected output when a change
 * is meant to alter it, then review the diff.
 *
 * <p>Commands: {@code add-nodes N [pre-vote=B] [check-quorum=B] [election=T] [heartbeat=T] [inflight=N]
 * [inflight-bytes=N] [msg-bytes=N] [uncommitted-bytes=N] [proposal-bytes=N] [read-mode=lease|read-index]
 * [lease-margin=T] [snapshot-threshold=N] [snapshot-retain=N]}, {@code campaign ID}, {@code tick ID [N]},
 * {@code tick-election ID}, {@code tick-heartbeat ID}, {@code process-ready ID...},
 * {@code deliver-msgs [to=ID] [from=ID] [type=T]}, {@code drop-msgs [to=ID] [from=ID] [type=T]},
 * {@code stabilize}, {@code propose ID DATA...}, {@code read-index ID REQUEST}, {@code raft-log ID},
 * {@code raft-state}, {@code status ID}, {@code isolate ID}, {@code heal [ID]}, {@code restart ID},
 * {@code trace on|off}, {@code applied ID}, {@code reads ID}, and {@code elect ID} (campaign and stabilize without
 * printing the steps, then print {@code raft-state}: for setting up, once a scenario has shown an election).
 *
 * <p>Membership, transfer and snapshots: {@code add-member ID} (a member with no configuration, joining),
 * {@code add-learner LEADER ID}, {@code add-voter LEADER ID [explicit]}, {@code remove LEADER ID [explicit]},
 * {@code replace LEADER OUT IN [explicit]} ({@code explicit}: stay in joint consensus until {@code leave-joint
 * LEADER}), {@code config} (every member's configuration), {@code transfer-leader LEADER TO},
 * {@code snapshot ID} (take a snapshot at the applied index; the core compacts), {@code report-snapshot LEADER
 * TO ok|failed}, {@code step TO TYPE from=ID term=T [index=I]} (one crafted APPEND_RESPONSE, VOTE or PRE_VOTE handed
 * to a member, for interleavings ticks and deliveries alone cannot order). Snapshot requests in a Ready are honoured at once; a delivered SNAPSHOT message is reported to
 * its sender as delivered.
 *
 * <p>In {@code stabilize} output, "{@code > deliver N messages}" separates the Readies from what their delivery
 * caused (the traces that follow); messages to or from an isolated member are counted as dropped.
 */
class ScenarioTest {
    private static final Path DIR = Paths.get("src/test/resources/scenarios");
    private static final boolean REWRITE = Boolean.getBoolean("scenario.rewrite");

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
    }

    private record Block(String command, String expected) {}

    private static void run(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<Block> blocks = parse(text);
        Runner runner = new Runner();
        StringBuilder rewritten = new StringBuilder();
        List<String> failures = new ArrayList<>();
        for (Block b : blocks) {
            String actual;
            if (b.command.startsWith("#") || b.command.isBlank()) {
                rewritten.append(b.command).append("\n\n");
                continue;
            }
            actual = runner.execute(b.command.trim());
            rewritten.append(b.command).append("\n----\n").append(actual).append('\n');
            if (!actual.equals(b.expected)) {
                failures.add("command: " + b.command + "\n--- expected:\n" + b.expected + "\n--- actual:\n" + actual);
            }
        }
        if (REWRITE) {
            Files.writeString(file, rewritten.toString().stripTrailing() + "\n", StandardCharsets.UTF_8);
            return;
        }
        assertThat(failures).as("scenario %s (rerun with -Dscenario.rewrite=true to accept)", file).isEmpty();
    }

    /** Splits a file into commands (with any comment lines before them) and expected outputs. */
    private static List<Block> parse(String text) {
        List<Block> blocks = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            if (lines[i].isBlank()) {
                i++;
                continue;
            }
            if (lines[i].startsWith("#")) {
                StringBuilder comment = new StringBuilder();
                while (i < lines.length && lines[i].startsWith("#")) {
                    comment.append(comment.length() == 0 ? "" : "\n").append(lines[i++]);
                }
                blocks.add(new Block(comment.toString(), ""));
                continue;
            }
            String command = lines[i++];
            if (i >= lines.length || !lines[i].equals("----")) {
                throw new IllegalArgumentException("expected ---- after command: " + command);
            }
            i++;
            StringBuilder expected = new StringBuilder();
            while (i < lines.length && !lines[i].isEmpty()) {
                expected.append(lines[i++]).append('\n');
            }
            blocks.add(new Block(command, expected.toString()));
        }
        return blocks;
    }

    /** Executes commands against one {@link TestCluster} and renders their output. */
    static final class Runner {
        private TestCluster cluster;

        String execute(String line) {
            String[] parts = line.split("\\s+");
            String cmd = parts[0];
            Map<String, String> kv = new HashMap<>();
            List<String> args = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                if (eq > 0) {
                    kv.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
                } else {
                    args.add(parts[i]);
                }
            }
            if (!cmd.equals("add-nodes") && cluster != null) {
                cluster.out.setLength(0);
            }
            String result = switch (cmd) {
                case "add-nodes" -> addNodes(Integer.parseInt(args.get(0)), kv);
                case "campaign" -> {
                    cluster.node(id(args, 0)).campaign();
                    yield "";
                }
                case "tick" -> {
                    cluster.tick(id(args, 0), args.size() > 1 ? Integer.parseInt(args.get(1)) : 1);
                    yield "";
                }
                case "tick-election" -> {
                    long id = id(args, 0);
                    cluster.tick(id, cluster.configs.get(id).electionTicks);
                    yield "";
                }
                case "tick-heartbeat" -> {
                    long id = id(args, 0);
                    cluster.tick(id, cluster.configs.get(id).heartbeatTicks);
                    yield "";
                }
                case "process-ready" -> processReady(args);
                case "deliver-msgs" -> {
                    Predicate<Message> which = filter(kv);
                    int matching = (int) cluster.network.stream().filter(which).count();
                    int n = cluster.deliver(which);
                    yield "delivered " + n + (matching > n ? " (dropped " + (matching - n) + ": isolated)" : "")
                            + "\n";
                }
                case "drop-msgs" -> {
                    int n = cluster.drop(filter(kv));
                    yield "dropped " + n + "\n";
                }
                case "stabilize" -> stabilize();
                case "elect" -> {
                    cluster.node(id(args, 0)).campaign();
                    boolean tracing = cluster.tracing;
                    cluster.tracing = false;
                    cluster.stabilize();
                    cluster.tracing = tracing;
                    cluster.out.setLength(0);
                    yield raftState();
                }
                case "propose" -> propose(args);
                case "read-index" -> {
                    cluster.node(id(args, 0)).readIndex(Long.parseLong(args.get(1)));
                    yield "";
                }
                case "raft-log" -> raftLog(id(args, 0));
                case "raft-state" -> raftState();
                case "status" -> status(id(args, 0));
                case "isolate" -> {
                    cluster.isolated.add(id(args, 0));
                    yield "";
                }
                case "heal" -> {
                    if (args.isEmpty()) {
                        cluster.isolated.clear();
                    } else {
                        cluster.isolated.remove(id(args, 0));
                    }
                    yield "";
                }
                case "restart" -> {
                    cluster.restart(id(args, 0));
                    yield "";
                }
                case "trace" -> {
                    cluster.tracing = args.get(0).equals("on");
                    yield "";
                }
                case "applied" -> applied(id(args, 0));
                case "reads" -> reads(id(args, 0));
                case "add-member" -> {
                    cluster.addJoining(id(args, 0));
                    yield "";
                }
                case "add-learner" -> configChange(id(args, 0), ConfigChange.addLearner(id(args, 1)));
                case "add-voter" -> configChange(id(args, 0),
                        change(args, 2, new ConfigChange.Change(ConfigChange.Type.ADD_VOTER, id(args, 1))));
                case "remove" -> configChange(id(args, 0),
                        change(args, 2, new ConfigChange.Change(ConfigChange.Type.REMOVE, id(args, 1))));
                case "replace" -> configChange(id(args, 0), change(args, 3,
                        new ConfigChange.Change(ConfigChange.Type.ADD_VOTER, id(args, 2)),
                        new ConfigChange.Change(ConfigChange.Type.REMOVE, id(args, 1))));
                case "leave-joint" -> proposeResult(cluster.node(id(args, 0)).proposeLeaveJoint());
                case "config" -> config();
                case "transfer-leader" -> cluster.node(id(args, 0)).transferLeadership(id(args, 1)) + "\n";
                case "snapshot" -> cluster.snapshotNow(id(args, 0)) + "\n";
                case "step" -> step(id(args, 0), args.get(1), kv);
                case "report-snapshot" -> {
                    cluster.node(id(args, 0)).reportSnapshot(id(args, 1), args.get(2).equals("ok"));
                    yield "";
                }
                default -> throw new IllegalArgumentException("unknown command " + cmd);
            };
            String traced = cluster.out.toString();
            cluster.out.setLength(0);
            String all = traced + result;
            return all.isEmpty() ? "ok\n" : all;
        }

        /**
         * Hands member {@code to} one message as if it had just arrived, for interleavings a network of ticks and
         * deliveries cannot order on its own (a stale message of a later term, say): {@code step 3 APPEND_RESPONSE
         * from=2 term=3 index=0}, or {@code step 3 VOTE from=2 term=3}, whose last log is the candidate's own.
         */
        private String step(long to, String type, Map<String, String> kv) {
            long from = Long.parseLong(kv.get("from"));
            long term = Long.parseLong(kv.get("term"));
            RaftNode target = cluster.node(to);
            switch (type) {
                case "APPEND_RESPONSE" -> target.step(
                        Message.appendAccepted(from, to, term, Long.parseLong(kv.getOrDefault("index", "0"))));
                case "VOTE", "PRE_VOTE" -> {
                    RaftNode candidate = cluster.node(from);
                    target.step(Message.voteRequest(MessageType.valueOf(type), from, to, term,
                            candidate.log().lastTerm(), candidate.log().lastIndex()));
                }
                default -> throw new IllegalArgumentException("step cannot build a " + type);
            }
            return "";
        }

        private static long id(List<String> args, int i) {
            return Long.parseLong(args.get(i));
        }

        private String addNodes(int n, Map<String, String> kv) {
            cluster = new TestCluster(n, b -> {
                if (kv.containsKey("pre-vote")) {
                    b.preVote(Boolean.parseBoolean(kv.get("pre-vote")));
                }
                if (kv.containsKey("check-quorum")) {
                    b.checkQuorum(Boolean.parseBoolean(kv.get("check-quorum")));
                }
                if (kv.containsKey("election")) {
                    b.electionTicks(Integer.parseInt(kv.get("election")));
                }
                if (kv.containsKey("heartbeat")) {
                    b.heartbeatTicks(Integer.parseInt(kv.get("heartbeat")));
                }
                if (kv.containsKey("inflight")) {
                    b.inflightMessagesMax(Integer.parseInt(kv.get("inflight")));
                }
                if (kv.containsKey("inflight-bytes")) {
                    b.inflightBytesMax(Long.parseLong(kv.get("inflight-bytes")));
                }
                if (kv.containsKey("msg-bytes")) {
                    b.messageBytesMax(Long.parseLong(kv.get("msg-bytes")));
                }
                if (kv.containsKey("uncommitted-bytes")) {
                    b.uncommittedBytesMax(Long.parseLong(kv.get("uncommitted-bytes")));
                }
                if (kv.containsKey("proposal-bytes")) {
                    b.proposalBytesMax(Long.parseLong(kv.get("proposal-bytes")));
                }
                if (kv.containsKey("read-mode")) {
                    b.readMode(kv.get("read-mode").equals("lease") ? ReadMode.LEASE : ReadMode.READ_INDEX);
                }
                if (kv.containsKey("lease-margin")) {
                    b.leaseMarginTicks(Integer.parseInt(kv.get("lease-margin")));
                }
                if (kv.containsKey("snapshot-threshold")) {
                    b.snapshotThresholdEntries(Long.parseLong(kv.get("snapshot-threshold")));
                }
                if (kv.containsKey("snapshot-retain")) {
                    b.snapshotRetainEntries(Long.parseLong(kv.get("snapshot-retain")));
                }
            });
            cluster.tracing = true;
            return "";
        }

        private static Predicate<Message> filter(Map<String, String> kv) {
            return m -> (!kv.containsKey("to") || m.to() == Long.parseLong(kv.get("to")))
                    && (!kv.containsKey("from") || m.from() == Long.parseLong(kv.get("from")))
                    && (!kv.containsKey("type") || m.type().name().equals(kv.get("type")));
        }

        private String processReady(List<String> ids) {
            StringBuilder b = new StringBuilder();
            for (String s : ids) {
                long id = Long.parseLong(s);
                String before = cluster.out.toString();
                cluster.out.setLength(0);
                Ready r = cluster.processReady(id);
                String traced = cluster.out.toString();
                cluster.out.setLength(0);
                cluster.out.append(before);
                b.append(traced);
                b.append(render(id, r));
            }
            return b.toString();
        }

        private String stabilize() {
            StringBuilder b = new StringBuilder();
            for (int rounds = 0; rounds < 1000; rounds++) {
                boolean any = false;
                for (long id : cluster.nodes.keySet()) {
                    if (cluster.node(id).hasReady()) {
                        b.append(processReady(List.of(Long.toString(id))));
                        any = true;
                    }
                }
                if (!cluster.network.isEmpty()) {
                    int queued = cluster.network.size();
                    int delivered = cluster.deliver(m -> true);
                    b.append("> deliver ").append(delivered).append(delivered == 1 ? " message" : " messages")
                            .append(queued > delivered ? " (dropped " + (queued - delivered) + ": isolated)" : "")
                            .append('\n');
                    b.append(cluster.out);
                    cluster.out.setLength(0);
                    any = true;
                }
                if (!any) {
                    return b.toString();
                }
            }
            throw new AssertionError("did not stabilize");
        }

        private static String render(long id, Ready r) {
            if (r == null) {
                return "> " + id + " has no Ready\n";
            }
            StringBuilder b = new StringBuilder("> " + id + " handling Ready\n");
            if (r.snapshot != null) {
                b.append("  Install: ").append(r.snapshot).append('\n');
            }
            if (r.softState != null) {
                b.append("  Role: ").append(r.softState).append('\n');
            }
            if (r.hardState != null) {
                b.append("  HardState: ").append(r.hardState).append('\n');
            }
            if (!r.entries.isEmpty()) {
                b.append("  Entries: ").append(r.entries).append('\n');
            }
            for (Message m : r.messages) {
                b.append("  send: ").append(m).append('\n');
            }
            for (Message m : r.messagesAfterPersist) {
                b.append("  send after persist: ").append(m).append('\n');
            }
            if (!r.committedEntries.isEmpty()) {
                b.append("  Apply: ").append(r.committedEntries).append('\n');
            }
            for (ReadState rs : r.readStates) {
                b.append("  ").append(rs).append('\n');
            }
            if (r.snapshotRequest != null) {
                b.append("  Snapshot request: ").append(r.snapshotRequest).append('\n');
            }
            return b.toString();
        }

        private String propose(List<String> args) {
            long id = id(args, 0);
            List<byte[]> cmds = new ArrayList<>();
            for (int i = 1; i < args.size(); i++) {
                cmds.add(args.get(i).getBytes(StandardCharsets.UTF_8));
            }
            ProposeResult r = cluster.node(id).propose(cmds);
            return r.accepted()
                    ? "accepted at " + r.firstIndex() + " term " + r.term() + "\n"
                    : "rejected: " + r.rejection() + " leader=" + RaftNode.idString(r.leaderHint()) + "\n";
        }

        private String raftLog(long id) {
            RaftNode n = cluster.node(id);
            TestCluster.Disk d = cluster.disks.get(id);
            StringBuilder b = new StringBuilder();
            b.append("durable: ").append(d.hardState).append('\n');
            if (d.snapshot != null) {
                b.append("  ").append(d.snapshot).append('\n');
            }
            for (Entry e : d.entries) {
                b.append("  ").append(e).append(e.type() == EntryType.COMMAND
                        ? " " + new String(e.data(), StandardCharsets.UTF_8) : "").append('\n');
            }
            b.append("commit=").append(n.log().committed()).append(" last=").append(n.log().lastIndex())
                    .append('\n');
            return b.toString();
        }

        private String raftState() {
            StringBuilder b = new StringBuilder();
            for (RaftNode n : cluster.nodes.values()) {
                b.append(n.id()).append(": ").append(n.role()).append(" term=").append(n.term())
                        .append(" leader=").append(RaftNode.idString(n.leader())).append(" commit=")
                        .append(n.log().committed()).append(" last=").append(n.log().lastIndex())
                        .append(cluster.isolated.contains(n.id()) ? " (isolated)" : "").append('\n');
            }
            return b.toString();
        }

        private String status(long id) {
            RaftNode n = cluster.node(id);
            StringBuilder b = new StringBuilder();
            for (long peer : n.configuration().members()) {
                Progress p = n.progressOf(peer);
                b.append(peer).append(": ").append(p == null ? "-" : peer == id ? "self" : p.toString()).append('\n');
            }
            return b.toString();
        }

        /** A membership change on {@code leader}, or the reason it was refused. */
        private String configChange(long leader, ConfigChange change) {
            return proposeResult(cluster.node(leader).proposeConfigChange(change));
        }

        private static ConfigChange change(List<String> args, int flagAt, ConfigChange.Change... changes) {
            boolean explicit = args.size() > flagAt && args.get(flagAt).equals("explicit");
            return new ConfigChange(List.of(changes), explicit);
        }

        private static String proposeResult(ProposeResult r) {
            return r.accepted() ? "accepted at " + r.firstIndex() + " term " + r.term() + "\n"
                    : "rejected: " + r.rejection() + " (" + r.detail() + ")\n";
        }

        private String config() {
            StringBuilder b = new StringBuilder();
            for (RaftNode n : cluster.nodes.values()) {
                b.append(n.id()).append(": ").append(n.configuration()).append('\n');
            }
            return b.toString();
        }

        private String applied(long id) {
            StringBuilder b = new StringBuilder();
            for (Entry e : cluster.applied.get(id)) {
                b.append(e).append(e.type() == EntryType.COMMAND
                        ? " " + new String(e.data(), StandardCharsets.UTF_8) : "").append('\n');
            }
            return b.toString();
        }

        private String reads(long id) {
            StringBuilder b = new StringBuilder();
            for (ReadState r : cluster.readStates.get(id)) {
                b.append(r).append('\n');
            }
            return b.toString();
        }
    }

    static {
        if (!Files.isDirectory(DIR)) {
            throw new UncheckedIOException(new IOException("run from the raft-core module directory: " + DIR));
        }
    }
}
