package io.cairn.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.cairn.kv.mvcc.DirectoryListing;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.mvcc.KvLimits;
import io.cairn.kv.mvcc.KvResult;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.kv.mvcc.Validation;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.AlarmMember;
import io.cairn.kv.proto.etcd.AlarmRequest;
import io.cairn.kv.proto.etcd.AlarmResponse;
import io.cairn.kv.proto.etcd.AlarmType;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.CompactionResponse;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import io.cairn.kv.lease.Lessor;
import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.proto.LeaseRevoke;
import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.LeaseGrantResponse;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.cairn.kv.proto.etcd.LeaseLeasesResponse;
import io.cairn.kv.proto.etcd.LeaseRevokeRequest;
import io.cairn.kv.proto.etcd.LeaseRevokeResponse;
import io.cairn.kv.proto.etcd.LeaseStatus;
import io.cairn.kv.proto.etcd.LeaseTimeToLiveRequest;
import io.cairn.kv.proto.etcd.LeaseTimeToLiveResponse;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.watch.WatchBackend;
import io.cairn.kv.watch.WatchHub;
import io.cairn.kv.watch.WatchPublisher;
import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.Role;
import io.cairn.raft.log.FileIO;
import io.cairn.raft.log.FileIOs;
import io.cairn.raft.log.SegmentedLog;
import io.cairn.raft.server.GroupStatus;
import io.cairn.raft.server.RaftException;
import io.cairn.raft.server.RaftGroup;
import io.cairn.raft.server.RaftServer;
import io.cairn.raft.server.RuntimeEnvironment;
import io.cairn.raft.transport.NettyTransport;
import io.cairn.raft.transport.NettyTransportConfig;
import io.cairn.raft.transport.PeerTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The etcd data model, replicated by Raft, as a program embeds it: one member of a Cairn KV cluster (or a cluster
 * of one), answering etcd's KV requests ({@link KvService}) with etcd's semantics and errors.
 *
 * <pre>{@code
 * try (KvStore kv = KvStore.open(Path.of("data"))) {            // a single member, in one line
 *     kv.blocking().put("greeting", "hello");
 *     String v = kv.blocking().get("greeting").orElseThrow().getValue().toStringUtf8();
 * }
 * }</pre>
 *
 * <p><b>Writes</b> (Put, DeleteRange, Txn, Compact) are checked ({@link Validation}: what needs no state), proposed
 * as one {@code KvCommand} each and answered once this member has applied them; on a follower the proposal is
 * forwarded to the leader and still answered from this member's own apply (decision 0010). A write fails with
 * UNAVAILABLE ("etcdserver: leader changed", "etcdserver: request timed out") when its fate cannot be known; it
 * never succeeds unless committed.
 *
 * <p><b>Reads</b> are linearizable by default: a read index from the leader (forwarded by a follower), then the
 * range once this member has applied that far; {@code serializable} reads this member's state at once. Reads run
 * on a small bounded pool, not on the apply thread. A Txn that only reads is served as a read, not proposed.
 *
 * <p><b>Membership</b> ({@link #membership()}, decision 0023): etcd's member records (names, peer and client URLs,
 * learners) replicated through the log like any write; the leader makes Raft's configuration follow them, and the
 * peer port answers a joining member's question for its id. {@link #addLearner}, {@link #promote} and
 * {@link #remove} go through them.
 *
 * <p><b>Durability</b>: the Raft log (segmented, fsynced) is the write-ahead log; the MVCC store on RocksDB is
 * flushed every second and the log keeps what follows its last flush (decision 0009).
 *
 * <p>Data directory: {@code raft/} (log, snapshots, incoming snapshots), {@code kv/} (RocksDB), {@code kv-scratch/}
 * (checkpoints being packed or unpacked).
 */
public final class KvStore implements KvService, LeaseService, WatchBackend, AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KvStore.class);
    /** The Raft group the store lives in. */
    static final long GROUP = 1;
    /** etcd's default --snapshot-count. */
    public static final long SNAPSHOT_ENTRIES_DEFAULT = 100_000;
    /** etcd keeps 5,000 entries below a snapshot for followers that lag a little. */
    public static final long SNAPSHOT_RETAIN_ENTRIES_DEFAULT = 5_000;
    /** A request waits this long for its answer (etcd: 5 s plus two election timeouts). */
    public static final long REQUEST_TIMEOUT_MILLIS = 7_000;
    /** While no leader is known, a request tries again after this pause. */
    static final long RETRY_PAUSE_MILLIS = 20;
    /** Reads waiting for a read thread beyond this many are refused ("too many requests"). */
    static final int READ_QUEUE_MAX = 10_000;
    /** Maintenance requests (HashKV, Defragment, Snapshot) waiting for the one thread that runs them. */
    static final int MAINTENANCE_QUEUE_MAX = 16;
    /** The cluster name every member's peer transport says in its Hello and peer requests. */
    public static final String PEER_CLUSTER = "cairn";
    /** The etcd API version this server speaks, as its Status reports it (etcdctl prints it). */
    public static final String ETCD_API_VERSION = "3.4.0";

    /**
     * How to run a member.
     *
     * @param memberId this member's Raft id (non-zero), also the header's member_id
     * @param clusterId the header's cluster_id
     * @param dataDir where everything durable lives
     * @param peers the Raft id and peer address of every member this one knows of, itself included
     * @param listen where this member's peer transport listens
     * @param join true for a member added to a running cluster: it starts with no configuration of its own and
     *     waits for the leader; false for a member of a new cluster, whose voters are {@code peers}
     * @param tls mutual TLS between members, or null
     * @param snapshotEntries a snapshot (a RocksDB checkpoint) after this many applied entries
     * @param snapshotRetainEntries entries kept below a snapshot for slightly lagging followers
     * @param watchProgressNotifyMillis how often watches that asked for progress notifications get one (etcd's
     *     {@code --experimental-watch-progress-notify-interval}, 10 minutes)
     */
    public record Options(long memberId, long clusterId, Path dataDir, Map<Long, InetSocketAddress> peers,
            InetSocketAddress listen, boolean join, PeerTls tls, KvLimits limits, long tickMillis, int electionTicks,
            long snapshotEntries, long snapshotRetainEntries, long watchProgressNotifyMillis, Membership.Self member,
            AuthConfig auth) {
        public Options {
            if (memberId == 0) {
                throw new IllegalArgumentException("a member id must not be 0");
            }
            peers = Map.copyOf(peers);
        }

        /** A member of a new cluster with etcd's timings (100 ms heartbeat, 1 s election timeout) and limits. */
        public static Options member(long memberId, long clusterId, Path dataDir, Map<Long, InetSocketAddress> peers,
                InetSocketAddress listen) {
            return new Options(memberId, clusterId, dataDir, peers, listen, false, null, KvLimits.DEFAULTS, 100, 10,
                    SNAPSHOT_ENTRIES_DEFAULT, SNAPSHOT_RETAIN_ENTRIES_DEFAULT,
                    WatchHub.PROGRESS_NOTIFY_INTERVAL_MILLIS_DEFAULT, null,
                    AuthConfig.DEFAULTS);
        }

        public Options withTls(PeerTls v) {
            return new Options(memberId, clusterId, dataDir, peers, listen, join, v, limits, tickMillis,
                    electionTicks, snapshotEntries, snapshotRetainEntries, watchProgressNotifyMillis, member, auth);
        }

        public Options joining(boolean v) {
            return new Options(memberId, clusterId, dataDir, peers, listen, v, tls, limits, tickMillis,
                    electionTicks, snapshotEntries, snapshotRetainEntries, watchProgressNotifyMillis, member, auth);
        }

        public Options withTiming(long tickMillisValue, int electionTicksValue) {
            return new Options(memberId, clusterId, dataDir, peers, listen, join, tls, limits, tickMillisValue,
                    electionTicksValue, snapshotEntries, snapshotRetainEntries, watchProgressNotifyMillis, member,
                    auth);
        }

        public Options withSnapshots(long entries, long retainEntries) {
            return new Options(memberId, clusterId, dataDir, peers, listen, join, tls, limits, tickMillis,
                    electionTicks, entries, retainEntries, watchProgressNotifyMillis, member, auth);
        }

        public Options withWatchProgressNotify(long millis) {
            return new Options(memberId, clusterId, dataDir, peers, listen, join, tls, limits, tickMillis,
                    electionTicks, snapshotEntries, snapshotRetainEntries, millis, member, auth);
        }

        /** What this member publishes about itself, and the initial members it bootstraps a new cluster with. */
        public Options withMember(Membership.Self v) {
            return new Options(memberId, clusterId, dataDir, peers, listen, join, tls, limits, tickMillis, electionTicks,
                    snapshotEntries, snapshotRetainEntries, watchProgressNotifyMillis, v, auth);
        }

        /** etcd's simple-token TTL and password hashing cost ({@code --auth-token-ttl}, {@code --bcrypt-cost}). */
        public Options withAuth(AuthConfig v) {
            return new Options(memberId, clusterId, dataDir, peers, listen, join, tls, limits, tickMillis,
                    electionTicks, snapshotEntries, snapshotRetainEntries, watchProgressNotifyMillis, member, v);
        }

        public Options withLimits(KvLimits v) {
            return new Options(memberId, clusterId, dataDir, peers, listen, join, tls, v, tickMillis, electionTicks,
                    snapshotEntries, snapshotRetainEntries, watchProgressNotifyMillis, member, auth);
        }
    }

    /**
     * Auth settings of a member: how long a simple token lives unused ({@code --auth-token-ttl}, seconds) and the
     * password hashing cost ({@code --bcrypt-cost}, see {@link io.cairn.kv.auth.PasswordHash}).
     */
    public record AuthConfig(long tokenTtlSeconds, int hashCost) {
        /** etcd's defaults: 300 s, cost 10. */
        public static final AuthConfig DEFAULTS = new AuthConfig(io.cairn.kv.auth.SimpleTokens.TTL_SECONDS_DEFAULT,
                io.cairn.kv.auth.PasswordHash.COST_DEFAULT);
    }

    private final Options options;
    private final RaftServer server;
    private final RaftGroup group;
    private final KvStateMachine stateMachine;
    private final ThreadPoolExecutor reads;
    /** Runs the long maintenance work (hashes, defragmentation, snapshots) one at a time, off the read pool. */
    private final ThreadPoolExecutor maintenance;
    private final SimpleMeterRegistry metrics;
    private final WatchHub watches;
    private final Lessor lessor;
    /** Lease IDs this member hands out: its id's low 16 bits, then a clock, then a counter (etcd's idutil). */
    private final java.util.concurrent.atomic.AtomicLong leaseIds;
    /** The membership records, the Raft configuration that follows them, etcd's Cluster requests. */
    private final Membership membership;
    /** etcd's Auth: who a token names, users and roles (decision 0024). */
    private final KvAuth auth;
    private volatile boolean closed;
    /** Writes proposed and not yet answered (etcd_server_proposals_pending). */
    private final java.util.concurrent.atomic.AtomicLong pendingWrites = new java.util.concurrent.atomic.AtomicLong();
    /** Writes answered with an error (etcd_server_proposals_failed_total). */
    private final java.util.concurrent.atomic.AtomicLong failedWrites = new java.util.concurrent.atomic.AtomicLong();

    private KvStore(Options options, RaftServer server, RaftGroup group, KvStateMachine stateMachine,
            SimpleMeterRegistry metrics) {
        this.options = options;
        this.server = server;
        this.group = group;
        this.stateMachine = stateMachine;
        this.metrics = metrics;
        this.watches = new WatchHub(new StoreEventLog(stateMachine), options.watchProgressNotifyMillis(),
                "m" + Long.toHexString(options.memberId()));
        stateMachine.onApplied(watches::onApplied);
        io.micrometer.core.instrument.Gauge.builder("cairn.kv.compaction.failures", this, KvStore::compactionFailuresOrNaN)
                .description("failed attempts of the background compaction since open (each is retried)")
                .register(metrics);
        this.lessor = new Lessor(c -> group.propose(c.toByteArray()), () -> group.status().role() == Role.LEADER,
                () -> group.status().term(), electionTimeoutMillis(), System::nanoTime,
                "m" + Long.toHexString(options.memberId()));
        stateMachine.attach(lessor);
        this.leaseIds = new java.util.concurrent.atomic.AtomicLong(((options.memberId() & 0xFFFFL) << 48)
                | ((System.currentTimeMillis() & 0xFF_FFFF_FFFFL) << 8));
        this.reads = new ThreadPoolExecutor(2, 2, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(READ_QUEUE_MAX),
                r -> {
                    Thread t = new Thread(r, "cairn-kv-read");
                    t.setDaemon(true);
                    return t;
                });
        this.maintenance = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAINTENANCE_QUEUE_MAX), r -> {
                    Thread t = new Thread(r, "cairn-kv-maintenance");
                    t.setDaemon(true);
                    return t;
                });
        this.auth = new KvAuth(this, stateMachine, options.auth(), reads,
                () -> stateMachine.read(MvccStore::appliedIndex));
        this.membership = new Membership(this, group, stateMachine, options.memberId(), selfOrDefault(options,
                server.transport().localAddress()), options.peers(), options.tickMillis(), electionTimeoutMillis(),
                options.tls());
    }

    /**
     * What a member started without {@link Options#member()} says about itself: a name {@code m<id>}, no client
     * URL, and (unless it joins) every member of {@code peers} as the initial members, named alike.
     */
    private static Membership.Self selfOrDefault(Options o, InetSocketAddress bound) {
        if (o.member() != null) {
            return o.member();
        }
        java.util.List<io.cairn.kv.proto.etcd.Member> initial = new java.util.ArrayList<>();
        if (!o.join()) {
            for (Map.Entry<Long, InetSocketAddress> p : o.peers().entrySet()) {
                InetSocketAddress a = p.getKey() == o.memberId() ? bound : p.getValue();
                initial.add(io.cairn.kv.proto.etcd.Member.newBuilder().setID(p.getKey())
                        .setName("m" + Long.toHexString(p.getKey())).addPeerURLs(peerUrl(a)).build());
            }
        }
        return new Membership.Self("m" + Long.toHexString(o.memberId()), java.util.List.of(), initial, true);
    }

    /** The peer URL of a transport address, as the membership records hold it. */
    static String peerUrl(InetSocketAddress a) {
        return "http://" + a.getHostString() + ":" + a.getPort();
    }

    /** A single-member store in {@code dir} (created if new, reopened with its data if not). */
    public static KvStore open(Path dir) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        return start(Options.member(1, 1, dir, Map.of(1L, loopback), loopback));
    }

    /** Starts a member: opens or creates its data, listens to its peers, joins or forms the group. */
    public static KvStore start(Options o) throws IOException {
        Path raftDir = o.dataDir().resolve("raft");
        Files.createDirectories(raftDir.resolve("incoming"));
        FileIO files = FileIOs.fromSystemProperties();
        SegmentedLog log = SegmentedLog.open(raftDir.resolve("log"), files);
        java.util.concurrent.atomic.AtomicReference<Membership> answering =
                new java.util.concurrent.atomic.AtomicReference<>();
        NettyTransport transport = new NettyTransport(NettyTransportConfig.builder(o.memberId(), o.listen())
                .snapshotDirectory(raftDir.resolve("incoming")).tls(o.tls()).cluster(PEER_CLUSTER)
                .peerRequests((kind, body) -> {
                    Membership m = answering.get();
                    return m != null ? m.handlePeerRequest(kind, body) : CompletableFuture.failedFuture(
                            new IllegalStateException("member " + Long.toHexString(o.memberId()) + " is starting"));
                })
                .build());
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        RaftServer server;
        try {
            server = RaftServer.start(RaftServer.Options.defaults(o.memberId(), raftDir, files)
                    .withTickNanos(o.tickMillis() * 1_000_000L), log, transport, RuntimeEnvironment.production(),
                    metrics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting member " + o.memberId(), e);
        }
        for (Map.Entry<Long, InetSocketAddress> p : o.peers().entrySet()) {
            server.setPeer(p.getKey(), p.getValue());
        }
        KvStateMachine sm = null;
        try {
            sm = new KvStateMachine(o.dataDir().resolve("kv"), o.dataDir().resolve("kv-scratch"), o.limits());
            long[] voters = o.join() ? new long[0]
                    : o.peers().keySet().stream().mapToLong(Long::longValue).sorted().toArray();
            RaftConfig config = RaftConfig.builder(o.memberId(), voters).electionTicks(o.electionTicks())
                    .heartbeatTicks(1).snapshotThresholdEntries(o.snapshotEntries())
                    .snapshotRetainEntries(o.snapshotRetainEntries()).build();
            RaftGroup group = server.openGroup(GROUP, config, sm);
            if (voters.length == 1 && voters[0] == o.memberId()) {
                group.campaign(); // alone: no reason to wait an election timeout before serving
            }
            KvStore kv = new KvStore(o, server, group, sm, metrics);
            answering.set(kv.membership);
            kv.membership.start();
            return kv;
        } catch (IOException | RuntimeException e) {
            server.close();
            if (sm != null) {
                sm.close();
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // KvService

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        return range(request, null);
    }

    /** A Range for the caller {@code token} names: it needs read permission on the range (decision 0024). */
    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request, String token) {
        try {
            Validation.checkRange(request);
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        return auth.caller(token).thenCompose(who -> read(request.getSerializable(),
                () -> withHeader(stateMachine.read(s -> permittedRead(s, who, a -> a.checkRange(who, request),
                        () -> s.range(request))))));
    }

    /**
     * etcd's {@code doSerialize}: the caller's permission checked, the read done, and refused after all ("revision of
     * auth store is old") if the auth records changed meanwhile, as the read may have used a permission gone since.
     */
    private static <T> T permittedRead(MvccStore s, io.cairn.kv.proto.AuthHeader who,
            java.util.function.Consumer<io.cairn.kv.mvcc.AuthState> check, Supplier<T> read) {
        check.accept(s.authState());
        T out = read.get();
        if (who.getAuthRevision() != 0 && who.getAuthRevision() != s.authState().revision()) {
            throw KvErrors.authOldRevision();
        }
        return out;
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return put(request, null);
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request, String token) {
        return write(KvCommand.newBuilder().setPut(request), token);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return deleteRange(request, null);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request, String token) {
        return write(KvCommand.newBuilder().setDeleteRange(request), token);
    }

    /**
     * A Txn with writes goes through the log; one without is a read (etcd's read-only Txn): after a read index, or
     * at once from this member's state when every op is a serializable range.
     */
    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return txn(request, null);
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request, String token) {
        if (MvccStore.txnHasWrites(request)) {
            return write(KvCommand.newBuilder().setTxn(request), token);
        }
        try {
            Validation.checkCommand(KvCommand.newBuilder().setTxn(request).build(), options.limits());
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        return auth.caller(token).thenCompose(who -> read(MvccStore.txnSerializable(request),
                () -> withHeader(stateMachine.read(s -> permittedRead(s, who, a -> a.checkTxn(who, request),
                        () -> s.readTxn(request))))));
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return compact(request, null);
    }

    /** etcd 3.4 checks no permission for a Compact (only that a given token is valid). */
    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request, String token) {
        return write(KvCommand.newBuilder().setCompaction(request), token);
    }

    /** A command for the caller {@code token} names: its header goes with it and is checked at apply. */
    private <T extends Message> CompletableFuture<T> write(KvCommand.Builder command, String token) {
        if (token == null) {
            return write(command.build());
        }
        return auth.caller(token).thenCompose(who -> write(command.setAuthHeader(who).build()));
    }

    /** etcd's Auth service and the member's tokens. */
    public KvAuth auth() {
        return auth;
    }

    /**
     * The immediate children of {@code prefix} (ending with '/'): at most {@code limit}, after {@code startAfter}
     * (null: from the first); linearizable unless {@code serializable}. A Cairn extension: etcd has no such read.
     */
    public CompletableFuture<DirectoryListing> listChildren(byte[] prefix, byte[] startAfter, int limit,
            boolean serializable) {
        return read(serializable, () -> stateMachine.read(s -> s.listChildren(prefix, startAfter, limit)));
    }

    // ---------------------------------------------------------------------------------------------------
    // Lease

    /**
     * etcd's LeaseGrant: ID 0 lets this member pick one; a TTL below the minimum (1.5 election timeouts, whole
     * seconds) is raised to it, one above 9,000,000,000 s refused ("etcdserver: too large lease TTL"); a taken ID
     * fails with "etcdserver: lease already exists". The lease lives its TTL from when it is applied.
     */
    @Override
    public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
        return leaseGrant(request, null);
    }

    /** A grant needs no permission (etcd 3.4), only a valid token if one is given. */
    @Override
    public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request, String token) {
        if (request.getTTL() > Validation.LEASE_TTL_MAX_SECONDS) {
            return CompletableFuture.failedFuture(KvErrors.leaseTtlTooLarge());
        }
        long ttl = Math.max(request.getTTL(), Lessor.minTtlSeconds(electionTimeoutMillis()));
        long id = request.getID() != 0 ? request.getID() : leaseIds.incrementAndGet() & Long.MAX_VALUE;
        return write(KvCommand.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl)), token);
    }

    /** etcd's LeaseRevoke: deletes every key attached to the lease in one revision, then the lease. */
    @Override
    public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
        return leaseRevoke(request, null);
    }

    /** With auth enabled the caller must be allowed to write every key of the lease (etcd's checkLeasePuts). */
    @Override
    public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request, String token) {
        return write(KvCommand.newBuilder().setLeaseRevoke(LeaseRevoke.newBuilder().setID(request.getID())), token);
    }

    /**
     * One keep-alive: the lease lives its TTL again from when this is applied (on the leader's clock); the answer
     * carries the TTL, or 0 when the lease no longer exists. Through the log, so that any member takes it.
     */
    @Override
    public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
        return write(KvCommand.newBuilder().setLeaseKeepAlive(request).build());
    }

    /**
     * etcd's LeaseTimeToLive, linearizable: the granted TTL, the seconds left (this member's clock: on a follower,
     * counted from the last keep-alive it applied), the keys when asked; TTL -1 when the lease does not exist.
     */
    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request) {
        long id = request.getID();
        return read(false, () -> stateMachine.read(s -> {
            long granted = s.leaseTtl(id);
            LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setHeader(header(s.revision()))
                    .setID(id);
            if (granted < 0) {
                return b.setTTL(-1).build();
            }
            long left = lessor.remainingSeconds(id);
            b.setTTL(left < 0 ? granted : left).setGrantedTTL(granted);
            if (request.getKeys()) {
                for (byte[] k : s.leaseKeys(id)) {
                    b.addKeys(ByteString.copyFrom(k));
                }
            }
            return b.build();
        }));
    }

    /** etcd's LeaseLeases: every lease, linearizably. */
    @Override
    public CompletableFuture<LeaseLeasesResponse> leaseLeases() {
        return read(false, () -> stateMachine.read(s -> {
            LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(header(s.revision()));
            for (long[] l : s.leases()) {
                b.addLeases(LeaseStatus.newBuilder().setID(l[0]));
            }
            return b.build();
        }));
    }

    /** This member's lease clock (tests, metrics). */
    public Lessor lessor() {
        return lessor;
    }

    // ---------------------------------------------------------------------------------------------------
    // Watch

    /**
     * A watch of {@code request}'s keys (etcd's {@code WatchCreateRequest}: key, range_end, start_revision,
     * filters, prev_kv, progress_notify) from this member's applied state: each subscriber gets every event from the
     * start revision on, in order, whole revisions at a time, as fast as its demand allows. A subscriber whose next
     * revision is compacted away gets a last response with {@code canceled} and {@code compact_revision}.
     */
    public Flow.Publisher<WatchResponse> watch(WatchCreateRequest request) {
        return new WatchPublisher(watches, request, this::revision, this::header);
    }

    /**
     * Whether the caller {@code token} names may watch {@code request}'s keys (read permission on them), checked once
     * when the watch is created as etcd does: completes with null when it may, or with etcd's reason to cancel it.
     */
    @Override
    public CompletableFuture<KvException> watchRefusal(WatchCreateRequest request, String token) {
        byte[] key = request.getKey().isEmpty() ? new byte[] {0} : request.getKey().toByteArray();
        return auth.caller(token).thenApply(who -> {
            stateMachine.read(MvccStore::authState).checkOp(who, key, request.getRangeEnd().toByteArray(), false);
            return (KvException) null;
        }).exceptionally(e -> toKv(e));
    }

    @Override
    public WatchHub watchHub() {
        return watches;
    }

    @Override
    public ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setClusterId(options.clusterId()).setMemberId(options.memberId())
                .setRevision(revision).setRaftTerm(group.status().term()).build();
    }

    @Override
    public boolean hasLeader() {
        return group.status().leader() != 0;
    }

    @Override
    public long electionTimeoutMillis() {
        return options.tickMillis() * options.electionTicks();
    }

    /** This member's Raft view: role, term, leader, commit and applied indexes. */
    public GroupStatus status() {
        return group.status();
    }

    public long memberId() {
        return options.memberId();
    }

    /** The member's data directory (its Raft log, store and scratch space). */
    public Path dataDirectory() {
        return options.dataDir();
    }

    public long clusterId() {
        return options.clusterId();
    }

    /** Where this member's peer transport listens (its actual port when it was given 0). */
    public InetSocketAddress peerAddress() {
        return server.transport().localAddress();
    }

    /** The store's current revision on this member (serializable). */
    @Override
    public long revision() {
        return stateMachine.read(s -> s.revision());
    }

    /** Whoever must know that this member stopped itself (a failed log write or sync): see RaftServer.onFatal. */
    public void onFatal(java.util.function.Consumer<Throwable> listener) {
        server.onFatal(listener);
    }

    /** Why this member stopped itself, or null while it runs. */
    public Throwable failure() {
        return server.failure();
    }

    /** The revision below which this member's history is gone (0 before the first Compact). */
    public long compactedRevision() {
        return stateMachine.read(s -> s.compactedRevision());
    }

    /**
     * Failed attempts of the store's background compaction since it opened: each is retried with backoff from where
     * it stopped, but a count that keeps growing means a storage problem (also the gauge
     * {@code cairn.kv.compaction.failures}).
     */
    public long compactionFailures() {
        return stateMachine.read(s -> s.compactionFailures());
    }

    private double compactionFailuresOrNaN() {
        try {
            return compactionFailures();
        } catch (RuntimeException e) {
            return Double.NaN; // closed
        }
    }

    /** The member's meters (Raft proposals, fsyncs, commit latency...). */
    public MeterRegistry metrics() {
        return metrics;
    }

    /** Tells this member where member {@code id} listens (a member added to the cluster, or one that moved). */
    public void setPeer(long id, InetSocketAddress address) {
        server.setPeer(id, address);
    }

    /** Whether this member's transport has a connection to member {@code id} now (tests: who is dialed). */
    boolean connectedTo(long id) {
        return server.transport() instanceof NettyTransport t && t.isConnected(id);
    }

    /** Tells this member's transport to forget member {@code id} (removed from the cluster): no longer dialed. */
    void removePeer(long id) {
        server.transport().removePeer(id);
    }

    /** etcd's cluster membership of this member: the records, and the Cluster requests (decision 0023). */
    public Membership membership() {
        return membership;
    }

    /** Proposes a change of the membership records; completes with the records after it, once applied here. */
    CompletableFuture<io.cairn.kv.proto.etcd.MemberListResponse> proposeMember(io.cairn.kv.proto.MemberChange change) {
        return write(KvCommand.newBuilder().setMember(change).build());
    }

    /**
     * Adds member {@code id}, listening at {@code address}, as a learner: it receives the log (or a snapshot of the
     * store) but does not vote until {@link #promote}d. Through the membership records, as etcd's MemberAdd, but
     * without etcd's limit of one learner; completes once the record is applied here (and, unless that takes too
     * long, the Raft configuration has it).
     */
    public CompletableFuture<Object> addLearner(long id, InetSocketAddress address) {
        return membership.add(id, java.util.List.of(peerUrl(address)), true, Integer.MAX_VALUE).thenApply(r -> r);
    }

    /** Makes a caught-up learner a voter (through joint consensus), as etcd's MemberPromote. */
    public CompletableFuture<Object> promote(long id) {
        return membership.promote(id).thenApply(r -> r);
    }

    /** Removes a member from the cluster, as etcd's MemberRemove. */
    public CompletableFuture<Object> remove(long id) {
        return membership.remove(id).thenApply(r -> r);
    }

    /** Hands Raft leadership to member {@code to}; completes once it leads. */
    public CompletableFuture<Long> transferLeadership(long to) {
        return group.transferLeadership(to);
    }

    // ---------------------------------------------------------------------------------------------------
    // Monitoring

    /** What this member's metrics endpoint exports, under etcd's names (see {@code EtcdMetrics}). */
    public record Monitoring(boolean hasLeader, boolean isLeader, long leaderChanges, long committed, long applied,
            long pendingWrites, long failedWrites, long dbSize, long dbSizeInUse, long revision, long compactedRevision,
            long compactionFailures, io.cairn.raft.server.DurationHistogram fsyncDurations,
            io.cairn.raft.server.DurationHistogram commitDurations) {}

    /** This member's figures now; any thread. */
    public Monitoring monitoring() {
        GroupStatus st = group.status();
        io.micrometer.core.instrument.Counter changes = metrics.find("cairn.raft.leader.changes").counter();
        MvccStore.DiskSize size = stateMachine.read(MvccStore::diskSize);
        return new Monitoring(st.leader() != 0, st.role() == Role.LEADER,
                changes == null ? 0 : (long) changes.count(), st.commitIndex(), st.appliedIndex(), pendingWrites.get(),
                failedWrites.get(), size.total(), size.inUse(), revision(), compactedRevision(), compactionFailures(),
                server.fsyncDurations(), stateMachine.commitDurations());
    }

    // ---------------------------------------------------------------------------------------------------
    // Maintenance (etcd's Maintenance service)

    /**
     * etcd's Status of this member: the API version, the store's size on disk and in use, the leader this member
     * knows, the Raft term, commit and applied indexes, whether it is a learner, and the errors it reports (a failed
     * member's cause; compactions that keep failing). Answered from this member's state, at once.
     */
    public io.cairn.kv.proto.etcd.StatusResponse maintenanceStatus() {
        GroupStatus st = group.status();
        MvccStore.DiskSize size = stateMachine.read(MvccStore::diskSize);
        io.cairn.kv.proto.etcd.StatusResponse.Builder b = io.cairn.kv.proto.etcd.StatusResponse.newBuilder()
                .setHeader(header(revision())).setVersion(ETCD_API_VERSION).setDbSize(size.total())
                .setDbSizeInUse(size.inUse()).setLeader(st.leader()).setRaftIndex(st.commitIndex())
                .setRaftTerm(st.term()).setRaftAppliedIndex(st.appliedIndex())
                .setIsLearner(st.configuration().isLearner(options.memberId()));
        Throwable failure = failure();
        if (failure != null) {
            b.addErrors("cairn: member stopped: " + failure.getMessage());
        }
        for (AlarmMember a : alarms()) {
            b.addErrors("memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + a.getAlarm() + " ");
        }
        long compactionFailures = compactionFailures();
        if (compactionFailures > 0) {
            b.addErrors("cairn: background compaction failed " + compactionFailures + " times (retrying)");
        }
        return b.build();
    }

    /** etcd's HashKV on this member's store ({@link MvccStore#hashKv}), on the maintenance thread. */
    public CompletableFuture<io.cairn.kv.proto.etcd.HashKVResponse> hashKv(io.cairn.kv.proto.etcd.HashKVRequest r) {
        return onMaintenanceThread(() -> {
            MvccStore.KvHash h = stateMachine.read(s -> s.hashKv(r.getRevision()));
            return io.cairn.kv.proto.etcd.HashKVResponse.newBuilder().setHeader(header(h.revision()))
                    .setHash(h.hash()).setCompactRevision(h.compactedRevision()).build();
        });
    }

    /** etcd's Defragment of this member's store ({@link MvccStore#defragment}), on the maintenance thread. */
    public CompletableFuture<io.cairn.kv.proto.etcd.DefragmentResponse> defragment() {
        return onMaintenanceThread(() -> {
            stateMachine.read(s -> {
                s.defragment();
                return null;
            });
            return io.cairn.kv.proto.etcd.DefragmentResponse.newBuilder().setHeader(header(revision())).build();
        });
    }

    /**
     * A snapshot of this member's whole store as of its last applied command, packed into {@code target} (a file
     * that must not exist) as the Raft snapshot transfer packs it: what etcd's Snapshot streams and
     * {@code cairn kv snapshot restore} reads. On the maintenance thread.
     */
    public CompletableFuture<Void> snapshot(Path target) {
        return onMaintenanceThread(() -> {
            Path dir = target.resolveSibling(target.getFileName() + ".dir");
            try {
                // the checkpoint (hard links, quick) holds off a snapshot install; packing it, which may take long,
                // does not
                stateMachine.read(s -> {
                    s.checkpoint(dir);
                    return null;
                });
                try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(target,
                        java.nio.file.StandardOpenOption.CREATE_NEW))) {
                    io.cairn.raft.server.SnapshotArchive.pack(dir, out);
                }
                return null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                try {
                    io.cairn.raft.server.SnapshotArchive.deleteTree(dir);
                } catch (IOException e) {
                    log.warn("could not delete the snapshot's scratch directory {}: {}", dir, e.toString());
                }
            }
        });
    }

    /**
     * etcd's MoveLeader: this member, which must lead, hands leadership to {@code targetID}, a voter; completes once
     * the target leads. etcd's errors otherwise ("etcdserver: not leader", "etcdserver: bad leader transferee").
     */
    public CompletableFuture<io.cairn.kv.proto.etcd.MoveLeaderResponse> moveLeader(
            io.cairn.kv.proto.etcd.MoveLeaderRequest r) {
        GroupStatus st = group.status();
        if (st.role() != Role.LEADER) {
            return CompletableFuture.failedFuture(new KvException(KvException.Code.FAILED_PRECONDITION,
                    "etcdserver: not leader"));
        }
        if (!st.configuration().isVoter(r.getTargetID())) {
            return CompletableFuture.failedFuture(new KvException(KvException.Code.FAILED_PRECONDITION,
                    "etcdserver: bad leader transferee"));
        }
        if (r.getTargetID() == options.memberId()) {
            return CompletableFuture.completedFuture(io.cairn.kv.proto.etcd.MoveLeaderResponse.newBuilder()
                    .setHeader(header(revision())).build());
        }
        return timed(group.transferLeadership(r.getTargetID()).handle((leader, e) -> {
            if (e != null) {
                throw new CompletionException(new KvException(KvException.Code.UNAVAILABLE,
                        "etcdserver: request timed out, leader transfer took too long"));
            }
            return io.cairn.kv.proto.etcd.MoveLeaderResponse.newBuilder().setHeader(header(revision())).build();
        }));
    }

    private <T> CompletableFuture<T> onMaintenanceThread(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, maintenance);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new KvException(KvException.Code.RESOURCE_EXHAUSTED,
                    "cairn: too many maintenance requests waiting (" + MAINTENANCE_QUEUE_MAX + ")"));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Space quota and alarms

    /**
     * etcd's {@code --quota-backend-bytes}: a Put, a Txn that puts or a LeaseGrant that would take this member's
     * store ({@link MvccStore#diskSize}, read at most once a second) past {@code bytes} is refused with "etcdserver:
     * mvcc: database space exceeded", and this member raises its NOSPACE alarm through the log, after which every
     * member refuses such writes until a client disarms it (etcd's procedure: compact, defragment, {@code etcdctl
     * alarm disarm}). 0 means etcd's default, 2 GiB; a negative value turns the quota off. Any thread.
     */
    public void setSpaceQuota(long bytes) {
        spaceQuotaBytes = bytes == 0 ? SPACE_QUOTA_DEFAULT_BYTES : bytes;
    }

    /** etcd's default space quota: 2 GiB. */
    public static final long SPACE_QUOTA_DEFAULT_BYTES = 2L << 30;
    private static final long DISK_SIZE_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    private volatile long spaceQuotaBytes = SPACE_QUOTA_DEFAULT_BYTES;
    private final java.util.concurrent.atomic.AtomicLong diskSizeReadAt =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - DISK_SIZE_REFRESH_NANOS);
    private volatile long diskSizeBytes;

    private boolean overQuota(KvCommand command, int bytes) {
        long quota = spaceQuotaBytes;
        boolean puts = switch (command.getOpCase()) {
            case PUT, LEASE_GRANT -> true;
            case TXN -> MvccStore.txnHasPuts(command.getTxn());
            default -> false;
        };
        return quota > 0 && puts && diskSize() + bytes > quota;
    }

    private long diskSize() {
        long readAt = diskSizeReadAt.get();
        long now = System.nanoTime();
        if (now - readAt >= DISK_SIZE_REFRESH_NANOS && diskSizeReadAt.compareAndSet(readAt, now)) {
            diskSizeBytes = stateMachine.read(MvccStore::diskSize).total();
        }
        return diskSizeBytes;
    }

    private void raiseNoSpace() {
        if (alarms().stream().anyMatch(a -> a.getMemberID() == options.memberId()
                && a.getAlarm() == AlarmType.NOSPACE)) {
            return; // raised already: every member refuses the writes, and another entry would change nothing
        }
        this.<AlarmResponse>write(KvCommand.newBuilder().setAlarm(AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(options.memberId())
                .setAlarm(AlarmType.NOSPACE)).build()).whenComplete((r, e) -> {
                    if (e != null) {
                        log.warn("raising this member's NOSPACE alarm failed (the next write over the quota retries)",
                                e);
                    } else {
                        log.warn("NOSPACE alarm raised: the store passed its space quota of {} bytes",
                                spaceQuotaBytes);
                    }
                });
    }

    /**
     * etcd's Alarm: GET lists the raised alarms (linearizably; of the type asked, NONE: all), ACTIVATE and
     * DEACTIVATE go through the log and answer the alarm raised or the one disarmed (none if it was not raised).
     */
    public CompletableFuture<AlarmResponse> alarm(AlarmRequest request) {
        if (request.getAction() != AlarmRequest.AlarmAction.GET) {
            return write(KvCommand.newBuilder().setAlarm(request).build());
        }
        return read(false, () -> {
            AlarmResponse.Builder b = AlarmResponse.newBuilder().setHeader(header(revision()));
            for (AlarmMember a : stateMachine.read(MvccStore::alarms)) {
                if (request.getAlarm() == AlarmType.NONE || a.getAlarm() == request.getAlarm()) {
                    b.addAlarms(a);
                }
            }
            return b.build();
        });
    }

    /** The raised alarms as this member applied them (what Status and /health report). */
    public java.util.List<AlarmMember> alarms() {
        return stateMachine.read(MvccStore::alarms);
    }

    // ---------------------------------------------------------------------------------------------------
    // Paths

    @SuppressWarnings("unchecked")
    <T extends Message> CompletableFuture<T> write(KvCommand command) {
        try {
            Validation.checkCommand(command, options.limits());
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] bytes = command.toByteArray();
        if (overQuota(command, bytes.length)) {
            raiseNoSpace();
            return CompletableFuture.failedFuture(KvErrors.noSpace());
        }
        CompletableFuture<T> answer = new CompletableFuture<>();
        pendingWrites.incrementAndGet();
        answer.whenComplete((r, e) -> {
            pendingWrites.decrementAndGet();
            if (e != null) {
                failedWrites.incrementAndGet();
            }
        });
        whenLeader(() -> group.propose(bytes), System.nanoTime()).whenComplete((result, error) -> {
            if (error != null) {
                answer.completeExceptionally(toKv(error));
                return;
            }
            KvResult r = (KvResult) result;
            if (r.isError()) {
                answer.completeExceptionally(r.error());
            } else if (r.skipped()) {
                // Committed and applied, but this member's store held it already (a lazy snapshot written from a
                // newer state covered it): its effect is there, its answer is not. etcd's ambiguous answer.
                answer.completeExceptionally(new KvException(KvException.Code.UNAVAILABLE,
                        "etcdserver: request timed out"));
            } else {
                r.completion().whenComplete((v, e) -> {
                    if (e != null) {
                        answer.completeExceptionally(toKv(e));
                    } else {
                        answer.complete((T) withHeader(r.response()));
                    }
                });
            }
        });
        return timed(answer);
    }

    /**
     * Runs {@code attempt} (a proposal or a read index), again after a pause while it fails because no leader is
     * known yet (an election is on: certainly nothing was appended), until the request's time is up, as etcd
     * holds requests while it elects.
     */
    private <T> CompletableFuture<T> whenLeader(Supplier<CompletableFuture<T>> attempt, long startNanos) {
        return attempt.get().exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            boolean noLeader = cause instanceof RaftException re && re.reason() == RaftException.Reason.NOT_LEADER;
            long waitedMillis = (System.nanoTime() - startNanos) / 1_000_000L;
            if (!noLeader || waitedMillis + RETRY_PAUSE_MILLIS >= REQUEST_TIMEOUT_MILLIS || closed) {
                return CompletableFuture.failedFuture(cause);
            }
            return CompletableFuture.supplyAsync(() -> null,
                    CompletableFuture.delayedExecutor(RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS))
                    .thenCompose(v -> whenLeader(attempt, startNanos));
        });
    }

    <T> CompletableFuture<T> read(boolean serializable, Supplier<T> query) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        CompletableFuture<Void> ready = serializable ? CompletableFuture.completedFuture(null)
                : whenLeader(group::linearizableRead, System.nanoTime());
        ready.whenComplete((v, error) -> {
            if (error != null) {
                answer.completeExceptionally(toKv(error));
                return;
            }
            try {
                reads.execute(() -> {
                    try {
                        answer.complete(query.get());
                    } catch (RuntimeException e) {
                        answer.completeExceptionally(toKv(e));
                    }
                });
            } catch (RejectedExecutionException e) {
                answer.completeExceptionally(toKv(e));
            }
        });
        return timed(answer);
    }

    private <T> CompletableFuture<T> timed(CompletableFuture<T> f) {
        return f.orTimeout(REQUEST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).exceptionallyCompose(
                e -> CompletableFuture.failedFuture(toKv(e)));
    }

    /** The response with a complete header: the store's revision and this member's cluster, id and term. */
    @SuppressWarnings("unchecked")
    private <T extends Message> T withHeader(T response) {
        FieldDescriptor field = response.getDescriptorForType().findFieldByName("header");
        ResponseHeader stored = (ResponseHeader) response.getField(field);
        ResponseHeader full = stored.toBuilder().setClusterId(options.clusterId()).setMemberId(options.memberId())
                .setRaftTerm(group.status().term()).build();
        return (T) response.toBuilder().setField(field, full).build();
    }

    /** What a failure means to an etcd client: etcd's code and text (api/v3rpc/rpctypes). */
    static KvException toKv(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof KvException kv) {
            return kv;
        }
        if (e instanceof TimeoutException) {
            return new KvException(KvException.Code.UNAVAILABLE, "etcdserver: request timed out");
        }
        if (e instanceof RejectedExecutionException) {
            return new KvException(KvException.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests");
        }
        if (e instanceof RaftException re) {
            return switch (re.reason()) {
                case NOT_LEADER -> new KvException(KvException.Code.UNAVAILABLE, "etcdserver: no leader");
                case LOST, UNKNOWN_OUTCOME, TRANSFERRING -> new KvException(KvException.Code.UNAVAILABLE,
                        "etcdserver: leader changed");
                case OVERLOADED -> new KvException(KvException.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests");
                case TOO_LARGE -> new KvException(KvException.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
                case CLOSED -> new KvException(KvException.Code.UNAVAILABLE, "etcdserver: server stopped");
                default -> new KvException(KvException.Code.INTERNAL, "cairn: " + re.getMessage());
            };
        }
        return new KvException(KvException.Code.INTERNAL, "cairn: " + e);
    }

    // ---------------------------------------------------------------------------------------------------
    // Blocking form

    /** The same requests, waiting for their answers; failures are thrown as {@link KvException}. */
    public Blocking blocking() {
        return new Blocking();
    }

    /** Blocking calls on this store, with a few conveniences for string keys. */
    public final class Blocking {
        private Blocking() {}

        private <T> T await(CompletableFuture<T> f) {
            try {
                return f.get(REQUEST_TIMEOUT_MILLIS + 1_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvException(KvException.Code.UNAVAILABLE, "cairn: interrupted");
            } catch (ExecutionException | TimeoutException e) {
                throw toKv(e);
            }
        }

        public RangeResponse range(RangeRequest r) {
            return await(KvStore.this.range(r));
        }

        public PutResponse put(PutRequest r) {
            return await(KvStore.this.put(r));
        }

        public DeleteRangeResponse deleteRange(DeleteRangeRequest r) {
            return await(KvStore.this.deleteRange(r));
        }

        public TxnResponse txn(TxnRequest r) {
            return await(KvStore.this.txn(r));
        }

        public CompactionResponse compact(CompactionRequest r) {
            return await(KvStore.this.compact(r));
        }

        public PutResponse put(String key, String value) {
            return put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                    .setValue(ByteString.copyFromUtf8(value)).build());
        }

        /** The key's current value, linearizably. */
        public java.util.Optional<io.cairn.kv.proto.mvcc.KeyValue> get(String key) {
            RangeResponse r = range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build());
            return r.getKvsCount() == 0 ? java.util.Optional.empty() : java.util.Optional.of(r.getKvs(0));
        }

        /** Deletes one key; returns how many were deleted (0 or 1). */
        public long delete(String key) {
            return deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build())
                    .getDeleted();
        }
    }

    /** Whether this member leads the group right now. */
    public boolean isLeader() {
        return group.status().role() == Role.LEADER;
    }

    /** Stops serving, closes the member's Raft runtime and then the store (flushed). */
    @Override
    public void close() {
        closed = true;
        membership.close();
        reads.shutdown();
        maintenance.shutdownNow();
        lessor.close();
        watches.close();
        server.close();
        stateMachine.close();
    }
}
