package io.cairn.kv;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.mvcc.MemberRecords;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.kv.proto.ClusterInfo;
import io.cairn.kv.proto.ForwardedMemberAnswer;
import io.cairn.kv.proto.ForwardedMemberRequest;
import io.cairn.kv.proto.MemberBootstrap;
import io.cairn.kv.proto.MemberChange;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.kv.proto.etcd.MemberAddResponse;
import io.cairn.kv.proto.etcd.MemberListResponse;
import io.cairn.kv.proto.etcd.MemberPromoteResponse;
import io.cairn.kv.proto.etcd.MemberRemoveResponse;
import io.cairn.kv.proto.etcd.MemberUpdateResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.server.GroupStatus;
import io.cairn.raft.server.RaftException;
import io.cairn.raft.server.RaftGroup;
import io.cairn.raft.transport.PeerRequestClient;
import io.cairn.raft.transport.PeerTls;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's cluster membership on one member (decision 0023): the records every member agrees on, the Raft
 * configuration that follows them, and etcd's Cluster requests (list, add, remove, update, promote).
 *
 * <p><b>Records are the truth.</b> Who is a member, with which name, peer URLs and client URLs, as a learner or a
 * voter, lives in the store ({@link MemberRecords}), changed only by {@code MemberChange} commands through the log
 * and judged at apply with etcd's rules, so every member holds the same records, in snapshots too, across
 * restarts. The records of a new cluster come from {@code --initial-cluster} (every initial member proposes the
 * same bootstrap; the first applied counts); each member publishes its name and client URLs when it starts, as
 * etcd does. MemberList answers from this member's records.
 *
 * <p><b>Raft follows.</b> The leader compares the records with the Raft configuration every tick and makes one
 * change at a time ({@link MembershipRules#nextChange}): a member added is added to Raft (learner or voter), a
 * member removed is removed (through joint consensus for a voter). A new leader does so only once it has applied
 * everything up to its first entry, so that it never acts on records older than the configuration (every change of
 * an earlier leader came after the records it followed). The one exception runs the other way: a promotion is
 * decided by Raft first, since only the leader knows whether the learner caught up (etcd's
 * {@code isLearnerReady}); the record follows, and a leader that finds a voter whose record still says learner
 * writes it. A follower hands a promotion to the leader over the peer port, as etcd forwards it.
 *
 * <p><b>Peers.</b> Every member's transport dials the peer URL of each record (and a changed one after MemberUpdate),
 * and forgets the members removed. On the peer port, {@link #handlePeerRequest} answers {@code kv/members}
 * (the records: how a joining member learns its ID, as etcd's answers {@code GET /members}) and
 * {@code kv/promote}.
 *
 * <p><b>Leaving.</b> A member that applies its own removal leaves once the removal has taken effect (it is no
 * longer a voter of its configuration and does not lead) or after {@value #LEAVE_DEADLINE_ELECTION_TIMEOUTS}
 * election timeouts; one that has had no leader for {@value #LEADERLESS_PROBE_ELECTION_TIMEOUTS} election timeouts
 * asks a peer whether it was removed (it may have missed the entry, as etcd learns it from a peer's "410 Gone").
 * Leaving calls the {@link #onRemoved} listener: {@code cairn kv} exits, as etcd does.
 *
 * <p>Threads: one timer thread owns the reconciliation, publishing and leaving ({@link #tick}); the apply thread
 * only marks the records changed; requests run on their callers' threads and complete on whichever thread completes
 * their proposal. Its queue holds the periodic tick, at most one wake-up, and one task per request in flight (the
 * gRPC server bounds those).
 */
public final class Membership implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Membership.class);
    /** The peer request that asks for the records. */
    public static final String MEMBERS_REQUEST = "kv/members";
    /** The peer request that hands a promotion to the leader. */
    public static final String PROMOTE_REQUEST = "kv/promote";
    /** The largest answer to a peer request taken. */
    public static final int PEER_ANSWER_BYTES_MAX = 4 << 20;
    /** A member without a leader this many election timeouts asks a peer whether it was removed. */
    static final int LEADERLESS_PROBE_ELECTION_TIMEOUTS = 5;
    /** A member that applied its removal leaves at the latest this many election timeouts later. */
    static final int LEAVE_DEADLINE_ELECTION_TIMEOUTS = 10;
    /** Ticks a removed member waits, out of the configuration, before it leaves (its last acks get out). */
    static final int LEAVE_TICKS = 3;
    /** A failed bootstrap or publish is tried again after this long. */
    static final long ANNOUNCE_RETRY_MILLIS = 500;
    /** A request that waits for a change in flight or a leader tries again after this long. */
    static final long RETRY_PAUSE_MILLIS = 20;

    /**
     * What a member says about itself.
     *
     * @param name its name (etcd's {@code --name}), published when it starts
     * @param clientUrls the client URLs it advertises, published when it starts
     * @param initialMembers for a member of a new cluster, the members of {@code --initial-cluster} (ID, name, peer
     *     URLs): the bootstrap it proposes; empty for one that joined a running cluster
     * @param strictReconfigCheck etcd's {@code --strict-reconfig-check}: refuse changes that would leave fewer
     *     started voters than a quorum
     */
    public record Self(String name, List<String> clientUrls, List<Member> initialMembers,
            boolean strictReconfigCheck) {
        public Self {
            clientUrls = List.copyOf(clientUrls);
            initialMembers = List.copyOf(initialMembers);
        }
    }

    private final KvStore store;
    private final RaftGroup group;
    private final KvStateMachine stateMachine;
    private final long selfId;
    private final Self self;
    private final long tickMillis;
    private final long electionTimeoutMillis;
    private final ScheduledThreadPoolExecutor timer;
    private final PeerRequestClient peers;

    private volatile MemberRecords records = MemberRecords.NONE;
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    private final AtomicBoolean wakeUpQueued = new AtomicBoolean();
    /** A configuration change (or the record that follows one) is in flight: one at a time. */
    private final AtomicBoolean changing = new AtomicBoolean();
    /** Test hook: the leader leaves Raft's configuration alone while set (to hold a window open). */
    private volatile boolean reconcilePaused;
    private volatile Consumer<String> onRemoved;
    /** Why this member left the cluster, or null while it is a member. */
    private volatile String leftBecause;
    private final AtomicBoolean told = new AtomicBoolean();
    private volatile boolean closed;

    // Timer thread only.
    private final Map<Long, InetSocketAddress> dialed = new HashMap<>();
    private long leaderTerm;
    private long leaderBarrierIndex;
    private boolean announced;
    private boolean announceInFlight;
    private long announceNotBeforeNanos;
    private long removedSeenNanos;
    private int outTicks;
    private boolean left;
    private long leaderlessSinceNanos;
    private boolean probeInFlight;
    private long probeNotBeforeNanos;
    private int probeCursor;

    Membership(KvStore store, RaftGroup group, KvStateMachine stateMachine, long selfId, Self self,
            Map<Long, InetSocketAddress> initialPeers, long tickMillis, long electionTimeoutMillis, PeerTls tls) {
        this.store = store;
        this.group = group;
        this.stateMachine = stateMachine;
        this.selfId = selfId;
        this.self = self;
        this.tickMillis = tickMillis;
        this.electionTimeoutMillis = electionTimeoutMillis;
        this.dialed.putAll(initialPeers);
        this.dialed.remove(selfId);
        this.peers = new PeerRequestClient(KvStore.PEER_CLUSTER, tls, PEER_ANSWER_BYTES_MAX);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cairn-kv-membership-m" + Long.toHexString(selfId));
            t.setDaemon(true);
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** Loads the records and starts the timer. */
    void start() {
        stateMachine.onMembershipChanged(this::changed);
        timer.scheduleWithFixedDelay(this::tick, 0, tickMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Who to tell, once, that this member was removed from the cluster and left (with the reason); told at once if
     * that happened already. Called on a thread of its own, which may close the store.
     */
    public void onRemoved(Consumer<String> listener) {
        this.onRemoved = listener;
        String why = leftBecause;
        if (why != null) {
            tell(listener, why);
        }
    }

    /** Test hook: while {@code paused}, this member (as leader) makes no Raft change to follow the records. */
    void pauseReconciling(boolean paused) {
        this.reconcilePaused = paused;
    }

    /** The records as this member last applied them. */
    public MemberRecords records() {
        return records;
    }

    // ---------------------------------------------------------------------------------------------------
    // etcd's Cluster requests

    /** etcd's MemberList: this member's records, at once (etcd 3.4 answers from the member's own state too). */
    public MemberListResponse list() {
        return MemberListResponse.newBuilder().setHeader(header()).addAllMembers(records.members()).build();
    }

    /**
     * etcd's MemberAdd: a member with a new ID and {@code peerUrls}, a learner or a voter; answers once the record
     * is applied here and this member's configuration has it (or the request's time is up: the record holds, and
     * the leader adds it to Raft).
     */
    public CompletableFuture<MemberAddResponse> add(List<String> peerUrls, boolean learner) {
        List<String> urls;
        try {
            urls = MemberRecords.checkPeerUrls(peerUrls);
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        MemberRecords r = records;
        if (!learner && self.strictReconfigCheck() && !MembershipRules.readyToAddVoter(r)) {
            return CompletableFuture.failedFuture(KvErrors.notEnoughStartedMembers());
        }
        return add(MembershipRules.newMemberId(urls, System.currentTimeMillis() * 1_000_000L + System.nanoTime(), r),
                urls, learner, 0);
    }

    /**
     * MemberAdd with an ID the caller chose, and at most {@code learnersMax} learners with it (0: etcd's one): the
     * embedded API ({@link KvStore#addLearner}), which allows as many learners as Raft does.
     */
    CompletableFuture<MemberAddResponse> add(long id, List<String> urls, boolean learner, int learnersMax) {
        Member added = Member.newBuilder().setID(id).addAllPeerURLs(urls).setIsLearner(learner).build();
        return store.proposeMember(MemberChange.newBuilder().setAdd(added).setLearnersMax(learnersMax).build())
                .thenCompose(after -> awaitConfiguration(c -> c.isMember(id)).thenApply(v -> {
                    log.info("m{}: added member {} ({}) at {}", hex(selfId), hex(id), learner ? "learner" : "voter",
                            urls);
                    return MemberAddResponse.newBuilder().setHeader(header()).setMember(added)
                            .addAllMembers(after.getMembersList()).build();
                }));
    }

    /**
     * etcd's MemberRemove: the record goes (the ID can never come back); answers once this member's configuration
     * no longer has it (or the request's time is up), at once when it is this member itself.
     */
    public CompletableFuture<MemberRemoveResponse> remove(long id) {
        MemberRecords r = records;
        Member m = r.member(id);
        boolean voter = m != null && !m.getIsLearner();
        if (voter && self.strictReconfigCheck() && !MembershipRules.readyToRemoveVoter(r, id)) {
            return CompletableFuture.failedFuture(KvErrors.notEnoughStartedMembers());
        }
        return store.proposeMember(MemberChange.newBuilder().setRemove(id).build())
                .thenCompose(after -> (id == selfId ? CompletableFuture.completedFuture(true)
                        : awaitConfiguration(c -> !c.isMember(id))).thenApply(v -> {
                            log.info("m{}: removed member {}", hex(selfId), hex(id));
                            return MemberRemoveResponse.newBuilder().setHeader(header())
                                    .addAllMembers(after.getMembersList()).build();
                        }));
    }

    /** etcd's MemberUpdate: new peer URLs for member {@code id}; every member dials them once applied. */
    public CompletableFuture<MemberUpdateResponse> update(long id, List<String> peerUrls) {
        List<String> urls;
        try {
            urls = MemberRecords.checkPeerUrls(peerUrls);
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        Member m = Member.newBuilder().setID(id).addAllPeerURLs(urls).build();
        return store.proposeMember(MemberChange.newBuilder().setUpdate(m).build()).thenApply(after ->
                MemberUpdateResponse.newBuilder().setHeader(header()).addAllMembers(after.getMembersList()).build());
    }

    /**
     * etcd's MemberPromote: refused at once for a member that is not a learner here; otherwise decided by the
     * leader (forwarded to it by a follower), which refuses with etcd's "can only promote a learner member which is
     * in sync with leader" until Raft says the learner has caught up.
     */
    public CompletableFuture<MemberPromoteResponse> promote(long id) {
        MemberRecords r = records;
        Member m = r.member(id);
        if (m == null) {
            return CompletableFuture.failedFuture(KvErrors.memberNotFound());
        }
        if (!m.getIsLearner()) {
            return CompletableFuture.failedFuture(KvErrors.memberNotLearner());
        }
        if (self.strictReconfigCheck() && !MembershipRules.readyToPromote(r)) {
            return CompletableFuture.failedFuture(KvErrors.notEnoughStartedMembers());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KvStore.REQUEST_TIMEOUT_MILLIS);
        return promoteAnywhere(id, deadline).thenApply(members -> MemberPromoteResponse.newBuilder()
                .setHeader(header()).addAllMembers(members).build());
    }

    private CompletableFuture<List<Member>> promoteAnywhere(long id, long deadlineNanos) {
        GroupStatus st = group.status();
        if (st.role() == Role.LEADER) {
            return promoteHere(id, deadlineNanos, true);
        }
        Member leader = st.leader() == 0 ? null : records.member(st.leader());
        InetSocketAddress address = leader == null ? null : address(leader);
        if (address == null) {
            return later(() -> promoteAnywhere(id, deadlineNanos), deadlineNanos, "no leader to promote at");
        }
        byte[] request = ForwardedMemberRequest.newBuilder().setPromote(id).build().toByteArray();
        long waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        return peers.send(address, PROMOTE_REQUEST, request, waitMillis).handle((bytes, error) -> {
            CompletableFuture<List<Member>> answer = error != null ? CompletableFuture.failedFuture(error)
                    : fromAnswer(bytes);
            return answer.exceptionallyCompose(e -> {
                Throwable cause = unwrap(e);
                if (cause instanceof KvException kv && kv.code() != KvException.Code.UNAVAILABLE) {
                    return CompletableFuture.failedFuture(kv); // the leader's verdict (etcd's error)
                }
                log.debug("m{}: the leader did not decide the promotion of {}: {}", hex(selfId), hex(id),
                        cause.toString());
                return later(() -> promoteAnywhere(id, deadlineNanos), deadlineNanos, "the leader did not answer");
            });
        }).thenCompose(f -> f);
    }

    /**
     * On the leader: Raft promotes the learner (refusing while it has not caught up), then the record follows. One
     * configuration change at a time, shared with the reconciliation. A member that finds it does not lead (any
     * more) asks the leader when {@code forward}, or else answers "not leader" (a promotion forwarded to it: the
     * member that forwarded it asks again, so that two members with stale views never pass it back and forth).
     */
    private CompletableFuture<List<Member>> promoteHere(long id, long deadlineNanos, boolean forward) {
        if (!changing.compareAndSet(false, true)) {
            return later(() -> promoteHere(id, deadlineNanos, forward), deadlineNanos,
                    "a membership change is in flight");
        }
        switch (MembershipRules.promotion(group.status().configuration(), id)) {
            case NOT_IN_RAFT_YET -> {
                changing.set(false);
                return CompletableFuture.failedFuture(KvErrors.learnerNotReady());
            }
            case VOTER_ALREADY -> {
                changing.set(false);
                return recordPromotion(id);
            }
            case PROMOTE -> { }
        }
        return group.promote(id).handle((v, error) -> {
            changing.set(false);
            if (error == null) {
                return recordPromotion(id);
            }
            Throwable cause = unwrap(error);
            if (cause instanceof RaftException re && re.reason() == RaftException.Reason.CONFIG_CHANGE_REFUSED) {
                String why = String.valueOf(re.getMessage());
                if (why.contains("has not caught up")) {
                    log.info("m{}: promotion of {} refused: {}", hex(selfId), hex(id), why);
                    return CompletableFuture.<List<Member>>failedFuture(KvErrors.learnerNotReady());
                }
                if (why.contains("already a voter")) {
                    return recordPromotion(id);
                }
                return later(() -> promoteHere(id, deadlineNanos, forward), deadlineNanos, why);
            }
            if (cause instanceof RaftException re && re.reason() == RaftException.Reason.NOT_LEADER) {
                return forward ? later(() -> promoteAnywhere(id, deadlineNanos), deadlineNanos, "leadership moved")
                        : CompletableFuture.<List<Member>>failedFuture(new KvException(KvException.Code.UNAVAILABLE,
                                "etcdserver: not leader"));
            }
            return CompletableFuture.<List<Member>>failedFuture(KvStore.toKv(cause));
        }).thenCompose(f -> f);
    }

    /** Writes the promotion Raft has made into the records; one written already (by a leader's fix) is fine. */
    private CompletableFuture<List<Member>> recordPromotion(long id) {
        return store.proposeMember(MemberChange.newBuilder().setPromote(id).build())
                .handle((after, error) -> {
                    if (error == null) {
                        log.info("m{}: promoted member {} to voter", hex(selfId), hex(id));
                        return CompletableFuture.completedFuture(after.getMembersList());
                    }
                    if (KvStore.toKv(error).equals(KvErrors.memberNotLearner())) {
                        return CompletableFuture.completedFuture(records.members());
                    }
                    return CompletableFuture.<List<Member>>failedFuture(KvStore.toKv(error));
                }).thenCompose(f -> f);
    }

    /** {@code attempt} again after a pause, or etcd's "request timed out" once the deadline has passed. */
    private <T> CompletableFuture<T> later(Supplier<CompletableFuture<T>> attempt, long deadlineNanos, String why) {
        if (closed || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_PAUSE_MILLIS) >= deadlineNanos) {
            log.info("m{}: membership request timed out: {}", hex(selfId), why);
            return CompletableFuture.failedFuture(new KvException(KvException.Code.UNAVAILABLE,
                    "etcdserver: request timed out"));
        }
        return CompletableFuture.supplyAsync(() -> null,
                CompletableFuture.delayedExecutor(RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS))
                .thenCompose(v -> attempt.get());
    }

    /**
     * Completes once {@code wanted} holds for this member's configuration, or with false when the request's time is
     * up first; never fails (the records hold whatever Raft has done so far).
     */
    private CompletableFuture<Boolean> awaitConfiguration(Predicate<Configuration> wanted) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KvStore.REQUEST_TIMEOUT_MILLIS - 1_000);
        poll(wanted, deadline, done);
        return done;
    }

    private void poll(Predicate<Configuration> wanted, long deadlineNanos, CompletableFuture<Boolean> done) {
        if (wanted.test(group.status().configuration())) {
            done.complete(true);
        } else if (closed || System.nanoTime() >= deadlineNanos) {
            log.info("m{}: the Raft configuration did not follow the records in time; it will", hex(selfId));
            done.complete(false);
        } else {
            try {
                timer.schedule(() -> poll(wanted, deadlineNanos, done), Math.max(1, tickMillis / 2),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                done.complete(false);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // The peer port

    /** Answers a peer request ({@link io.cairn.raft.transport.PeerRequestHandler}); on an event loop, never blocks. */
    CompletableFuture<byte[]> handlePeerRequest(String kind, byte[] body) {
        switch (kind) {
            case MEMBERS_REQUEST -> {
                MemberRecords r = records;
                if (!r.bootstrapped()) {
                    return CompletableFuture.failedFuture(new IllegalStateException("member " + hex(selfId)
                            + " has not learned the membership yet"));
                }
                return CompletableFuture.completedFuture(ClusterInfo.newBuilder().setClusterId(store.clusterId())
                        .addAllMembers(r.members()).addAllRemoved(r.removed()).build().toByteArray());
            }
            case PROMOTE_REQUEST -> {
                long id;
                try {
                    id = ForwardedMemberRequest.parseFrom(body).getPromote();
                } catch (InvalidProtocolBufferException e) {
                    return CompletableFuture.failedFuture(e);
                }
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KvStore.REQUEST_TIMEOUT_MILLIS);
                return promoteHere(id, deadline, false).handle((members, error) -> toAnswer(members, error)
                        .toByteArray());
            }
            default -> {
                return CompletableFuture.failedFuture(new IllegalArgumentException("unknown peer request " + kind));
            }
        }
    }

    private static ForwardedMemberAnswer toAnswer(List<Member> members, Throwable error) {
        if (error == null) {
            return ForwardedMemberAnswer.newBuilder().setOk(MemberListResponse.newBuilder().addAllMembers(members))
                    .build();
        }
        KvException e = KvStore.toKv(error);
        return ForwardedMemberAnswer.newBuilder().setErrorCode(e.code().name()).setErrorText(e.getMessage()).build();
    }

    private static CompletableFuture<List<Member>> fromAnswer(byte[] bytes) {
        try {
            ForwardedMemberAnswer a = ForwardedMemberAnswer.parseFrom(bytes);
            if (!a.getErrorCode().isEmpty()) {
                return CompletableFuture.failedFuture(new KvException(KvException.Code.valueOf(a.getErrorCode()),
                        a.getErrorText()));
            }
            return CompletableFuture.completedFuture(a.getOk().getMembersList());
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new KvException(KvException.Code.INTERNAL,
                    "cairn: the leader's answer to a promotion does not parse: " + e));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // The timer: records, reconciliation, publishing, leaving

    /** The apply thread applied a membership change (or a snapshot): look at the records on the timer. */
    private void changed() {
        dirty.set(true);
        if (wakeUpQueued.compareAndSet(false, true)) {
            try {
                timer.execute(() -> {
                    wakeUpQueued.set(false);
                    tick();
                });
            } catch (RejectedExecutionException e) {
                wakeUpQueued.set(false); // closing
            }
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            if (dirty.getAndSet(false)) {
                refresh(stateMachine.read(MvccStore::memberRecords));
            }
            GroupStatus st = group.status();
            reconcile(st);
            announce();
            watchRemoval(st);
        } catch (RuntimeException e) {
            if (!closed) {
                log.warn("m{}: membership tick failed (tried again next tick)", hex(selfId), e);
            }
        }
    }

    /** New records: the transport dials every member's peer URL and forgets removed members. */
    private void refresh(MemberRecords r) {
        records = r;
        for (Member m : r.members()) {
            InetSocketAddress a = address(m);
            if (m.getID() != selfId && a != null && !a.equals(dialed.get(m.getID()))) {
                store.setPeer(m.getID(), a);
                dialed.put(m.getID(), a);
                log.info("m{}: member {} ({}) is at {}", hex(selfId), hex(m.getID()), m.getName(), a);
            }
        }
        for (long id : r.removed()) {
            if (dialed.remove(id) != null) {
                store.removePeer(id);
                log.info("m{}: member {} was removed; no longer dialed", hex(selfId), hex(id));
            }
        }
        if (r.isRemoved(selfId) && removedSeenNanos == 0) {
            removedSeenNanos = System.nanoTime();
            log.warn("m{}: this member has been removed from the cluster; it leaves once the removal has taken"
                    + " effect", hex(selfId));
        }
    }

    /** On the leader: one Raft change towards the records, once its term's first entry is applied here. */
    private void reconcile(GroupStatus st) {
        if (st.role() != Role.LEADER) {
            leaderTerm = 0;
            return;
        }
        if (st.term() != leaderTerm) {
            leaderTerm = st.term();
            leaderBarrierIndex = st.lastIndex();
        }
        if (st.appliedIndex() < leaderBarrierIndex || changing.get() || reconcilePaused) {
            return;
        }
        MemberRecords r = records;
        ConfigChange next = MembershipRules.nextChange(r, st.configuration(), selfId);
        if (next != null && changing.compareAndSet(false, true)) {
            log.info("m{}: making Raft follow the records: {}", hex(selfId), next.changes());
            group.changeMembership(next).whenComplete((v, e) -> {
                changing.set(false);
                if (e != null) {
                    log.debug("m{}: configuration change {} not made now: {}", hex(selfId), next.changes(),
                            unwrap(e).toString());
                }
            });
            return;
        }
        long promoted = next == null ? MembershipRules.promotedWithoutRecord(r, st.configuration()) : 0;
        if (promoted != 0 && changing.compareAndSet(false, true)) {
            log.info("m{}: Raft made {} a voter; writing its record", hex(selfId), hex(promoted));
            store.proposeMember(MemberChange.newBuilder().setPromote(promoted).build())
                    .whenComplete((v, e) -> changing.set(false));
        }
    }

    /** Proposes the bootstrap of a new cluster's records, then this member's name and client URLs, until applied. */
    private void announce() {
        if (announced || announceInFlight || System.nanoTime() < announceNotBeforeNanos) {
            return;
        }
        MemberRecords r = records;
        MemberChange change;
        if (!r.bootstrapped()) {
            if (self.initialMembers().isEmpty()) {
                return; // a joining member: its records arrive with the log
            }
            change = MemberChange.newBuilder().setBootstrap(MemberBootstrap.newBuilder()
                    .addAllMembers(self.initialMembers())).build();
        } else {
            Member mine = r.member(selfId);
            if (mine == null) {
                return; // removed, or not added yet
            }
            if (mine.getName().equals(self.name()) && mine.getClientURLsList().equals(self.clientUrls())) {
                announced = true;
                log.info("m{}: published name {} and client URLs {} to the cluster", hex(selfId), self.name(),
                        self.clientUrls());
                return;
            }
            change = MemberChange.newBuilder().setPublish(Member.newBuilder().setID(selfId).setName(self.name())
                    .addAllClientURLs(self.clientUrls())).build();
        }
        announceInFlight = true;
        store.proposeMember(change).whenComplete((v, e) -> onTimer(() -> {
            announceInFlight = false;
            if (e != null) {
                announceNotBeforeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANNOUNCE_RETRY_MILLIS);
                log.debug("m{}: {} not applied yet: {}", hex(selfId), change.getChangeCase(), unwrap(e).toString());
            }
        }));
    }

    /** A removed member leaves once its removal took effect; a long leaderless one asks whether it was removed. */
    private void watchRemoval(GroupStatus st) {
        if (left) {
            return;
        }
        long now = System.nanoTime();
        if (removedSeenNanos != 0) {
            Configuration c = st.configuration();
            boolean out = !c.isMember(selfId) || c.isLearner(selfId) || !contains(c.voters(), selfId);
            outTicks = out && st.role() != Role.LEADER ? outTicks + 1 : 0;
            long deadline = TimeUnit.MILLISECONDS.toNanos(LEAVE_DEADLINE_ELECTION_TIMEOUTS * electionTimeoutMillis);
            if (outTicks >= LEAVE_TICKS || now - removedSeenNanos > deadline) {
                leave("it was removed from the cluster");
            }
            return;
        }
        if (st.leader() != 0 || !records.bootstrapped()) {
            leaderlessSinceNanos = 0;
            return;
        }
        if (leaderlessSinceNanos == 0) {
            leaderlessSinceNanos = now;
        }
        long probeAfter = TimeUnit.MILLISECONDS.toNanos(LEADERLESS_PROBE_ELECTION_TIMEOUTS * electionTimeoutMillis);
        if (now - leaderlessSinceNanos >= probeAfter && !probeInFlight && now >= probeNotBeforeNanos) {
            probe(now + probeAfter);
        }
    }

    /** Asks one peer (in turn) for its records; leaves if they say this member was removed. */
    private void probe(long nextNanos) {
        List<Member> others = records.members().stream().filter(m -> m.getID() != selfId).toList();
        if (others.isEmpty()) {
            return;
        }
        Member peer = others.get(Math.floorMod(probeCursor++, others.size()));
        InetSocketAddress a = address(peer);
        if (a == null) {
            return;
        }
        probeInFlight = true;
        peers.send(a, MEMBERS_REQUEST, new byte[0], 2 * electionTimeoutMillis).whenComplete((bytes, e) ->
                onTimer(() -> {
                    probeInFlight = false;
                    probeNotBeforeNanos = nextNanos;
                    if (bytes == null) {
                        return;
                    }
                    try {
                        if (ClusterInfo.parseFrom(bytes).getRemovedList().contains(selfId)) {
                            leave("member " + hex(peer.getID()) + " says it was removed from the cluster");
                        }
                    } catch (InvalidProtocolBufferException ex) {
                        log.warn("m{}: {} answered records that do not parse", hex(selfId), a);
                    }
                }));
    }

    private void leave(String why) {
        left = true;
        log.warn("m{}: the member has been permanently removed from the cluster: {}", hex(selfId), why);
        leftBecause = why;
        Consumer<String> listener = onRemoved;
        if (listener != null) {
            tell(listener, why);
        }
    }

    private void tell(Consumer<String> listener, String why) {
        if (!told.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> listener.accept(why), "cairn-kv-removed");
        t.setDaemon(false);
        t.start(); // the listener may close the store, and so the timer: never on the timer's thread
    }

    /** Why this member left the cluster (it was removed), or null while it is a member. */
    public String leftBecause() {
        return leftBecause;
    }

    private void onTimer(Runnable r) {
        try {
            timer.execute(r);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    // ---------------------------------------------------------------------------------------------------

    private ResponseHeader header() {
        return store.header(0);
    }

    /** Where a member's peer transport listens: its first peer URL, or null if that is not a URL. */
    static InetSocketAddress address(Member m) {
        if (m.getPeerURLsCount() == 0) {
            return null;
        }
        try {
            URI u = new URI(m.getPeerURLs(0));
            return u.getHost() == null || u.getPort() <= 0 ? null : new InetSocketAddress(u.getHost(), u.getPort());
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    private static boolean contains(long[] ids, long id) {
        for (long x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String hex(long id) {
        return Long.toHexString(id);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        peers.close();
    }
}
