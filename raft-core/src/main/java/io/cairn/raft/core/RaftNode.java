package io.cairn.raft.core;

import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.core.log.RaftLog;
import io.cairn.raft.core.progress.Progress;
import io.cairn.raft.core.quorum.JointConfig;
import io.cairn.raft.core.quorum.VoteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One member of a Raft group, as a pure, deterministic state machine.
 *
 * <p>Inputs: {@link #tick()}, {@link #step(Message)}, {@link #propose}, {@link #proposeConfigChange},
 * {@link #readIndex(long)}, {@link #transferLeadership}, {@link #campaign()}, and the runtime's
 * acknowledgements: {@link #persisted(long, long)} when a {@link Ready}'s write completes,
 * {@link #snapshotTaken} when a requested snapshot is durable, {@link #reportSnapshot} when a snapshot stream
 * to a follower ends. Output: {@link #ready()}, a batch of things to write, send, apply and answer, whose
 * Javadoc states the durability contract. There are no threads, clocks, I/O or unseeded randomness here:
 * given the same inputs and the same {@link RandomSource}, a node does exactly the same thing, which is what
 * lets the simulator replay a failing seed. Not thread-safe; exactly one thread owns a node.
 *
 * <p>Shape: {@link #step} applies the term rules shared by every role (§5.1 and the pre-vote/check-quorum
 * refinements of thesis §9.6 and §6.2), then hands over to the role: {@link Leader} (a separate class that
 * exists only while this member leads), {@code stepCandidate} or {@code stepFollower}. Handlers are named
 * after the message they handle and start with their guards.
 *
 * <p>Membership: a member uses the latest {@link Configuration} in its log, committed or not (thesis §4.1): it
 * takes effect when its entry is appended, and a member whose log loses that entry (a conflicting suffix is cut)
 * falls back to the one before. Joint configurations need majorities of both halves (thesis §4.3). The leader
 * appends a configuration only when the previous one has committed and an entry of its own term has.
 * Snapshots: the core asks for one when the log grows past a threshold, drops the log below it once the
 * runtime reports it durable, and sends it (as metadata; the runtime streams the data) to followers whose next
 * entry is gone.
 *
 * <p>Read first: the Raft paper (§5), Ongaro's thesis (§3, §4, §6, §9, §10.2.1), and etcd's raft package,
 * whose progress and read-only designs this follows.
 */
public final class RaftNode {
    /** The id that means "no member" (no vote cast, no known leader). */
    public static final long NONE = 0;

    private final RaftConfig config;
    private final long id;
    private final RandomSource random;
    private final Tracer tracer;
    private final RaftLog log;

    private long term;
    private long vote;
    private long lead = NONE;
    private Role role = Role.FOLLOWER;
    private Leader leader;
    /**
     * Follower: appends of the current term that arrived before an entry they follow (a network that reorders),
     * by prevLogIndex, held to be checked (§5.3) once the log reaches them. Cleared on any term or role change.
     */
    private final TreeMap<Long, Message> earlyAppends = new TreeMap<>();
    private long earlyAppendBytes;
    private boolean drainingEarlyAppends;

    private int electionElapsed;
    private int heartbeatElapsed;
    /**
     * Ticks since this member last heard from a leader, kept across term changes and, with lease reads, started
     * at 0 on every (re)start: the promise a lease leans on ("I vote for no one within an election timeout of
     * hearing from my leader") must survive both, or a restarted follower could elect a new leader while the old
     * one still reads from its lease.
     */
    private int leaderContactElapsed;
    private int randomizedElectionTimeout;
    /**
     * The group is quiet ({@link RaftConfig#quiesceTicks}): ticks do nothing (no heartbeats, no election timer,
     * no lease clock) until a proposal, a read or a message wakes this member.
     */
    private boolean quiesced;
    /** Leader: ticks since the last proposal, read, change or message that was not an answer to a heartbeat. */
    private int idleTicks;
    /** Votes received in the current election: id to granted; only meaningful while campaigning. */
    private final TreeMap<Long, Boolean> votes = new TreeMap<>();
    /** This candidacy was started by the leader's TimeoutNow (thesis §3.10). */
    private boolean campaignForTransfer;
    /** Heartbeat rounds keep increasing across terms, so a stale answer never confirms a newer round. */
    private long lastHeartbeatRound;
    /**
     * Reads this follower forwarded to its leader, by the context it sent: {requestId, term, leader}. Only an
     * answer to one of these, from that leader in that term, is believed; all are refused when the term or
     * leader changes. Contexts start at a random base for each incarnation, so neither a late duplicate nor an
     * answer meant for an earlier incarnation can pass for the answer to a new read.
     */
    private final TreeMap<Long, long[]> forwardedReads = new TreeMap<>();
    private long nextReadContext;
    /**
     * Proposals this follower forwarded to its leader, by the context it sent: {requestId, term, leader, tick
     * sent}. As with reads, only that leader's answer in that term is believed; when the term or leader changes,
     * or no answer comes within two election timeouts, each one's outcome is reported unknown (the leader may
     * have appended it).
     */
    private final TreeMap<Long, long[]> forwardedProposals = new TreeMap<>();
    private long nextForwardContext;
    /** Ticks counted since start (not while quiesced): the clock of forwarded requests' deadlines. */
    private long tickCount;

    private Configuration configuration;
    private JointConfig quorum;
    /**
     * The configurations in the log by the index of their entry, committed or not, plus the base one (the
     * snapshot's, at its index, or the bootstrap one at 0). The last is the one in effect.
     */
    private final TreeMap<Long, Configuration> configHistory = new TreeMap<>();
    private SnapshotMeta latestSnapshot;
    /** The index of the snapshot requested and not yet reported taken, or 0. */
    private long snapshotRequested;

    private List<Message> messages = new ArrayList<>();
    private List<Message> messagesAfterPersist = new ArrayList<>();
    private List<ReadState> readStates = new ArrayList<>();
    private List<ForwardResult> forwardResults = new ArrayList<>();
    private SnapshotMeta snapshotToInstall;
    private HardState lastHardState;
    private SoftState lastSoftState;

    private RaftNode(RaftConfig config, HardState hardState, SnapshotMeta snapshot, RaftLog log, RandomSource random,
            Tracer tracer) {
        this.config = config;
        this.id = config.id;
        this.random = random;
        this.tracer = tracer;
        this.log = log;
        this.term = hardState.term();
        this.vote = hardState.vote();
        this.lastHardState = hardState;
        this.latestSnapshot = snapshot;
        Configuration base = snapshot != null ? snapshot.configuration()
                : config.voters.length > 0 ? Configuration.ofVoters(config.voters) : Configuration.unknown();
        configHistory.put(snapshot != null ? snapshot.index() : 0, base);
        recordConfigurations(log.snapshotIndex() + 1, log.lastIndex());
        configuration = configHistory.lastEntry().getValue();
        quorum = new JointConfig(configuration.voters(), configuration.outgoing());
        this.lastSoftState = softState();
        // A restarted member may have promised a leader not to vote for an election timeout; a new one has not.
        boolean restarted = !hardState.equals(HardState.EMPTY) || log.lastIndex() > 0;
        this.leaderContactElapsed = config.readMode == ReadMode.LEASE && restarted ? 0 : config.electionTicks;
        resetRandomizedElectionTimeout();
    }

    /** A member of a brand-new group (or, with no voters configured, one joining an existing group). */
    public static RaftNode create(RaftConfig config, RandomSource random, Tracer tracer) {
        return new RaftNode(config, HardState.EMPTY, null, RaftLog.empty(), random, tracer);
    }

    /**
     * A member restarted from what its storage holds: the durable hard state, the durable log entries and the
     * index up to which its state machine has durably applied.
     */
    public static RaftNode restart(RaftConfig config, HardState hardState, List<Entry> durableEntries,
            long appliedIndex, RandomSource random, Tracer tracer) {
        return restart(config, hardState, null, durableEntries, appliedIndex, random, tracer);
    }

    /**
     * A member restarted from its storage: hard state, the latest durable snapshot (or null), the durable log
     * entries after it, and the index up to which its state machine has durably applied (at least the
     * snapshot's).
     */
    public static RaftNode restart(RaftConfig config, HardState hardState, SnapshotMeta snapshot,
            List<Entry> durableEntries, long appliedIndex, RandomSource random, Tracer tracer) {
        long base = snapshot == null ? 0 : snapshot.index();
        checkRecovered(base, snapshot == null ? 0 : snapshot.term(), durableEntries);
        long lastTerm = durableEntries.isEmpty() ? (snapshot == null ? 0 : snapshot.term())
                : durableEntries.get(durableEntries.size() - 1).term();
        if (lastTerm > hardState.term()) {
            // The entries of a write became durable but its hard state did not (they are separate records).
            // No vote of that term can have left (votes wait for their hard state), so adopt the term unvoted.
            hardState = new HardState(lastTerm, NONE, hardState.commit());
        }
        RaftLog log = new RaftLog(base, snapshot == null ? 0 : snapshot.term(), durableEntries,
                Math.max(hardState.commit(), base), Math.max(appliedIndex, base));
        return new RaftNode(config, hardState, snapshot, log, random, tracer);
    }

    /**
     * What storage gave back must be a log a member could have written: consecutive indexes after the snapshot,
     * terms never decreasing. Anything else is a storage bug, and starting on it would spread it.
     */
    private static void checkRecovered(long base, long baseTerm, List<Entry> entries) {
        long prevTerm = baseTerm;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Invariants.check(e.index() == base + i + 1, "recovered entry %d is at position %d", e.index(),
                    base + i + 1);
            Invariants.check(e.term() >= prevTerm, "recovered entry %d has term %d below the previous %d", e.index(),
                    e.term(), prevTerm);
            prevTerm = e.term();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Inputs
    // ---------------------------------------------------------------------------------------------------

    /** Advances logical time by one tick: elections for followers and candidates, heartbeats for leaders. */
    public void tick() {
        if (quiesced) {
            return;
        }
        tickCount++;
        if (!forwardedProposals.isEmpty() || !forwardedReads.isEmpty()) {
            expireForwarded();
        }
        if (leaderContactElapsed < Integer.MAX_VALUE) {
            leaderContactElapsed++;
        }
        if (leader != null) {
            leaderContactElapsed = 0;
            tickLeader();
        } else {
            tickElection();
        }
    }

    /** Starts an election now, as if the election timeout had elapsed (no-op on a leader or a non-voter). */
    public void campaign() {
        activity();
        if (leader != null || !configuration.isVoter(id)) {
            return;
        }
        if (config.preVote) {
            becomePreCandidate();
        } else {
            becomeCandidate(false);
        }
    }

    /**
     * Appends commands to the log if this member is the leader. Each command becomes one entry; all of them go
     * out together at the next {@link #ready()}.
     */
    public ProposeResult propose(List<byte[]> commands) {
        activity();
        if (commands.isEmpty()) {
            return ProposeResult.rejected(ProposeResult.Rejection.EMPTY, lead, "no commands");
        }
        if (leader == null) {
            return ProposeResult.rejected(ProposeResult.Rejection.NOT_LEADER, lead);
        }
        return leader.propose(commands);
    }

    /** Proposes one command. */
    public ProposeResult propose(byte[] command) {
        return propose(List.of(command));
    }

    /**
     * Hands a proposal to the leader on behalf of this follower's client, as request {@code requestId} (unique
     * among this member's forwarded proposals). The answer comes as a {@link ForwardResult} in a later
     * {@link Ready}: where the leader appended the commands, or why it did not, or that nobody can tell. Refused
     * at once when this member leads (propose instead), knows no leader, already waits for as many forwards as it
     * may, or the commands would not fit one message ({@link RaftConfig#messageBytesMax}).
     */
    public void forward(long requestId, List<byte[]> commands) {
        activity();
        long bytes = 0;
        for (int i = 0; i < commands.size(); i++) {
            bytes += (long) commands.get(i).length + Entry.OVERHEAD_BYTES;
        }
        ProposeResult.Rejection refusal = commands.isEmpty() ? ProposeResult.Rejection.EMPTY
                : leader != null || lead == NONE ? ProposeResult.Rejection.NOT_LEADER
                : bytes > config.messageBytesMax ? ProposeResult.Rejection.TOO_LARGE
                : forwardedProposals.size() >= config.forwardsMax ? ProposeResult.Rejection.OVERLOADED : null;
        if (refusal != null) {
            forwardResults.add(ForwardResult.refused(requestId, refusal, leader != null ? id : lead));
            return;
        }
        if (nextForwardContext == 0) {
            nextForwardContext = ((long) random.nextInt(Integer.MAX_VALUE) << 31) + 1; // as for reads
        }
        long context = nextForwardContext++;
        forwardedProposals.put(context, new long[] {requestId, term, lead, tickCount});
        send(Message.forward(id, lead, term, context, commands));
    }

    /**
     * Proposes a membership change (leader only). Refused while another change has not committed, before an
     * entry of this leader's term has committed, during a transfer, or when a promoted learner has not caught
     * up; {@link ProposeResult#detail()} says why.
     */
    public ProposeResult proposeConfigChange(ConfigChange change) {
        activity();
        if (leader == null) {
            return ProposeResult.rejected(ProposeResult.Rejection.NOT_LEADER, lead);
        }
        return leader.proposeConfigChange(change);
    }

    /** Leaves the current joint configuration (needed only for changes made with an explicit leave). */
    public ProposeResult proposeLeaveJoint() {
        activity();
        if (leader == null) {
            return ProposeResult.rejected(ProposeResult.Rejection.NOT_LEADER, lead);
        }
        return leader.proposeLeaveJoint();
    }

    /**
     * Hands leadership to voter {@code to} (thesis §3.10): once it holds every entry it is told to campaign at
     * once. Proposals are refused meanwhile; the transfer is abandoned after an election timeout.
     */
    public TransferResult transferLeadership(long to) {
        activity();
        return leader == null ? TransferResult.NOT_LEADER : leader.transferLeadership(to);
    }

    /**
     * Asks for a read index for request {@code requestId} (unique among this member's pending reads). The answer
     * comes as a {@link ReadState} in a later {@link Ready}: on a leader after a heartbeat round (or at once
     * under a valid lease), on a follower after the leader answers; refused when no leader is known. No log
     * entry is written.
     */
    public void readIndex(long requestId) {
        activity();
        if (leader != null) {
            leader.readIndex(requestId, id);
        } else if (lead == NONE) {
            readStates.add(ReadState.rejected(requestId, "no leader is known"));
        } else if (forwardedReads.size() >= config.readRequestsMax) {
            readStates.add(ReadState.rejected(requestId, "too many reads forwarded (" + config.readRequestsMax + ")"));
        } else {
            if (nextReadContext == 0) {
                nextReadContext = ((long) random.nextInt(Integer.MAX_VALUE) << 31) + 1; // first forwarded read
            }
            long context = nextReadContext++;
            forwardedReads.put(context, new long[] {requestId, term, lead, tickCount});
            send(Message.readIndex(id, lead, term, context));
        }
    }

    /**
     * The runtime's write of entries up to {@code (index, term)} is durable. On a leader this counts towards
     * the quorum and may commit entries; on any member it lets those entries be applied.
     */
    public void persisted(long index, long entryTerm) {
        log.stableTo(index, entryTerm);
        if (leader != null) {
            leader.persisted();
        }
    }

    /**
     * The runtime holds a durable snapshot of its state machine as of {@code snapshot} (normally the one a
     * {@link Ready#snapshotRequest} asked for): the log below it, less a tail kept for slightly lagging
     * followers, is dropped.
     */
    public void snapshotTaken(SnapshotMeta snapshot) {
        Invariants.check(snapshot.index() <= log.applying(), "snapshot at %d is beyond the applied index %d",
                snapshot.index(), log.applying());
        Invariants.check(log.term(snapshot.index()) == snapshot.term() || snapshot.index() <= log.snapshotIndex(),
                "snapshot %d/%d does not match the log", snapshot.term(), snapshot.index());
        if (snapshotRequested != 0 && snapshot.index() >= snapshotRequested) {
            snapshotRequested = 0;
        }
        if (latestSnapshot != null && snapshot.index() <= latestSnapshot.index()) {
            return;
        }
        latestSnapshot = snapshot;
        long compactTo = snapshot.index() - config.snapshotRetainEntries;
        if (compactTo > log.snapshotIndex()) {
            trace("compact the log up to %d (snapshot at %d, keeping %d entries)", compactTo, snapshot.index(),
                    config.snapshotRetainEntries);
            log.compact(compactTo);
            Map.Entry<Long, Configuration> base = configHistory.floorEntry(compactTo);
            configHistory.headMap(compactTo, true).clear();
            configHistory.put(compactTo, base.getValue());
        }
    }

    /** The runtime's stream of a snapshot to {@code to} finished ({@code delivered}) or failed. */
    public void reportSnapshot(long to, boolean delivered) {
        if (leader != null) {
            leader.reportSnapshot(to, delivered);
        }
    }

    /** Handles one message from another member. */
    public void step(Message m) {
        Invariants.check(m.to() == id, "message for %d delivered to %d", m.to(), id);
        if (m.type() != MessageType.QUIESCE && !(leader != null && isAnswerToLeader(m))) {
            idleTicks = 0;
            if (quiesced) {
                wake("a " + m.type() + " from " + idString(m.from()), false);
            }
        }
        if (m.term() > term) {
            if (!onHigherTerm(m)) {
                return;
            }
        } else if (m.term() < term) {
            onLowerTerm(m);
            return;
        }
        switch (m.type()) {
            case PRE_VOTE, VOTE -> onVoteRequest(m);
            default -> {
                if (leader != null) {
                    leader.step(m);
                } else if (role == Role.FOLLOWER) {
                    stepFollower(m);
                } else {
                    stepCandidate(m);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Output
    // ---------------------------------------------------------------------------------------------------

    /** Whether {@link #ready()} would return anything. */
    public boolean hasReady() {
        return log.hasUnstable() || !messages.isEmpty() || !messagesAfterPersist.isEmpty()
                || log.hasNextCommitted() || !readStates.isEmpty() || !forwardResults.isEmpty()
                || snapshotToInstall != null
                || !hardState().equals(lastHardState) || !softState().equals(lastSoftState)
                || (leader != null && leader.hasWorkToFlush()) || snapshotDue();
    }

    /** Everything to write, send, apply and answer since the last call; see {@link Ready} for the contract. */
    public Ready ready() {
        if (leader != null) {
            leader.flush();
        }
        HardState hs = hardState();
        HardState hsOut = hs.equals(lastHardState) ? null : hs;
        lastHardState = hs;
        SoftState ss = softState();
        SoftState ssOut = ss.equals(lastSoftState) ? null : ss;
        lastSoftState = ss;
        List<Entry> committed = log.takeNextCommitted(config.applyBatchBytesMax);
        Ready r = new Ready(hsOut, log.takeUnstable(), messages, messagesAfterPersist, committed, readStates,
                forwardResults, ssOut, snapshotToInstall, snapshotDue() ? requestSnapshot() : null);
        messages = new ArrayList<>();
        messagesAfterPersist = new ArrayList<>();
        readStates = new ArrayList<>();
        if (!forwardResults.isEmpty()) {
            forwardResults = new ArrayList<>();
        }
        snapshotToInstall = null;
        return r;
    }

    private boolean snapshotDue() {
        long since = latestSnapshot == null ? 0 : latestSnapshot.index();
        return config.snapshotThresholdEntries > 0 && snapshotRequested == 0
                && log.applying() - since >= config.snapshotThresholdEntries;
    }

    private SnapshotMeta requestSnapshot() {
        long index = log.applying();
        snapshotRequested = index;
        tracer.event(id, RaftEvent.SNAPSHOT_REQUESTED);
        trace("request a snapshot at %d (%d entries applied since the last)", index,
                index - (latestSnapshot == null ? 0 : latestSnapshot.index()));
        return new SnapshotMeta(index, log.term(index), configurationAt(index));
    }

    // ---------------------------------------------------------------------------------------------------
    // Term rules shared by every role
    // ---------------------------------------------------------------------------------------------------

    /**
     * §5.1: a message with a higher term makes us a follower of that term, except where thesis §9.6 (pre-vote)
     * and §6.2 (check-quorum leases) say otherwise. Returns false if the message is to be dropped.
     */
    private boolean onHigherTerm(Message m) {
        boolean voteRequest = m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE;
        boolean transfer = m.type() == MessageType.VOTE && m.context() == Message.CAMPAIGN_TRANSFER;
        if (voteRequest && !transfer && inLease()) {
            if (tracing()) {
                trace("ignore %s from %s at term %d: leader %s was heard from %d ticks ago (lease of %d ticks)",
                        m.type(), idString(m.from()), m.term(), idString(lead), electionElapsed,
                        config.electionTicks);
            }
            countNonMemberCampaign(m);
            return false;
        }
        if (m.type() == MessageType.PRE_VOTE) {
            return true; // thesis §9.6: a pre-vote request never changes our term
        }
        if (m.type() == MessageType.PRE_VOTE_RESPONSE && !m.reject()) {
            return true; // a granted pre-vote carries the term we will campaign in, not a newer leader's term
        }
        boolean fromLeader = m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT
                || m.type() == MessageType.SNAPSHOT || m.type() == MessageType.QUIESCE;
        if (tracing()) {
            trace("%s from %s has term %d > our %d: become follower", m.type(), idString(m.from()), m.term(), term);
        }
        becomeFollower(m.term(), fromLeader ? m.from() : NONE);
        return true;
    }

    /** §5.1: a message with a lower term is stale; some are answered so that their sender learns our term. */
    private void onLowerTerm(Message m) {
        boolean fromLeader = m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT
                || m.type() == MessageType.QUIESCE;
        if (fromLeader && (config.checkQuorum || config.preVote)) {
            // A stale leader that cannot reach a quorum would otherwise never learn the new term: with pre-vote
            // or check-quorum our higher term might not come back to it through a vote request (thesis §9.6).
            send(Message.appendAccepted(id, m.from(), term, 0));
        } else if (m.type() == MessageType.PRE_VOTE) {
            if (tracing()) {
                trace("reject pre-vote from %s: its term %d is below ours %d", idString(m.from()), m.term(), term);
            }
            tracer.event(id, RaftEvent.PRE_VOTE_REJECTED);
            countNonMemberCampaign(m);
            send(Message.voteResponse(MessageType.PRE_VOTE_RESPONSE, id, m.from(), term, true));
        } else if (tracing()) {
            trace("ignore %s from %s: its term %d is below ours %d", m.type(), idString(m.from()), m.term(), term);
        }
    }

    /**
     * §6.2: while a follower hears from a leader, it ignores candidates (check-quorum keeps this safe). With lease
     * reads the promise is counted from the last contact with any leader, whatever happened to the term or the
     * known leader since, and a restart starts inside it (thesis §4.2.3 measures it the same way).
     */
    private boolean inLease() {
        if (!config.checkQuorum) {
            return false;
        }
        if (config.readMode == ReadMode.LEASE) {
            return leaderContactElapsed < config.electionTicks;
        }
        return lead != NONE && electionElapsed < config.electionTicks;
    }

    /** §5.2, §5.4.1, thesis §9.6: grant a (pre-)vote to a candidate whose log is at least as up to date. */
    private void onVoteRequest(Message m) {
        boolean preVote = m.type() == MessageType.PRE_VOTE;
        boolean transfer = m.type() == MessageType.VOTE && m.context() == Message.CAMPAIGN_TRANSFER;
        if (!preVote && !transfer && config.readMode == ReadMode.LEASE && inLease() && vote != m.from()) {
            // Thesis §6.4.1: the lease promise holds for a vote of any term. A stale message of a higher term can
            // move us to that term without a vote; the candidate's request then arrives in our term, and granting
            // it would let a second leader be elected inside the current one's lease (robustness row 35).
            if (tracing()) {
                trace("reject vote from %s at term %d: a leader was heard from %d ticks ago (lease of %d ticks)",
                        idString(m.from()), m.term(), leaderContactElapsed, config.electionTicks);
            }
            countNonMemberCampaign(m);
            send(Message.voteResponse(m.type().voteResponse(), id, m.from(), term, true));
            return;
        }
        boolean canVote = vote == m.from()
                || (vote == NONE && lead == NONE)
                || (preVote && m.term() > term);
        boolean upToDate = log.isUpToDate(m.index(), m.logTerm());
        if (canVote && upToDate) {
            if (tracing()) {
                trace("grant %s to %s at term %d: its last entry %d/%d is at least as new as ours %d/%d",
                        preVote ? "pre-vote" : "vote", idString(m.from()), m.term(), m.logTerm(), m.index(),
                        log.lastTerm(), log.lastIndex());
            }
            send(Message.voteResponse(m.type().voteResponse(), id, m.from(), m.term(), false));
            if (!preVote) {
                electionElapsed = 0;
                vote = m.from();
            }
            return;
        }
        if (tracing()) {
            String why = !canVote
                    ? (vote != NONE ? "we already voted for " + idString(vote) + " in term " + term
                            : "we follow leader " + idString(lead) + " in term " + term)
                    : "our last entry " + log.lastTerm() + "/" + log.lastIndex() + " is newer than its "
                            + m.logTerm() + "/" + m.index();
            trace("reject %s from %s at term %d: %s", preVote ? "pre-vote" : "vote", idString(m.from()), m.term(),
                    why);
        }
        if (preVote) {
            tracer.event(id, RaftEvent.PRE_VOTE_REJECTED);
        }
        countNonMemberCampaign(m);
        send(Message.voteResponse(m.type().voteResponse(), id, m.from(), term, true));
    }

    /** A vote request that was not granted: counted apart when it came from outside our configuration. */
    private void countNonMemberCampaign(Message m) {
        if (!configuration.isMember(m.from())) {
            tracer.event(id, RaftEvent.REMOVED_MEMBER_CAMPAIGN_IGNORED);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Followers
    // ---------------------------------------------------------------------------------------------------

    private void stepFollower(Message m) {
        switch (m.type()) {
            case APPEND -> {
                heardFromLeader(m.from());
                onAppend(m);
            }
            case HEARTBEAT -> {
                heardFromLeader(m.from());
                onHeartbeat(m);
            }
            case SNAPSHOT -> {
                heardFromLeader(m.from());
                onSnapshot(m);
            }
            case TIMEOUT_NOW -> onTimeoutNow(m);
            case QUIESCE -> {
                heardFromLeader(m.from());
                onQuiesce(m);
            }
            case READ_INDEX -> send(Message.readIndexResponse(id, m.from(), term, m.context(), 0, true));
            case READ_INDEX_RESPONSE -> onReadIndexResponse(m);
            case FORWARD -> refuseForward(m);
            case FORWARD_RESPONSE -> onForwardResponse(m);
            default -> {
                if (tracing()) {
                    trace("follower ignores %s", m);
                }
            }
        }
    }

    private void heardFromLeader(long from) {
        electionElapsed = 0;
        leaderContactElapsed = 0;
        lead = from;
    }

    /** §5.3: AppendEntries. Reply false if the log has no entry at prevLogIndex with prevLogTerm. */
    private void onAppend(Message m) {
        if (m.index() < log.committed()) {
            // Everything up to our commit index is final and matches any leader's log (§5.4).
            send(Message.appendAccepted(id, m.from(), term, log.committed()));
            return;
        }
        if (!prevEntryMatches(m)) {
            holdIfEarly(m);
            rejectAppend(m);
            return;
        }
        long lastNew = m.index() + m.entries().size();
        long conflict = log.findConflict(m.entries());
        if (conflict != 0) {
            Invariants.check(conflict > log.committed(), "entry %d conflicts with the committed prefix (commit=%d)",
                    conflict, log.committed());
            List<Entry> fresh = m.entries().subList((int) (conflict - m.index() - 1), m.entries().size());
            long cut = log.append(fresh);
            if (cut > 0) {
                tracer.event(id, RaftEvent.LOG_TRUNCATED);
                if (tracing()) {
                    trace("cut %d conflicting entries from %d on append from leader %s", cut, conflict,
                            idString(m.from()));
                }
            }
            onLogChanged(conflict);
        }
        commitTo(Math.min(m.commit(), lastNew), "append from leader ", m.from());
        send(Message.appendAccepted(id, m.from(), term, lastNew));
        appendHeldAppends();
    }

    /**
     * Keeps an append that follows a gap at the end of our log: its predecessors are most likely still on the
     * network (the leader pipelines a window of appends, and a network that reorders delivers them in any order).
     * It is still rejected as before, so a leader whose earlier appends were lost probes from our hint. Without
     * this, one entry per message over such a network made a follower accept about two entries per window (a
     * chain of arrivals in index order), and a learner that joined thousands of entries behind crawled (robustness
     * row 69). Bounded by the leader's window ({@link RaftConfig#inflightMessagesMax},
     * {@link RaftConfig#inflightBytesMax}); the appends nearest our log are kept.
     */
    private void holdIfEarly(Message m) {
        if (role != Role.FOLLOWER || m.entries().isEmpty() || m.index() <= log.lastIndex()
                || earlyAppends.containsKey(m.index())) {
            return;
        }
        while (!earlyAppends.isEmpty() && (earlyAppends.size() >= config.inflightMessagesMax
                || earlyAppendBytes + m.entriesBytes() > config.inflightBytesMax)) {
            if (earlyAppends.lastKey() < m.index()) {
                return;
            }
            earlyAppendBytes -= earlyAppends.pollLastEntry().getValue().entriesBytes();
        }
        earlyAppends.put(m.index(), m);
        earlyAppendBytes += m.entriesBytes();
    }

    /**
     * Steps the held appends our log now reaches, in index order, as if the network delivered them now (it could
     * have): each is checked (§5.3) and answered as any append.
     */
    private void appendHeldAppends() {
        if (drainingEarlyAppends) {
            return;
        }
        drainingEarlyAppends = true;
        try {
            while (!earlyAppends.isEmpty() && earlyAppends.firstKey() <= log.lastIndex() && role == Role.FOLLOWER) {
                Message held = earlyAppends.pollFirstEntry().getValue();
                earlyAppendBytes -= held.entriesBytes();
                if (held.term() == term) {
                    onAppend(held);
                }
            }
        } finally {
            drainingEarlyAppends = false;
        }
    }

    private void dropHeldAppends() {
        earlyAppends.clear();
        earlyAppendBytes = 0;
    }

    private boolean prevEntryMatches(Message m) {
        if (log.matchTerm(m.index(), m.logTerm())) {
            return true;
        }
        // Injected bug: accept whatever entry we hold at prevLogIndex (we cannot append past a gap).
        return config.bug(InjectedBug.SKIP_LOG_CHECK) && m.index() <= log.lastIndex()
                && m.index() >= log.snapshotIndex();
    }

    /**
     * Rejects an AppendEntries with a hint for fast back-off: the last index at or before prevLogIndex whose
     * term is at most prevLogTerm, so the leader can skip a whole conflicting term in one round trip.
     */
    private void rejectAppend(Message m) {
        long hintIndex = log.findConflictByTerm(Math.min(m.index(), log.lastIndex()), m.logTerm());
        long hintTerm = log.term(hintIndex);
        if (tracing()) {
            trace("reject append from %s: no entry %d/%d (our term there is %d, last index %d); hint %d/%d",
                    idString(m.from()), m.logTerm(), m.index(), log.term(m.index()), log.lastIndex(), hintTerm,
                    hintIndex);
        }
        send(Message.appendRejected(id, m.from(), term, m.index(), hintIndex, hintTerm));
    }

    /**
     * The leader's group is quiet. Sleep only if our log ends where the leader's does (everything committed);
     * otherwise stay awake: our election timer will, at worst, wake the leader with a pre-vote.
     */
    private void onQuiesce(Message m) {
        if (log.lastIndex() != m.index() || log.lastTerm() != m.logTerm()) {
            trace("stay awake: leader %s quiesced at %d/%d but our log ends at %d/%d", idString(m.from()),
                    m.logTerm(), m.index(), log.lastTerm(), log.lastIndex());
            return;
        }
        commitTo(Math.min(m.commit(), log.lastIndex()), "quiesce from leader ", m.from());
        quiesced = true;
        trace("quiesce with leader %s at %d", idString(m.from()), m.index());
    }

    private void onHeartbeat(Message m) {
        // The leader sends min(our match, its commit), so this never points past our matching prefix, unless this
        // member lost entries it acknowledged (its storage was wiped or lost synced data): say so, loudly.
        if (m.commit() > log.lastIndex()) {
            tracer.event(id, RaftEvent.ACKNOWLEDGED_ENTRIES_MISSING);
            if (tracing()) {
                trace("leader %s says we hold entries up to %d, but our log ends at %d: acknowledged entries are"
                        + " missing", idString(m.from()), m.commit(), log.lastIndex());
            }
        }
        commitTo(Math.min(m.commit(), log.lastIndex()), "heartbeat from leader ", m.from());
        send(Message.heartbeatResponse(id, m.from(), term, m.context()));
    }

    /** InstallSnapshot (§7): replace the log by the snapshot unless we already hold what it covers. */
    private void onSnapshot(Message m) {
        SnapshotMeta s = m.snapshot();
        if (s.index() <= log.committed()) {
            send(Message.appendAccepted(id, m.from(), term, log.committed()));
            return;
        }
        if (log.matchTerm(s.index(), s.term())) {
            // Our log already holds the snapshot's last entry, so everything before it matches too.
            commitTo(s.index(), "snapshot from leader ", m.from());
            send(Message.appendAccepted(id, m.from(), term, s.index()));
            return;
        }
        trace("install %s from leader %s, replacing our log (last %d, commit %d)", s, idString(m.from()),
                log.lastIndex(), log.committed());
        tracer.event(id, RaftEvent.SNAPSHOT_INSTALLED);
        log.restore(s.index(), s.term());
        dropHeldAppends();
        latestSnapshot = s;
        snapshotRequested = 0;
        configHistory.clear();
        configHistory.put(s.index(), s.configuration());
        takeEffect(s.configuration());
        snapshotToInstall = s;
        send(Message.appendAccepted(id, m.from(), term, s.index()));
    }

    /** Thesis §3.10: the leader hands leadership to us; campaign now, even inside its lease. */
    private void onTimeoutNow(Message m) {
        if (!configuration.isVoter(id)) {
            trace("ignore TimeoutNow from %s: we do not vote", idString(m.from()));
            return;
        }
        trace("TimeoutNow from leader %s: campaign at once for term %d", idString(m.from()), term + 1);
        becomeCandidate(true);
    }

    private void onReadIndexResponse(Message m) {
        long[] asked = forwardedReads.get(m.context());
        if (asked == null || asked[1] != m.term() || asked[2] != m.from()) {
            trace("ignore read answer %d from %s: no such read is pending with it in term %d", m.context(),
                    idString(m.from()), m.term());
            return;
        }
        forwardedReads.remove(m.context());
        long requestId = asked[0];
        if (m.reject()) {
            readStates.add(ReadState.rejected(requestId, "leader " + idString(m.from()) + " refused the read"));
        } else {
            tracer.event(id, RaftEvent.READ_INDEX_SERVED);
            readStates.add(ReadState.served(requestId, m.index()));
        }
    }

    /**
     * A FORWARD reached a member that does not lead. Its refusal tells the asker "certainly not appended", which
     * is true only if this member never led in this term: one that led and stepped down (check-quorum, a restart)
     * may have appended an earlier copy of the same FORWARD, and no longer remembers (decision 0013). A member
     * that voted for itself in this term may have led in it; it answers "outcome unknown" instead.
     */
    private void refuseForward(Message m) {
        if (m.term() == term && vote == id && !config.bug(InjectedBug.FORWARD_TWICE)) {
            trace("forwarded proposal %d of %s: we may have led in term %d and no longer do; outcome unknown to it",
                    m.context(), idString(m.from()), term);
            send(Message.forwardOutcomeUnknown(id, m.from(), term, m.context()));
            return;
        }
        send(Message.forwardRefused(id, m.from(), term, m.context(), ProposeResult.Rejection.NOT_LEADER, lead));
    }

    private void onForwardResponse(Message m) {
        long[] asked = forwardedProposals.get(m.context());
        if (asked == null || asked[1] != m.term() || asked[2] != m.from()) {
            trace("ignore forward answer %d from %s: no such proposal is pending with it in term %d", m.context(),
                    idString(m.from()), m.term());
            return;
        }
        forwardedProposals.remove(m.context());
        ProposeResult.Rejection[] reasons = ProposeResult.Rejection.values();
        if (!m.reject()) {
            forwardResults.add(ForwardResult.accepted(asked[0], m.index(), m.logTerm()));
        } else if (m.rejectHint() >= 0 && m.rejectHint() < reasons.length) {
            forwardResults.add(ForwardResult.refused(asked[0], reasons[(int) m.rejectHint()], m.commit()));
        } else {
            // the leader cannot tell (Message.FORWARD_OUTCOME_UNKNOWN), or a refusal we cannot read: assume nothing
            tracer.event(id, RaftEvent.FORWARD_OUTCOME_UNKNOWN);
            forwardResults.add(ForwardResult.unknown(asked[0]));
        }
    }

    /** Forwarded requests unanswered for two election timeouts: reads refused, proposals of unknown outcome. */
    private void expireForwarded() {
        long deadline = tickCount - 2L * config.electionTicks;
        forwardedProposals.values().removeIf(asked -> {
            if (asked[3] > deadline) {
                return false;
            }
            forwardResults.add(ForwardResult.unknown(asked[0]));
            tracer.event(id, RaftEvent.FORWARD_OUTCOME_UNKNOWN);
            return true;
        });
        forwardedReads.values().removeIf(asked -> {
            if (asked.length < 4 || asked[3] > deadline) {
                return false;
            }
            readStates.add(ReadState.rejected(asked[0], "no answer from leader " + idString(asked[2]) + " in "
                    + 2 * config.electionTicks + " ticks"));
            return true;
        });
    }

    private void commitTo(long index, String cause, long from) {
        if (index > log.committed()) {
            if (tracing()) {
                trace("commit %d (was %d) on %s%s", index, log.committed(), cause, idString(from));
            }
            commitTo(index);
        }
    }

    /** Moves the commit index; a leader learns that a configuration it depends on has committed. */
    void commitTo(long index) {
        log.commitTo(index);
        if (leader != null && configHistory.lastKey() <= log.committed()) {
            leader.onConfigurationCommitted(configuration);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Configurations (thesis §4.1: the latest in the log is in effect)
    // ---------------------------------------------------------------------------------------------------

    /** Entries from {@code firstChanged} on were replaced or added: update the configurations they carry. */
    private void onLogChanged(long firstChanged) {
        boolean changed = !configHistory.tailMap(firstChanged, true).isEmpty();
        configHistory.tailMap(firstChanged, true).clear();
        changed |= recordConfigurations(firstChanged, log.lastIndex());
        if (changed) {
            takeEffect(configHistory.lastEntry().getValue());
        }
    }

    /** Records the configuration entries in {@code [from, to]}; returns whether there were any. */
    private boolean recordConfigurations(long from, long to) {
        boolean any = false;
        for (long i = Math.max(from, log.snapshotIndex() + 1); i <= to; i++) {
            Entry e = log.entry(i);
            if (e.type() == EntryType.CONFIG) {
                configHistory.put(i, Configuration.decode(e.data()));
                any = true;
            }
        }
        return any;
    }

    /** The leader appended a configuration entry at {@code index}: it is in effect at once. */
    void onLeaderAppendedConfiguration(long index, Configuration next) {
        configHistory.put(index, next);
        takeEffect(next);
    }

    private void takeEffect(Configuration next) {
        Configuration previous = configuration;
        if (next.equals(previous)) {
            return;
        }
        configuration = next;
        quorum = new JointConfig(next.voters(), next.outgoing());
        tracer.event(id, RaftEvent.CONFIG_APPLIED);
        trace("configuration %s is now in effect (was %s)", next, previous);
        if (previous.isLearner(id) && next.isVoter(id)) {
            tracer.event(id, RaftEvent.LEARNER_PROMOTED);
        }
        if (leader != null) {
            leader.onConfigurationChanged(next);
        }
    }

    private Configuration configurationAt(long index) {
        return configHistory.floorEntry(index).getValue();
    }

    /** The index of the entry that brought the configuration in effect (0 for the bootstrap one). */
    long configurationIndex() {
        return configHistory.lastKey();
    }

    // ---------------------------------------------------------------------------------------------------
    // Candidates
    // ---------------------------------------------------------------------------------------------------

    private void tickElection() {
        electionElapsed++;
        if (electionElapsed >= randomizedElectionTimeout && configuration.isVoter(id)) {
            if (tracing()) {
                trace("election timeout after %d ticks in term %d as %s", electionElapsed, term, role);
            }
            campaign();
        }
    }

    private void stepCandidate(Message m) {
        MessageType ourResponses = role == Role.PRE_CANDIDATE
                ? MessageType.PRE_VOTE_RESPONSE : MessageType.VOTE_RESPONSE;
        switch (m.type()) {
            case APPEND -> {
                becomeFollower(m.term(), m.from());
                heardFromLeader(m.from());
                onAppend(m);
            }
            case HEARTBEAT -> {
                becomeFollower(m.term(), m.from());
                heardFromLeader(m.from());
                onHeartbeat(m);
            }
            case SNAPSHOT -> {
                becomeFollower(m.term(), m.from());
                heardFromLeader(m.from());
                onSnapshot(m);
            }
            case QUIESCE -> {
                becomeFollower(m.term(), m.from());
                heardFromLeader(m.from());
                onQuiesce(m);
            }
            case READ_INDEX -> send(Message.readIndexResponse(id, m.from(), term, m.context(), 0, true));
            case FORWARD -> refuseForward(m);
            default -> {
                if (m.type() == ourResponses) {
                    onVoteResponse(m);
                }
            }
        }
    }

    private void onVoteResponse(Message m) {
        votes.putIfAbsent(m.from(), !m.reject());
        VoteResult result = quorum.voteResult(v -> {
            Boolean granted = votes.get(v);
            return granted == null ? -1 : (granted ? 1 : 0);
        });
        if (tracing()) {
            trace("%s %s from %s: votes %s -> %s", role == Role.PRE_CANDIDATE ? "pre-vote" : "vote",
                    m.reject() ? "refused" : "granted", idString(m.from()), votes, result);
        }
        onElectionResult(result);
    }

    private void onElectionResult(VoteResult result) {
        if (result == VoteResult.WON) {
            if (role == Role.PRE_CANDIDATE) {
                becomeCandidate(false);
            } else {
                becomeLeader();
            }
        } else if (result == VoteResult.LOST) {
            becomeFollower(term, NONE);
        }
    }

    private void becomePreCandidate() {
        role = Role.PRE_CANDIDATE;
        lead = NONE;
        votes.clear();
        electionElapsed = 0;
        resetRandomizedElectionTimeout();
        if (tracing()) {
            trace("start pre-vote for term %d with last entry %d/%d", term + 1, log.lastTerm(), log.lastIndex());
        }
        requestVotes(MessageType.PRE_VOTE, term + 1, false);
    }

    private void becomeCandidate(boolean forTransfer) {
        term++;
        vote = id;
        role = Role.CANDIDATE;
        lead = NONE;
        votes.clear();
        electionElapsed = 0;
        campaignForTransfer = forTransfer;
        resetRandomizedElectionTimeout();
        if (tracing()) {
            trace("start election for term %d with last entry %d/%d", term, log.lastTerm(), log.lastIndex());
        }
        requestVotes(MessageType.VOTE, term, forTransfer);
    }

    private void requestVotes(MessageType type, long electionTerm, boolean forTransfer) {
        votes.put(id, true);
        VoteResult result = quorum.voteResult(v -> v == id ? 1 : -1);
        if (result == VoteResult.WON) {
            onElectionResult(result); // a group of one
            return;
        }
        for (long v : votersOf(configuration)) {
            if (v != id) {
                send(forTransfer ? Message.transferVoteRequest(id, v, electionTerm, log.lastTerm(), log.lastIndex())
                        : Message.voteRequest(type, id, v, electionTerm, log.lastTerm(), log.lastIndex()));
            }
        }
    }

    private static long[] votersOf(Configuration c) {
        return java.util.stream.LongStream.concat(java.util.stream.LongStream.of(c.voters()),
                java.util.stream.LongStream.of(c.outgoing())).distinct().sorted().toArray();
    }

    // ---------------------------------------------------------------------------------------------------
    // Leaders
    // ---------------------------------------------------------------------------------------------------

    private void becomeLeader() {
        Invariants.check(role == Role.CANDIDATE, "only a candidate can become leader, not a %s", role);
        boolean transfer = campaignForTransfer;
        reset(term);
        role = Role.LEADER;
        lead = id;
        leader = new Leader(this, lastHeartbeatRound);
        tracer.event(id, RaftEvent.LEADER_ELECTED);
        if (transfer) {
            tracer.event(id, RaftEvent.TRANSFER_COMPLETED);
        }
        if (tracing()) {
            trace("became leader of term %d; appended no-op at %d", term, log.lastIndex());
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        boolean checkQuorumRound = electionElapsed >= config.electionTicks;
        if (checkQuorumRound) {
            electionElapsed = 0;
        }
        if (!leader.tick(checkQuorumRound)) {
            return;
        }
        if (heartbeatElapsed >= config.heartbeatTicks) {
            heartbeatElapsed = 0;
            leader.broadcastHeartbeat();
        }
        if (config.quiesceTicks > 0 && ++idleTicks >= config.quiesceTicks) {
            if (leader.quiet()) {
                quiesced = true;
                tracer.event(id, RaftEvent.QUIESCED);
                trace("quiesce: no activity for %d ticks and every member holds %d, all committed", idleTicks,
                        log.lastIndex());
                leader.broadcastQuiesce();
            } else {
                idleTicks = 0;
            }
        }
    }

    /** A heartbeat's or an append's answer: the leader's own traffic coming back, not activity. */
    private static boolean isAnswerToLeader(Message m) {
        return m.type() == MessageType.HEARTBEAT_RESPONSE || m.type() == MessageType.APPEND_RESPONSE;
    }

    /** A proposal, read, change or campaign here: activity that keeps (or makes) the group awake. */
    private void activity() {
        idleTicks = 0;
        if (quiesced) {
            wake("a local request", true);
        }
    }

    /**
     * Leaves quiescence with fresh timers. A leader sends a heartbeat round at once (waking its followers) and
     * forgets its lease (its tick clock stood still, so no earlier round may vouch for now); a follower woken by
     * a local request tells its leader, which may still be asleep, so that heartbeats resume before its election
     * timer (which counts from now) runs out.
     */
    private void wake(String why, boolean local) {
        quiesced = false;
        idleTicks = 0;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        tracer.event(id, RaftEvent.WOKE);
        trace("wake up: %s", why);
        if (leader != null) {
            leader.wake();
        } else if (local && lead != NONE) {
            send(Message.wake(id, lead, term));
        }
    }

    /** Whether this member is quiesced (its ticks do nothing until something wakes it). */
    public boolean quiesced() {
        return quiesced;
    }

    /** The leader steps down within its term (check-quorum, or removed from the configuration). */
    void stepDown() {
        becomeFollower(term, NONE);
    }

    // ---------------------------------------------------------------------------------------------------
    // Role changes and helpers
    // ---------------------------------------------------------------------------------------------------

    private void becomeFollower(long newTerm, long newLeader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        lead = newLeader;
    }

    /** Leaves the current role: new term (vote cleared) if it changes, timers restarted, leader state dropped. */
    private void reset(long newTerm) {
        if (newTerm != term) {
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        dropHeldAppends();
        electionElapsed = 0;
        heartbeatElapsed = 0;
        quiesced = false;
        idleTicks = 0;
        resetRandomizedElectionTimeout();
        votes.clear();
        campaignForTransfer = false;
        for (long[] asked : forwardedReads.values()) {
            readStates.add(ReadState.rejected(asked[0], "leader " + idString(asked[2]) + " of term " + asked[1]
                    + " is no longer followed"));
        }
        forwardedReads.clear();
        for (long[] asked : forwardedProposals.values()) {
            forwardResults.add(ForwardResult.unknown(asked[0])); // the old leader may have appended it
            tracer.event(id, RaftEvent.FORWARD_OUTCOME_UNKNOWN);
        }
        forwardedProposals.clear();
        if (leader != null) {
            lastHeartbeatRound = leader.heartbeatRound();
            Leader ending = leader;
            leader = null;
            ending.end();
        }
    }

    private void resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = config.electionTicks + random.nextInt(config.electionTicks);
    }

    /**
     * Queues a message. Messages that promise something about our durable state (a vote, a candidate's own
     * vote, an acknowledgement or rejection of entries) wait until the {@link Ready}'s write is durable; the
     * rest may leave at once.
     */
    void send(Message m) {
        boolean afterPersist = switch (m.type()) {
            case VOTE, VOTE_RESPONSE -> !config.bug(InjectedBug.VOTE_NOT_PERSISTED);
            case APPEND_RESPONSE -> !config.bug(InjectedBug.ACK_BEFORE_DURABLE);
            // A heartbeat response only says "I have seen no higher term", true whether or not our state is
            // durable, so it need not wait for the disk: ReadIndex rounds then cost no follower fsync.
            default -> false;
        };
        (afterPersist ? messagesAfterPersist : messages).add(m);
    }

    void addReadState(ReadState s) {
        readStates.add(s);
    }

    private HardState hardState() {
        return new HardState(term, vote, log.committed());
    }

    private SoftState softState() {
        return new SoftState(lead, role, term);
    }

    boolean tracing() {
        return tracer.enabled();
    }

    /** One decision and its reason, formatted only when tracing is on. */
    void trace(String format, Object... args) {
        if (tracer.enabled()) {
            tracer.trace(id, String.format(format, args));
        }
    }

    Tracer tracer() {
        return tracer;
    }

    Leader leaderRole() {
        return leader;
    }

    JointConfig quorum() {
        return quorum;
    }

    SnapshotMeta latestSnapshot() {
        return latestSnapshot;
    }

    /** How member ids are printed: the number, or "none". */
    public static String idString(long id) {
        return id == NONE ? "none" : Long.toString(id);
    }

    // ---------------------------------------------------------------------------------------------------
    // Read-only views (for the runtime, tests and the simulator's checks)
    // ---------------------------------------------------------------------------------------------------

    public long id() {
        return id;
    }

    public long term() {
        return term;
    }

    public long vote() {
        return vote;
    }

    /** The leader this member knows of, or {@link #NONE}. */
    public long leader() {
        return lead;
    }

    public Role role() {
        return role;
    }

    public RaftConfig config() {
        return config;
    }

    /** The configuration in effect: the latest in this member's log, committed or not (thesis §4.1). */
    public Configuration configuration() {
        return configuration;
    }

    /** The in-memory log; callers must not modify it. */
    public RaftLog log() {
        return log;
    }

    /** The leader's view of member {@code peer}, or null when not leader or not a member. */
    public Progress progressOf(long peer) {
        return leader == null ? null : leader.progressOf(peer);
    }

    /** The member a leadership transfer is under way to, or {@link #NONE}. */
    public long transferee() {
        return leader == null ? NONE : leader.transferee();
    }

    /** The voters of the configuration in effect (both halves during joint consensus). */
    public long[] voters() {
        return votersOf(configuration);
    }
}
