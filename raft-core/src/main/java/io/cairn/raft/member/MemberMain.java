package io.cairn.raft.member;

import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.log.FileIO;
import io.cairn.raft.log.FileIOs;
import io.cairn.raft.log.SegmentedLog;
import io.cairn.raft.server.RaftGroup;
import io.cairn.raft.server.RaftServer;
import io.cairn.raft.server.RuntimeEnvironment;
import io.cairn.raft.transport.NettyTransport;
import io.cairn.raft.transport.NettyTransportConfig;
import io.cairn.raft.transport.PeerTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One Raft member as a process: {@code cairn raft member}. A replicated map ({@link ReplicatedMap}) as the state
 * machine, the segmented log in {@code --data-dir/log}, snapshots beside it, the Netty peer transport on the
 * member's peer address, and the client port ({@link ClientPort}). An existing data directory restarts the
 * member with its state.
 *
 * <pre>
 * MemberMain --id 1 --peers 1=127.0.0.1:7001:7101,2=127.0.0.1:7002:7102,3=127.0.0.1:7003:7103 --data-dir d1
 * </pre>
 * Each peer is {@code id=host:peerPort[:clientPort]}; {@code --client-port} overrides this member's client port.
 * Options: {@code --tick-ms} (100), {@code --election-ticks} (10), {@code --snapshot-entries} (100000, as
 * etcd's {@code --snapshot-count}); for measuring ceilings only, {@code --unsafe-no-fsync true} and
 * {@code --state-machine noop}. Mutual TLS between members with etcd's flag names: {@code --peer-cert-file},
 * {@code --peer-key-file} (PKCS#8 PEM) and {@code --peer-trusted-ca-file}. {@code --groups G} (1) serves Raft
 * groups 1..G, each its own map, sharing the log writer's fsyncs and the peer connections. {@code --quiesce-ticks}
 * (10 election timeouts; 0: never): a group idle that long stops ticking and heartbeating until used again.
 */
public final class MemberMain {
    /** The group id every member of {@code cairn raft member} uses. */
    public static final long GROUP = 1;
    /** A group idle for this many election timeouts quiesces (as Dragonboat's default). */
    public static final int QUIESCE_ELECTION_TIMEOUTS = 10;

    private MemberMain() {}

    public static void main(String[] args) throws Exception {
        productionNetty();
        Map<String, String> opts = parse(args);
        long id = Long.parseLong(require(opts, "id"));
        Map<Long, String[]> peers = ClientPort.parsePeers(require(opts, "peers"));
        if (!peers.containsKey(id)) {
            throw new IllegalArgumentException("--peers does not name this member " + id);
        }
        Path dataDir = Path.of(require(opts, "data-dir"));
        String[] self = peers.get(id);
        int clientPort = opts.containsKey("client-port") ? Integer.parseInt(opts.get("client-port"))
                : self.length == 3 ? Integer.parseInt(self[2]) : 0;
        String stateMachine = opts.getOrDefault("state-machine", "map");
        if (!stateMachine.equals("map") && !stateMachine.equals("noop")) {
            throw new IllegalArgumentException("--state-machine is map or noop, not '" + stateMachine + "'");
        }
        boolean noFsync = Boolean.parseBoolean(opts.getOrDefault("unsafe-no-fsync", "false"));
        PeerTls tls = null;
        if (opts.containsKey("peer-cert-file") || opts.containsKey("peer-key-file")
                || opts.containsKey("peer-trusted-ca-file")) {
            tls = new PeerTls(Path.of(require(opts, "peer-cert-file")), Path.of(require(opts, "peer-key-file")),
                    Path.of(require(opts, "peer-trusted-ca-file")));
        }
        Member m = start(id, peers, dataDir, clientPort, new Settings(
                Long.parseLong(opts.getOrDefault("tick-ms", "100")),
                Integer.parseInt(opts.getOrDefault("election-ticks", "10")),
                Long.parseLong(opts.getOrDefault("snapshot-entries", "100000")), noFsync, stateMachine.equals("noop"),
                tls, Integer.parseInt(opts.getOrDefault("groups", "1")),
                Integer.parseInt(opts.getOrDefault("quiesce-ticks", Integer.toString(QUIESCE_ELECTION_TIMEOUTS
                        * Integer.parseInt(opts.getOrDefault("election-ticks", "10")))))));
        System.err.println("member " + id + " ready: peer " + m.server.transport().localAddress() + ", client "
                + m.clientPort.localAddress() + ", data " + dataDir);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            m.close();
            stop.countDown();
        }));
        stop.await();
    }

    /** A running member: its server, its groups (ids 1..G) with their maps, and its client port. */
    public record Member(RaftServer server, Map<Long, RaftGroup> groups, Map<Long, ReplicatedMap> maps,
            ClientPort clientPort) implements AutoCloseable {
        /** Group 1. */
        public RaftGroup group() {
            return groups.get(GROUP);
        }

        /** Group 1's map. */
        public ReplicatedMap map() {
            return maps.get(GROUP);
        }

        @Override
        public void close() {
            clientPort.close();
            server.close();
        }
    }

    /**
     * How a member runs: tick length, election timeout in ticks, snapshot threshold; {@code noFsync} makes syncs
     * no-ops and {@code noopStateMachine} applies nothing (the ceiling {@code cairn bench raft --upper}
     * measures; never for real data); {@code tls} is mutual TLS between members, or null; {@code groups} Raft
     * groups (ids 1..groups, each with its own map) share the member's log writer and connections; a group idle
     * for {@code quiesceTicks} quiesces (0: never).
     */
    public record Settings(long tickMillis, int electionTicks, long snapshotEntries, boolean noFsync,
            boolean noopStateMachine, PeerTls tls, int groups, int quiesceTicks) {
        public Settings {
            if (groups < 1) {
                throw new IllegalArgumentException("a member serves at least one group, not " + groups);
            }
        }

        /** The command's defaults with ticks of {@code tickMillis}. */
        public static Settings defaults(long tickMillis) {
            return new Settings(tickMillis, 10, 100_000, false, false, null, 1, QUIESCE_ELECTION_TIMEOUTS * 10);
        }

        public Settings withTls(PeerTls v) {
            return new Settings(tickMillis, electionTicks, snapshotEntries, noFsync, noopStateMachine, v, groups,
                    quiesceTicks);
        }
    }

    /**
     * Starts member {@code id} of the groups whose members are {@code peers} (id to host, peer port, client
     * port).
     */
    /**
     * Netty's leak detector samples one buffer allocation in 128 and records a stack trace for it: a debugging aid
     * that showed up in the profile of a member at 100,000 proposals a second. A server process turns it off unless
     * {@code -Dio.netty.leakDetection.level} asks for it; tests keep Netty's default.
     */
    public static void productionNetty() {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
    }

    public static Member start(long id, Map<Long, String[]> peers, Path dataDir, int clientPort, Settings settings)
            throws Exception {
        long tickMillis = settings.tickMillis();
        boolean noFsync = settings.noFsync();
        Files.createDirectories(dataDir);
        FileIO files = FileIOs.fromSystemProperties();
        if (noFsync) {
            System.err.println("member " + id + ": --unsafe-no-fsync: nothing is synced; a power cut loses data");
            files = new io.cairn.raft.log.NoSyncFileIO(files);
        }
        SegmentedLog log = SegmentedLog.open(dataDir.resolve("log"), files);
        String[] self = peers.get(id);
        InetSocketAddress listen = new InetSocketAddress(self[0], Integer.parseInt(self[1]));
        Path incoming = dataDir.resolve("incoming");
        Files.createDirectories(incoming);
        NettyTransport transport = new NettyTransport(
                NettyTransportConfig.builder(id, listen).snapshotDirectory(incoming).tls(settings.tls()).build());
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        RaftServer server = RaftServer.start(RaftServer.Options.defaults(id, dataDir, files)
                .withTickNanos(tickMillis * 1_000_000L), log, transport, RuntimeEnvironment.production(), metrics);
        server.onFatal(cause -> RaftServer.exitProcess("cairn raft member", cause));
        startStatsLine(id, metrics);
        Map<Long, String> clientAddresses = new HashMap<>();
        long[] voters = peers.keySet().stream().mapToLong(Long::longValue).toArray();
        for (Map.Entry<Long, String[]> p : peers.entrySet()) {
            String[] hp = p.getValue();
            if (p.getKey() != id) {
                server.setPeer(p.getKey(), new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
            }
            if (hp.length == 3) {
                clientAddresses.put(p.getKey(), hp[0] + ":" + hp[2]);
            }
        }
        Map<Long, RaftGroup> groups = new java.util.TreeMap<>();
        Map<Long, ReplicatedMap> maps = new java.util.TreeMap<>();
        for (long g = 1; g <= settings.groups(); g++) {
            ReplicatedMap map = new ReplicatedMap();
            RaftConfig config = RaftConfig.builder(id, voters).electionTicks(settings.electionTicks())
                    .heartbeatTicks(1).snapshotThresholdEntries(settings.snapshotEntries())
                    .quiesceTicks(settings.quiesceTicks()).build();
            groups.put(g, server.openGroup(g, config, settings.noopStateMachine() ? new NoopStateMachine() : map));
            maps.put(g, map);
        }
        ClientPort port = new ClientPort(new InetSocketAddress(self[0], clientPort), new ClientPort.Served(
                java.util.Collections.unmodifiableMap(groups), java.util.Collections.unmodifiableMap(maps),
                () -> count(metrics, "cairn.raft.fsyncs"), () -> count(metrics, "cairn.raft.fsyncs.shared")),
                clientAddresses::get);
        return new Member(server, groups, maps, port);
    }

    private static long count(SimpleMeterRegistry metrics, String name) {
        return (long) metrics.find(name).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /**
     * Every 10 s, one line on stderr with what this member did since the last: proposals, data syncs, entries
     * per proposal batch, and the mean sync and commit (proposal to applied) latencies since start (the figures
     * a benchmark needs to see its fsync limit and where its latency goes).
     */
    private static void startStatsLine(long id, SimpleMeterRegistry metrics) {
        Thread t = new Thread(() -> {
            double lastProposals = 0;
            double lastFsyncs = 0;
            while (true) {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    return;
                }
                double proposals = metrics.find("cairn.raft.proposals").counters().stream()
                        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
                double fsyncs = metrics.find("cairn.raft.fsyncs").counters().stream()
                        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
                var batch = metrics.find("cairn.raft.batch.size").summary();
                var sync = metrics.find("cairn.raft.fsync.latency").timer();
                var commit = metrics.find("cairn.raft.commit.latency").timer();
                System.err.printf(java.util.Locale.ROOT,
                        "member %d stats: %.0f proposals/s, %.0f fsyncs/s, %.1f commands per batch, fsync mean %.2f ms,"
                                + " commit mean %.2f ms%n",
                        id, (proposals - lastProposals) / 10, (fsyncs - lastFsyncs) / 10,
                        batch == null ? 0.0 : batch.mean(),
                        sync == null ? 0.0 : sync.mean(java.util.concurrent.TimeUnit.MILLISECONDS),
                        commit == null ? 0.0 : commit.mean(java.util.concurrent.TimeUnit.MILLISECONDS));
                lastProposals = proposals;
                lastFsyncs = fsyncs;
            }
        }, "cairn-stats");
        t.setDaemon(true);
        t.start();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                out.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length) {
                out.put(a.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
        }
        return out;
    }

    private static String require(Map<String, String> opts, String name) {
        String v = opts.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    /** Applies nothing: every command's result is null, snapshots are empty. */
    private static final class NoopStateMachine implements io.cairn.raft.server.StateMachine {
        @Override
        public java.util.List<Object> apply(java.util.List<Command> commands) {
            return java.util.Arrays.asList(new Object[commands.size()]);
        }

        @Override
        public void writeSnapshot(java.io.OutputStream out) {
        }

        @Override
        public void restoreSnapshot(java.io.InputStream in) {
        }
    }
}
