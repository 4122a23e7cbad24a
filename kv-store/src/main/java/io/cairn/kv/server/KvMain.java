package io.cairn.kv.server;

import io.cairn.kv.KvStore;
import io.cairn.kv.Membership;
import io.cairn.kv.proto.ClusterInfo;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.kv.mvcc.KvLimits;
import io.cairn.raft.member.MemberMain;
import io.cairn.raft.transport.PeerRequestClient;
import io.cairn.raft.transport.PeerTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code cairn kv}: one member of an etcd-compatible KV cluster, started with etcd's flags ({@link EtcdFlags}).
 * With no flags, a single member named {@code default}, clients on 127.0.0.1:2379, peers on 127.0.0.1:2380, data
 * in {@code ./default.cairn}. A data directory that holds a member restarts it, and {@code --initial-cluster*} are
 * ignored, as etcd ignores them.
 *
 * <p>A member added to a running cluster ({@code etcdctl member add}, then {@code --initial-cluster-state existing}
 * with the {@code --initial-cluster} it printed) asks the others' peer ports for the membership and takes the ID
 * MemberAdd chose ({@link MemberIdentity#fromCluster}). A member removed from the cluster exits with status 0, as
 * etcd's does.
 *
 * <p>Layout of the data directory: {@code member/identity.properties} ({@link MemberIdentity}) and the store's own
 * directories ({@code member/raft}, {@code member/kv}; see {@link KvStore}).
 *
 * <p>Bad flags end the process with status 2 and one line saying what is wrong; a member that cannot start (a port
 * in use, a damaged data directory) with status 1. Runs until stopped; SIGTERM closes it cleanly.
 */
public final class KvMain {
    private KvMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("snapshot") && args[1].equals("restore")) {
            System.exit(SnapshotRestore.run(Arrays.copyOfRange(args, 2, args.length)));
            return;
        }
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-version"))) {
            System.out.println("cairn kv: etcd API version " + KvStore.ETCD_API_VERSION);
            return;
        }
        if (EtcdFlags.wantsHelp(args)) {
            System.out.print(EtcdFlags.usage());
            return;
        }
        MemberMain.productionNetty();
        EtcdFlags flags;
        try {
            flags = EtcdFlags.parse(args);
            logLevel(flags);
        } catch (IllegalArgumentException e) {
            System.err.println("cairn kv: " + e.getMessage());
            System.exit(2);
            return;
        }
        Running running;
        try {
            running = start(flags);
        } catch (IllegalArgumentException e) {
            System.err.println("cairn kv: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IOException | RuntimeException e) {
            System.err.println("cairn kv: cannot start: " + e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "cairn-kv-shutdown"));
        MemberIdentity me = running.identity();
        running.store().membership().onRemoved(why -> {
            // etcd's member exits once it has applied its own removal ("the member has been permanently removed")
            System.err.println("cairn kv: member " + me.name() + " (" + MemberIdentity.hex(me.memberId())
                    + ") has been permanently removed from the cluster (" + why + "); exiting");
            System.exit(0);
        });
        Thread.currentThread().join();
    }

    /** A started member: its store and the gRPC server in front of it. */
    record Running(KvStore store, KvGrpcServer grpc, MetricsServer metrics, AutoCompactor compactor,
            MemberIdentity identity) implements AutoCloseable {
        @Override
        public void close() {
            if (compactor != null) {
                compactor.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            grpc.close();
            store.close();
        }
    }

    static Running start(EtcdFlags flags) throws IOException {
        Path memberDir = Path.of(flags.get("data-dir")).resolve("member");
        boolean restart = MemberIdentity.exists(memberDir);
        MemberIdentity identity = null;
        if (restart) {
            identity = MemberIdentity.load(memberDir);
            if (flags.isSet("initial-cluster") || flags.isSet("initial-cluster-state")) {
                System.err.println("cairn kv: the data directory holds member " + identity.name() + " ("
                        + MemberIdentity.hex(identity.memberId()) + "); --initial-cluster* are ignored");
            }
        }
        String state = flags.get("initial-cluster-state");
        if (!state.equals("new") && !state.equals("existing")) {
            throw new IllegalArgumentException("invalid value \"" + state + "\" for flag --initial-cluster-state:"
                    + " new or existing");
        }
        if (!restart) {
            identity = state.equals("new") ? MemberIdentity.fromFlags(flags)
                    : MemberIdentity.fromCluster(flags, askPeers(flags, peerTls(flags)));
        }
        flags.ignoredGiven().forEach((flag, why) -> System.err.println("cairn kv: --" + flag + " ignored: " + why));
        KvLimits limits = KvLimits.DEFAULTS.withTxnOpsMax(positiveInt(flags, "max-txn-ops"))
                .withRequestBytesMax(positiveInt(flags, "max-request-bytes"));
        KvServerLimits serverLimits = KvServerLimits.forStore(limits);
        if (flags.isSet("max-concurrent-streams")) {
            serverLimits = serverLimits.withCallsPerConnectionMax((int) Math.min(Integer.MAX_VALUE,
                    flags.getLong("max-concurrent-streams")));
        }
        serverLimits = serverLimits.withKeepAlive(flags.isSet("grpc-keepalive-min-time")
                        ? EtcdFlags.durationMillisOrZero(flags.get("grpc-keepalive-min-time"))
                        : serverLimits.permitKeepAliveTimeMillis(),
                EtcdFlags.durationMillisOrZero(flags.get("grpc-keepalive-interval")),
                EtcdFlags.durationMillisOrZero(flags.get("grpc-keepalive-timeout")));
        ClientTls clientTls = clientTls(flags);
        List<URI> peerListen = flags.urls("listen-peer-urls");
        List<URI> clientListen = flags.urls("listen-client-urls");
        if (peerListen.isEmpty() || clientListen.isEmpty()) {
            throw new IllegalArgumentException("--listen-peer-urls and --listen-client-urls need a URL each");
        }
        long heartbeat = flags.getLong("heartbeat-interval");
        long election = flags.getLong("election-timeout");
        if (heartbeat <= 0 || election < 2 * heartbeat) {
            throw new IllegalArgumentException("--election-timeout[" + election + "ms] should be at least as 2 times"
                    + " as --heartbeat-interval[" + heartbeat + "ms]");
        }
        Map<Long, InetSocketAddress> peers = new TreeMap<>();
        for (Map.Entry<Long, MemberIdentity.Member> m : identity.members().entrySet()) {
            peers.put(m.getKey(), EtcdFlags.address(m.getValue().peerUrls().get(0)));
        }
        KvStore.Options o = KvStore.Options.member(identity.memberId(), identity.clusterId(), memberDir, peers,
                EtcdFlags.address(peerListen.get(0)))
                .withTiming(heartbeat, (int) (election / heartbeat))
                .withSnapshots(flags.getLong("snapshot-count"), KvStore.SNAPSHOT_RETAIN_ENTRIES_DEFAULT)
                .joining(identity.joined())
                .withMember(new Membership.Self(identity.name(), urlStrings(flags.urls("advertise-client-urls")),
                        identity.joined() ? List.of() : initialMembers(identity),
                        flags.getBoolean("strict-reconfig-check")))
                .withTls(peerTls(flags))
                .withLimits(limits)
                .withAuth(authConfig(flags))
                .withWatchProgressNotify(EtcdFlags.durationMillis(flags.get("experimental-watch-progress-notify-interval")));
        if (!restart) {
            identity.store(memberDir);
        }
        KvStore store = KvStore.start(o);
        store.setSpaceQuota(flags.getLong("quota-backend-bytes"));
        store.onFatal(cause -> io.cairn.raft.server.RaftServer.exitProcess("cairn kv", cause));
        KvGrpcServer grpc;
        try {
            List<InetSocketAddress> clients = new ArrayList<>();
            for (URI u : clientListen) {
                clients.add(EtcdFlags.address(u));
            }
            grpc = KvGrpcServer.start(clients, store, serverLimits, clientTls);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        AutoCompactor compactor;
        try {
            compactor = AutoCompactor.fromFlags(flags, store);
        } catch (RuntimeException e) {
            grpc.close();
            store.close();
            throw e;
        }
        if (compactor != null) {
            compactor.start();
        }
        MetricsServer metrics = null;
        List<URI> metricsUrls = flags.urls("listen-metrics-urls");
        if (!metricsUrls.isEmpty()) {
            try {
                List<InetSocketAddress> addresses = new ArrayList<>();
                for (URI u : metricsUrls) {
                    if (u.getScheme().equalsIgnoreCase("https")) {
                        throw new IllegalArgumentException("--listen-metrics-urls: https is not served; use http");
                    }
                    addresses.add(EtcdFlags.address(u));
                }
                metrics = MetricsServer.start(addresses, store);
            } catch (IOException | RuntimeException e) {
                if (compactor != null) {
                    compactor.close();
                }
                grpc.close();
                store.close();
                throw e;
            }
        }
        System.err.println("cairn kv: member " + identity.name() + " (" + MemberIdentity.hex(identity.memberId())
                + ") of cluster " + MemberIdentity.hex(identity.clusterId()) + (restart ? " restarted" : " started")
                + " in " + memberDir.getParent() + ": clients on " + grpc.addresses() + ", peers on "
                + store.peerAddress());
        return new Running(store, grpc, metrics, compactor, identity);
    }

    /**
     * etcd's auth flags: {@code --auth-token} must be {@code simple} (its default; etcd's {@code jwt} tokens are not
     * implemented and refused), {@code --auth-token-ttl} how long (seconds) a token lives unused, {@code --bcrypt-cost}
     * the cost of password hashes (PBKDF2 here, see {@link io.cairn.kv.auth.PasswordHash}).
     */
    static KvStore.AuthConfig authConfig(EtcdFlags flags) {
        String type = flags.get("auth-token").trim().split(",", 2)[0];
        if (!type.equals("simple")) {
            throw new IllegalArgumentException("--auth-token " + flags.get("auth-token") + " is not supported: Cairn"
                    + " issues etcd's simple tokens only (--auth-token simple, the default); jwt is not implemented");
        }
        long ttl = flags.getLong("auth-token-ttl");
        if (ttl <= 0) {
            throw new IllegalArgumentException("invalid value \"" + flags.get("auth-token-ttl")
                    + "\" for flag --auth-token-ttl: must be a positive number of seconds");
        }
        long cost = flags.getLong("bcrypt-cost");
        if (cost < io.cairn.kv.auth.PasswordHash.COST_MIN || cost > io.cairn.kv.auth.PasswordHash.COST_MAX) {
            System.err.println("cairn kv: --bcrypt-cost " + cost + " is out of ["
                    + io.cairn.kv.auth.PasswordHash.COST_MIN + ", " + io.cairn.kv.auth.PasswordHash.COST_MAX
                    + "]; using the default "
                    + io.cairn.kv.auth.PasswordHash.COST_DEFAULT + ", as etcd does");
            cost = io.cairn.kv.auth.PasswordHash.COST_DEFAULT;
        }
        return new KvStore.AuthConfig(ttl, (int) cost);
    }

    /** How long a joining member keeps asking the members of --initial-cluster before it gives up. */
    static final long JOIN_ASK_MILLIS = 15_000;

    /**
     * The cluster's records, from the first member of {@code --initial-cluster} (other than this one) whose peer port
     * answers, as etcd's new member asks its peers {@code GET /members}; tried again for {@value #JOIN_ASK_MILLIS} ms.
     */
    static ClusterInfo askPeers(EtcdFlags flags, PeerTls tls) throws IOException {
        String name = flags.get("name");
        List<URI> others = new ArrayList<>();
        flags.initialCluster().forEach((n, urls) -> {
            if (!n.equals(name)) {
                others.addAll(urls);
            }
        });
        if (others.isEmpty()) {
            throw new IllegalArgumentException("--initial-cluster-state existing: --initial-cluster must name the"
                    + " running members besides " + name + " (as `etcdctl member add` prints it)");
        }
        List<String> failures = new ArrayList<>();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(JOIN_ASK_MILLIS);
        try (PeerRequestClient client = new PeerRequestClient(KvStore.PEER_CLUSTER, tls,
                Membership.PEER_ANSWER_BYTES_MAX)) {
            while (true) {
                for (URI u : others) {
                    try {
                        return ClusterInfo.parseFrom(client.send(EtcdFlags.address(u), Membership.MEMBERS_REQUEST,
                                new byte[0], 3_000).get(5, java.util.concurrent.TimeUnit.SECONDS));
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        failures.add(u + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while asking the cluster for its members", e);
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot fetch cluster info from peer urls " + others + ": "
                            + failures.subList(Math.max(0, failures.size() - others.size()), failures.size()));
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while asking the cluster for its members", e);
                }
            }
        }
    }

    /** The members of a new cluster as its bootstrap record holds them: ID, name from --initial-cluster, peer URLs. */
    private static List<Member> initialMembers(MemberIdentity identity) {
        List<Member> out = new ArrayList<>();
        identity.members().forEach((id, m) -> out.add(Member.newBuilder().setID(id).setName(m.name())
                .addAllPeerURLs(urlStrings(m.peerUrls()).stream().sorted().toList()).build()));
        return out;
    }

    private static List<String> urlStrings(List<URI> urls) {
        return urls.stream().map(URI::toString).toList();
    }

    private static int positiveInt(EtcdFlags flags, String name) {
        long v = flags.getLong(name);
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid value \"" + v + "\" for flag --" + name);
        }
        return (int) v;
    }

    /**
     * etcd's --log-level (and --debug) as the level of the process's logger; must run before the first logger is made.
     * etcd's panic and fatal log at error here.
     */
    private static void logLevel(EtcdFlags flags) {
        String level = flags.getBoolean("debug") ? "debug" : flags.get("log-level");
        String simple = switch (level) {
            case "debug" -> "debug";
            case "info" -> "info";
            case "warn" -> "warn";
            case "error", "dpanic", "panic", "fatal" -> "error";
            default -> throw new IllegalArgumentException("invalid value \"" + level + "\" for flag --log-level:"
                    + " debug, info, warn, error, panic or fatal");
        };
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", simple);
    }

    /**
     * Client TLS from etcd's flags: https client URLs need --cert-file and --key-file (etcd's auto-tls is not
     * offered); http and https URLs are not mixed on one member.
     */
    private static ClientTls clientTls(EtcdFlags flags) {
        List<URI> listen = flags.urls("listen-client-urls");
        long https = listen.stream().filter(u -> u.getScheme().equalsIgnoreCase("https")).count();
        if (https == 0) {
            if (flags.isSet("cert-file") || flags.getBoolean("client-cert-auth")) {
                System.err.println("cairn kv: --cert-file and --client-cert-auth apply to https client URLs;"
                        + " --listen-client-urls has none");
            }
            return null;
        }
        if (https != listen.size()) {
            throw new IllegalArgumentException("--listen-client-urls mixes http and https URLs; cairn kv serves TLS on"
                    + " all of them or on none");
        }
        if (flags.get("cert-file").isBlank() || flags.get("key-file").isBlank()) {
            throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                    + listen.get(0));
        }
        String ca = flags.get("trusted-ca-file");
        return new ClientTls(Path.of(flags.get("cert-file")), Path.of(flags.get("key-file")),
                ca.isBlank() ? null : Path.of(ca), flags.getBoolean("client-cert-auth"));
    }

    private static PeerTls peerTls(EtcdFlags flags) {
        boolean any = flags.isSet("peer-cert-file") || flags.isSet("peer-key-file")
                || flags.isSet("peer-trusted-ca-file");
        if (!any) {
            return null;
        }
        if (!flags.isSet("peer-cert-file") || !flags.isSet("peer-key-file") || !flags.isSet("peer-trusted-ca-file")) {
            throw new IllegalArgumentException("mutual TLS between members needs --peer-cert-file, --peer-key-file"
                    + " and --peer-trusted-ca-file together");
        }
        for (String f : List.of("peer-cert-file", "peer-key-file", "peer-trusted-ca-file")) {
            if (!Files.isReadable(Path.of(flags.get(f)))) {
                throw new IllegalArgumentException("--" + f + "=" + flags.get(f) + ": cannot read the file");
            }
        }
        return new PeerTls(Path.of(flags.get("peer-cert-file")), Path.of(flags.get("peer-key-file")),
                Path.of(flags.get("peer-trusted-ca-file")));
    }
}
