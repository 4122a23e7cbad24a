package io.cairn.raft.core;

import io.cairn.raft.core.log.RaftLog;
import io.cairn.raft.core.progress.Progress;
import io.cairn.raft.core.progress.ProgressState;
import io.cairn.raft.core.progress.ProgressTracker;
import io.cairn.raft.core.quorum.MajorityConfig;
import io.cairn.raft.core.quorum.VoteResult;
import io.cairn.raft.core.read.ReadRequests;
import java.util.ArrayList;
import java.util.List;

/**
 * One member of a Raft group, as a pure, deterministic state machine.
 *
 * <p>Inputs: {@link #tick()}, {@link #step(Message)}, {@link #propose}, {@link #readIndex(long)},
 * {@link #campaign()}, and {@link #persisted(long, long)} when the runtime's write of a {@link Ready}
 * completes. Output: {@link #ready()}, a batch of things to write, send, apply and answer, whose Javadoc
 * states the durability contract. There are no threads, clocks, I/O or unseeded randomness here: given the
 * same inputs and the same {@link RandomSource}, a node does exactly the same thing, which is what lets the
 * simulator replay a failing seed. The node is not thread-safe; exactly one thread (the group's raft thread,
 * or the simulator) owns it.
 *
 * <p>Shape: {@link #step} applies the term rules shared by every role (§5.1 and the pre-vote/check-quorum
 * refinements of thesis §9.6 and §6.2), then hands over to {@code stepLeader}, {@code stepCandidate} or
 * {@code stepFollower}. Handlers are named after the message they handle and start with their guards. Sends
 * to followers are not emitted one by one as events happen: a leader marks which followers need entries and
 * builds the AppendEntries when {@link #ready()} is called, so every proposal that arrived in between rides
 * in the same message (batching costs no added wait).
 *
 * <p>Read first: the Raft paper (§5), Ongaro's thesis (§3, §6, §9, §10.2.1), and etcd's raft package, whose
 * progress and read-only designs this follows. Quorum arithmetic is in {@link MajorityConfig}, per-follower
 * replication state in {@link Progress}, the log's positions in {@link RaftLog}, read rounds in
 * {@link ReadRequests}.
 */
public final class RaftNode {
    /** The id that means "no member" (no vote cast, no known leader). */
    public static final long NONE = 0;

    private final RaftConfig config;
    private final long id;
    private final RandomSource random;
    private final Tracer tracer;
    private final RaftLog log;
    private final MajorityConfig voters;
    private final ReadRequests reads;

    private long term;
    private long vote;
    private long lead = NONE;
    private Role role = Role.FOLLOWER;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;

    /** Votes received in the current election: id to granted; only meaningful while campaigning. */
    private final java.util.TreeMap<Long, Boolean> votes = new java.util.TreeMap<>();
    /** Only meaningful while leader. */
    private ProgressTracker progress;
    /** Bytes of entries this leader appended that are not yet committed. */
    private long uncommittedBytes;
    /** Followers that should get AppendEntries at the next flush, because entries or the commit index moved. */
    private boolean appendPending;
    private boolean commitBroadcastPending;
    /** Individual followers that answered and may take more entries. */
    private final java.util.TreeSet<Long> sendPending = new java.util.TreeSet<>();

    private List<Message> messages = new ArrayList<>();
    private List<Message> messagesAfterPersist = new ArrayList<>();
    private List<ReadState> readStates = new ArrayList<>();
    private HardState lastHardState;
    private SoftState lastSoftState;

    private RaftNode(RaftConfig config, HardState hardState, RaftLog log, RandomSource random, Tracer tracer) {
        this.config = config;
        this.id = config.id;
        this.random = random;
        this.tracer = tracer;
        this.log = log;
        this.voters = new MajorityConfig(config.voters);
        this.reads = new ReadRequests(config.readRequestsMax);
        this.term = hardState.term();
        this.vote = hardState.vote();
        this.lastHardState = hardState;
        log.commitTo(Math.min(hardState.commit(), log.lastIndex()));
        this.lastSoftState = softState();
        resetRandomizedElectionTimeout();
    }

    /** A member of a brand-new group, with an empty log. */
    public static RaftNode create(RaftConfig config, RandomSource random, Tracer tracer) {
        return new RaftNode(config, HardState.EMPTY, RaftLog.empty(), random, tracer);
    }

    /**
     * A member restarted from what its storage holds: the durable hard state, the durable log entries (after
     * an empty snapshot in this version) and the index up to which its state machine has durably applied.
     */
    public static RaftNode restart(RaftConfig config, HardState hardState, List<Entry> durableEntries,
            long appliedIndex, RandomSource random, Tracer tracer) {
        checkRecovered(hardState, durableEntries);
        RaftLog log = new RaftLog(0, 0, durableEntries, hardState.commit(), appliedIndex);
        return new RaftNode(config, hardState, log, random, tracer);
    }

    /**
     * What storage gave back must be a log a member could have written: consecutive indexes from 1, terms never
     * decreasing and never above the durable term (the hard state is written with, or before, the entries
     * that need it). Anything else is a storage bug, and starting on it would spread it.
     */
    private static void checkRecovered(HardState hardState, List<Entry> entries) {
        long prevTerm = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            Invariants.check(e.index() == i + 1, "recovered entry %d is at position %d", e.index(), i + 1);
            Invariants.check(e.term() >= prevTerm, "recovered entry %d has term %d below the previous %d", e.index(),
                    e.term(), prevTerm);
            prevTerm = e.term();
        }
        Invariants.check(prevTerm <= hardState.term(), "recovered log ends in term %d above the durable term %d",
                prevTerm, hardState.term());
    }

    // ---------------------------------------------------------------------------------------------------
    // Inputs
    // ---------------------------------------------------------------------------------------------------

    /** Advances logical time by one tick: elections for followers and candidates, heartbeats for leaders. */
    public void tick() {
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
    }

    /** Starts an election now, as if the election timeout had elapsed (no-op on a leader or a non-voter). */
    public void campaign() {
        if (role == Role.LEADER || !voters.contains(id)) {
            return;
        }
        if (config.preVote) {
            becomePreCandidate();
        } else {
            becomeCandidate();
        }
    }

    /**
     * Appends commands to the log if this member is the leader. Each command becomes one entry; all of them go
     * out together at the next {@link #ready()}.
     */
    public ProposeResult propose(List<byte[]> commands) {
        if (commands.isEmpty()) {
            return ProposeResult.rejected(ProposeResult.Rejection.EMPTY, lead);
        }
        if (role != Role.LEADER) {
            return ProposeResult.rejected(ProposeResult.Rejection.NOT_LEADER, lead);
        }
        long bytes = 0;
        for (int i = 0; i < commands.size(); i++) {
            bytes += (long) commands.get(i).length + Entry.OVERHEAD_BYTES;
        }
        if (uncommittedBytes > 0 && uncommittedBytes + bytes > config.uncommittedBytesMax) {
            tracer.event(id, RaftEvent.PROPOSAL_OVERLOADED);
            return ProposeResult.rejected(ProposeResult.Rejection.OVERLOADED, id);
        }
        long first = log.lastIndex() + 1;
        for (int i = 0; i < commands.size(); i++) {
            log.appendOne(Entry.command(term, first + i, commands.get(i)));
        }
        uncommittedBytes += bytes;
        appendPending = true;
        return ProposeResult.accepted(first, term);
    }

    /** Proposes one command. */
    public ProposeResult propose(byte[] command) {
        return propose(List.of(command));
    }

    /**
     * Asks for a read index for request {@code requestId} (unique among this member's pending reads). The answer
     * comes as a {@link ReadState} in a later {@link Ready}: served on a leader after a heartbeat round, on a
     * follower after the leader answers; refused when no leader is known. No log entry is written.
     */
    public void readIndex(long requestId) {
        if (role == Role.LEADER) {
            onReadRequest(requestId, id);
        } else if (lead != NONE) {
            send(Message.readIndex(id, lead, term, requestId));
        } else {
            readStates.add(ReadState.rejected(requestId, "no leader is known"));
        }
    }

    /**
     * The runtime's write of entries up to {@code (index, term)} is durable. On a leader this counts towards
     * the quorum and may commit entries; on any member it lets those entries be applied.
     */
    public void persisted(long index, long entryTerm) {
        log.stableTo(index, entryTerm);
        if (role == Role.LEADER && maybeCommit()) {
            commitBroadcastPending = true;
        }
    }

    /** Handles one message from another member. */
    public void step(Message m) {
        Invariants.check(m.to() == id, "message for %d delivered to %d", m.to(), id);
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
                switch (role) {
                    case LEADER -> stepLeader(m);
                    case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
                    case FOLLOWER -> stepFollower(m);
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
                || log.hasNextCommitted() || !readStates.isEmpty()
                || !hardState().equals(lastHardState) || !softState().equals(lastSoftState)
                || (role == Role.LEADER && (appendPending || commitBroadcastPending || !sendPending.isEmpty()
                        || reads.hasUnassigned()));
    }

    /** Everything to write, send, apply and answer since the last call; see {@link Ready} for the contract. */
    public Ready ready() {
        if (role == Role.LEADER) {
            flushLeader();
        }
        HardState hs = hardState();
        HardState hsOut = hs.equals(lastHardState) ? null : hs;
        lastHardState = hs;
        SoftState ss = softState();
        SoftState ssOut = ss.equals(lastSoftState) ? null : ss;
        lastSoftState = ss;
        Ready r = new Ready(hsOut, log.takeUnstable(), messages, messagesAfterPersist,
                log.takeNextCommitted(config.applyBatchBytesMax), readStates, ssOut);
        messages = new ArrayList<>();
        messagesAfterPersist = new ArrayList<>();
        readStates = new ArrayList<>();
        return r;
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
        if (voteRequest && inLease()) {
            if (tracing()) {
                trace("ignore %s from %s at term %d: leader %s was heard from %d ticks ago (lease of %d ticks)",
                        m.type(), idString(m.from()), m.term(), idString(lead), electionElapsed,
                        config.electionTicks);
            }
            return false;
        }
        if (m.type() == MessageType.PRE_VOTE) {
            return true; // thesis §9.6: a pre-vote request never changes our term
        }
        if (m.type() == MessageType.PRE_VOTE_RESPONSE && !m.reject()) {
            return true; // a granted pre-vote carries the term we will campaign in, not a newer leader's term
        }
        boolean fromLeader = m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT;
        if (tracing()) {
            trace("%s from %s has term %d > our %d: become follower", m.type(), idString(m.from()), m.term(), term);
        }
        becomeFollower(m.term(), fromLeader ? m.from() : NONE);
        return true;
    }

    /** §5.1: a message with a lower term is stale; some are answered so that their sender learns our term. */
    private void onLowerTerm(Message m) {
        boolean fromLeader = m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT;
        if (fromLeader && (config.checkQuorum || config.preVote)) {
            // A stale leader that cannot reach a quorum would otherwise never learn the new term: with pre-vote
            // or check-quorum our higher term might not come back to it through a vote request (thesis §9.6).
            send(Message.appendAccepted(id, m.from(), term, 0));
        } else if (m.type() == MessageType.PRE_VOTE) {
            if (tracing()) {
                trace("reject pre-vote from %s: its term %d is below ours %d", idString(m.from()), m.term(), term);
            }
            tracer.event(id, RaftEvent.PRE_VOTE_REJECTED);
            send(Message.voteResponse(MessageType.PRE_VOTE_RESPONSE, id, m.from(), term, true));
        } else if (tracing()) {
            trace("ignore %s from %s: its term %d is below ours %d", m.type(), idString(m.from()), m.term(), term);
        }
    }

    /** §6.2: while a follower hears from a leader, it ignores candidates (check-quorum keeps this safe). */
    private boolean inLease() {
        return config.checkQuorum && lead != NONE && electionElapsed < config.electionTicks;
    }

    /** §5.2, §5.4.1, thesis §9.6: grant a (pre-)vote to a candidate whose log is at least as up to date. */
    private void onVoteRequest(Message m) {
        boolean preVote = m.type() == MessageType.PRE_VOTE;
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
        send(Message.voteResponse(m.type().voteResponse(), id, m.from(), term, true));
    }

    // ---------------------------------------------------------------------------------------------------
    // Followers
    // ---------------------------------------------------------------------------------------------------

    private void stepFollower(Message m) {
        switch (m.type()) {
            case APPEND -> {
                electionElapsed = 0;
                lead = m.from();
                onAppend(m);
            }
            case HEARTBEAT -> {
                electionElapsed = 0;
                lead = m.from();
                onHeartbeat(m);
            }
            case READ_INDEX -> send(Message.readIndexResponse(id, m.from(), term, m.context(), 0, true));
            case READ_INDEX_RESPONSE -> onReadIndexResponse(m);
            default -> {
                if (tracing()) {
                    trace("follower ignores %s", m);
                }
            }
        }
    }

    /** §5.3: AppendEntries. Reply false if the log has no entry at prevLogIndex with prevLogTerm. */
    private void onAppend(Message m) {
        if (m.index() < log.committed()) {
            // Everything up to our commit index is final and matches any leader's log (§5.4).
            send(Message.appendAccepted(id, m.from(), term, log.committed()));
            return;
        }
        if (!prevEntryMatches(m)) {
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
        }
        commitTo(Math.min(m.commit(), lastNew), "append from leader " + idString(m.from()));
        send(Message.appendAccepted(id, m.from(), term, lastNew));
    }

    private boolean prevEntryMatches(Message m) {
        if (log.matchTerm(m.index(), m.logTerm())) {
            return true;
        }
        // Injected bug: accept whatever entry we hold at prevLogIndex (we cannot append past a gap).
        return config.bug(InjectedBug.SKIP_LOG_CHECK) && m.index() <= log.lastIndex();
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

    private void onHeartbeat(Message m) {
        // The leader sends min(our match, its commit), so this never points past our matching prefix.
        commitTo(Math.min(m.commit(), log.lastIndex()), "heartbeat from leader " + idString(m.from()));
        send(Message.heartbeatResponse(id, m.from(), term, m.context()));
    }

    private void onReadIndexResponse(Message m) {
        if (m.reject()) {
            readStates.add(ReadState.rejected(m.context(), "leader " + idString(m.from()) + " refused the read"));
        } else {
            tracer.event(id, RaftEvent.READ_INDEX_SERVED);
            readStates.add(ReadState.served(m.context(), m.index()));
        }
    }

    private void commitTo(long index, String cause) {
        if (index > log.committed()) {
            if (tracing()) {
                trace("commit %d (was %d) on %s", index, log.committed(), cause);
            }
            log.commitTo(index);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Candidates
    // ---------------------------------------------------------------------------------------------------

    private void tickElection() {
        electionElapsed++;
        if (electionElapsed >= randomizedElectionTimeout && voters.contains(id)) {
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
                onAppend(m);
            }
            case HEARTBEAT -> {
                becomeFollower(m.term(), m.from());
                onHeartbeat(m);
            }
            case READ_INDEX -> send(Message.readIndexResponse(id, m.from(), term, m.context(), 0, true));
            default -> {
                if (m.type() == ourResponses) {
                    onVoteResponse(m);
                }
            }
        }
    }

    private void onVoteResponse(Message m) {
        votes.putIfAbsent(m.from(), !m.reject());
        VoteResult result = voters.voteResult(v -> {
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
                becomeCandidate();
            } else {
                becomeLeader();
            }
        } else if (result == VoteResult.LOST) {
            becomeFollower(term, NONE);
        }
    }

    private void becomePreCandidate() {
        Invariants.check(role != Role.LEADER, "a leader cannot become a pre-candidate");
        role = Role.PRE_CANDIDATE;
        lead = NONE;
        votes.clear();
        electionElapsed = 0;
        resetRandomizedElectionTimeout();
        if (tracing()) {
            trace("start pre-vote for term %d with last entry %d/%d", term + 1, log.lastTerm(), log.lastIndex());
        }
        requestVotes(MessageType.PRE_VOTE, term + 1);
    }

    private void becomeCandidate() {
        Invariants.check(role != Role.LEADER, "a leader cannot become a candidate");
        term++;
        vote = id;
        role = Role.CANDIDATE;
        lead = NONE;
        votes.clear();
        electionElapsed = 0;
        resetRandomizedElectionTimeout();
        if (tracing()) {
            trace("start election for term %d with last entry %d/%d", term, log.lastTerm(), log.lastIndex());
        }
        requestVotes(MessageType.VOTE, term);
    }

    private void requestVotes(MessageType type, long electionTerm) {
        votes.put(id, true);
        VoteResult result = voters.voteResult(v -> v == id ? 1 : -1);
        if (result == VoteResult.WON) {
            onElectionResult(result); // a group of one
            return;
        }
        for (long v : voters.voters()) {
            if (v != id) {
                send(Message.voteRequest(type, id, v, electionTerm, log.lastTerm(), log.lastIndex()));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Leaders
    // ---------------------------------------------------------------------------------------------------

    private void becomeLeader() {
        Invariants.check(role == Role.CANDIDATE, "only a candidate can become leader, not a %s", role);
        reset(term);
        role = Role.LEADER;
        lead = id;
        progress = new ProgressTracker(voters.voters(), log.lastIndex() + 1, config.inflightMessagesMax,
                config.inflightBytesMax);
        for (int i = 0; i < progress.size(); i++) {
            progress.at(i).setRecentActive(true);
        }
        // Thesis §6.4 / §5.4.2: an entry of our own term must commit before older ones can be known committed.
        Entry noop = Entry.noop(term, log.lastIndex() + 1);
        log.appendOne(noop);
        uncommittedBytes = noop.sizeBytes();
        appendPending = true;
        tracer.event(id, RaftEvent.LEADER_ELECTED);
        if (tracing()) {
            trace("became leader of term %d; appended no-op at %d", term, noop.index());
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTicks) {
            electionElapsed = 0;
            if (config.checkQuorum && !quorumActive()) {
                tracer.event(id, RaftEvent.CHECK_QUORUM_STEP_DOWN);
                if (tracing()) {
                    trace("step down in term %d: no quorum heard from within %d ticks (check-quorum)", term,
                            config.electionTicks);
                }
                becomeFollower(term, NONE);
                return;
            }
            for (int i = 0; i < progress.size(); i++) {
                progress.at(i).setRecentActive(progress.idAt(i) == id);
            }
        }
        if (heartbeatElapsed >= config.heartbeatTicks) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
    }

    private boolean quorumActive() {
        return voters.voteResult(v -> v == id || progress.get(v).recentActive() ? 1 : 0) == VoteResult.WON;
    }

    private void stepLeader(Message m) {
        Progress pr = progress.get(m.from());
        if (pr == null) {
            return;
        }
        switch (m.type()) {
            case APPEND_RESPONSE -> onAppendResponse(m, pr);
            case HEARTBEAT_RESPONSE -> onHeartbeatResponse(m, pr);
            case READ_INDEX -> onReadRequest(m.context(), m.from());
            case APPEND, HEARTBEAT -> {
                // Two leaders in one term would break election safety (§5.2); the simulator's checks catch it.
                if (tracing()) {
                    trace("leader of term %d ignores %s from another leader", term, m.type());
                }
            }
            default -> { }
        }
    }

    private void onAppendResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        if (m.reject()) {
            long probeFrom = m.logTerm() > 0 ? log.findConflictByTerm(m.rejectHint(), m.logTerm()) : m.rejectHint();
            if (pr.maybeDecreaseTo(m.index(), probeFrom)) {
                if (pr.state() == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                if (tracing()) {
                    trace("%s rejected append after %d (hint %d/%d): probe from %d", idString(m.from()), m.index(),
                            m.logTerm(), m.rejectHint(), pr.next());
                }
                sendPending.add(m.from());
            }
            return;
        }
        if (!pr.maybeUpdate(m.index())) {
            return;
        }
        if (pr.state() == ProgressState.PROBE) {
            pr.becomeReplicate();
        } else {
            pr.inflights().freeUpTo(m.index());
        }
        if (maybeCommit()) {
            commitBroadcastPending = true;
        } else if (pr.next() <= log.lastIndex()) {
            sendPending.add(m.from());
        }
    }

    private void onHeartbeatResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        pr.resume();
        if (pr.match() < log.lastIndex()) {
            if (pr.state() == ProgressState.REPLICATE && (pr.isPaused() || pr.next() > log.lastIndex())) {
                // Everything before next was sent but not acknowledged, and nothing new would be sent (the window
                // is full or there is nothing after next): if those appends were lost, the follower would never
                // catch up. An empty append at next-1 makes it acknowledge (freeing the window) or reject (probe).
                long prev = pr.next() - 1;
                send(Message.append(id, m.from(), term, log.term(prev), prev, List.of(), log.committed()));
            } else {
                sendPending.add(m.from());
            }
        }
        if (m.context() > 0) {
            pr.ackReadRound(m.context());
            confirmReads();
        }
    }

    /**
     * §5.3, §5.4.2: advance the commit index to the highest index a quorum has durably, but only if that entry
     * is of our own term (Figure 8: counting replicas never commits an older term's entry by itself).
     */
    private boolean maybeCommit() {
        long selfMatch = config.bug(InjectedBug.ACK_BEFORE_DURABLE) ? log.lastIndex() : log.persisted();
        long index = voters.committedIndex(v -> v == id ? selfMatch : progress.get(v).match());
        if (index <= log.committed()) {
            return false;
        }
        long entryTerm = log.term(index);
        if (entryTerm != term && !config.bug(InjectedBug.COMMIT_OLD_TERM)) {
            if (tracing()) {
                trace("do not commit %d: a quorum has it but its term %d is not ours %d (§5.4.2)", index, entryTerm,
                        term);
            }
            return false;
        }
        if (tracing()) {
            trace("commit %d (was %d): durable on a quorum in term %d", index, log.committed(), entryTerm);
        }
        long before = log.committed();
        boolean ownTermWasCommitted = log.term(before) == term;
        log.commitTo(index);
        for (long i = before + 1; i <= index; i++) {
            Entry e = log.entry(i);
            if (e.term() == term) {
                uncommittedBytes -= e.sizeBytes();
            }
        }
        if (!ownTermWasCommitted && log.term(index) == term) {
            reads.termCommitted();
        }
        return true;
    }

    private void broadcastHeartbeat() {
        long round = reads.latestRound();
        for (int i = 0; i < progress.size(); i++) {
            long to = progress.idAt(i);
            if (to != id) {
                long commit = Math.min(progress.at(i).match(), log.committed());
                send(Message.heartbeat(id, to, term, commit, round));
            }
        }
    }

    /** Builds the AppendEntries and read rounds accumulated since the last {@link #ready()}. */
    private void flushLeader() {
        if (reads.hasUnassigned()) {
            reads.startRound(log.committed());
            broadcastHeartbeat();
        }
        for (int i = 0; i < progress.size(); i++) {
            long to = progress.idAt(i);
            if (to != id && (appendPending || commitBroadcastPending || sendPending.contains(to))) {
                sendAppends(to, progress.at(i), commitBroadcastPending);
            }
        }
        appendPending = false;
        commitBroadcastPending = false;
        sendPending.clear();
        confirmReads();
    }

    /**
     * Sends {@code to} as many AppendEntries as its progress state allows: one probe in PROBE, a pipeline up
     * to the in-flight window in REPLICATE. With {@code evenIfEmpty}, sends at least one message (to carry a
     * new commit index) unless paused.
     */
    private void sendAppends(long to, Progress pr, boolean evenIfEmpty) {
        boolean sentAny = false;
        while (true) {
            if (pr.isPaused()) {
                if (pr.state() == ProgressState.REPLICATE && pr.next() <= log.lastIndex()) {
                    tracer.event(id, RaftEvent.INFLIGHT_LIMIT_REACHED);
                }
                return;
            }
            boolean hasEntries = pr.next() <= log.lastIndex();
            if (!hasEntries && (sentAny || !evenIfEmpty)) {
                return;
            }
            long prevIndex = pr.next() - 1;
            long prevTerm = log.term(prevIndex);
            Invariants.check(prevTerm != io.cairn.raft.core.log.RaftLog.TERM_UNKNOWN,
                    "entry %d for %s is compacted; snapshots come in raft-core II", prevIndex, idString(to));
            List<Entry> entries = hasEntries ? log.entriesFrom(pr.next(), config.messageBytesMax) : List.of();
            Message m = Message.append(id, to, term, prevTerm, prevIndex, entries, log.committed());
            send(m);
            sentAny = true;
            if (entries.isEmpty()) {
                if (pr.state() == ProgressState.PROBE) {
                    pr.pause();
                }
                return;
            }
            pr.sentEntries(entries.get(entries.size() - 1).index(), m.entriesBytes());
            if (pr.state() == ProgressState.PROBE) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // ReadIndex (thesis §6.4)
    // ---------------------------------------------------------------------------------------------------

    private void onReadRequest(long requestId, long from) {
        if (reads.full()) {
            rejectRead(requestId, from, "too many reads pending (" + config.readRequestsMax + ")");
            return;
        }
        boolean ownTermCommitted = log.term(log.committed()) == term;
        if (ownTermCommitted || config.bug(InjectedBug.READ_BEFORE_NOOP)) {
            reads.enqueue(requestId, from);
        } else {
            reads.waitForTermCommit(requestId, from);
        }
    }

    private void confirmReads() {
        long latest = reads.latestRound();
        long confirmed = voters.committedIndex(v -> v == id ? latest : progress.get(v).readRoundAcked());
        reads.confirm(confirmed, r -> {
            if (tracing()) {
                trace("read %d from %s served at index %d: round %d confirmed by a quorum", r.requestId(),
                        idString(r.from()), r.index(), r.round());
            }
            if (r.from() == id) {
                tracer.event(id, RaftEvent.READ_INDEX_SERVED);
                readStates.add(ReadState.served(r.requestId(), r.index()));
            } else {
                send(Message.readIndexResponse(id, r.from(), term, r.requestId(), r.index(), false));
            }
        });
    }

    private void rejectRead(long requestId, long from, String reason) {
        if (from == id) {
            readStates.add(ReadState.rejected(requestId, reason));
        } else {
            send(Message.readIndexResponse(id, from, term, requestId, 0, true));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Role changes and helpers
    // ---------------------------------------------------------------------------------------------------

    private void becomeFollower(long newTerm, long leader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        lead = leader;
    }

    /** Leaves the current role: new term (vote cleared) if it changes, timers restarted, leader state dropped. */
    private void reset(long newTerm) {
        if (newTerm != term) {
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        resetRandomizedElectionTimeout();
        votes.clear();
        if (progress != null) {
            for (ReadRequests.Request r : reads.drainAll()) {
                rejectRead(r.requestId(), r.from(), "leadership lost in term " + term);
            }
            progress = null;
        }
        uncommittedBytes = 0;
        appendPending = false;
        commitBroadcastPending = false;
        sendPending.clear();
    }

    private void resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = config.electionTicks + random.nextInt(config.electionTicks);
    }

    /**
     * Queues a message. Messages that promise something about our durable state (a vote, a candidate's own
     * vote, an acknowledgement or rejection of entries) wait until the {@link Ready}'s write is durable; the
     * rest may leave at once.
     */
    private void send(Message m) {
        boolean afterPersist = switch (m.type()) {
            case VOTE, VOTE_RESPONSE -> !config.bug(InjectedBug.VOTE_NOT_PERSISTED);
            case APPEND_RESPONSE -> !config.bug(InjectedBug.ACK_BEFORE_DURABLE);
            // A heartbeat response only says "I have seen no higher term", true whether or not our state is
            // durable, so it need not wait for the disk: ReadIndex rounds then cost no follower fsync.
            default -> false;
        };
        (afterPersist ? messagesAfterPersist : messages).add(m);
    }

    private HardState hardState() {
        return new HardState(term, vote, log.committed());
    }

    private SoftState softState() {
        return new SoftState(lead, role, term);
    }

    private boolean tracing() {
        return tracer.enabled();
    }

    private void trace(String format, Object... args) {
        tracer.trace(id, String.format(format, args));
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

    public long leader() {
        return lead;
    }

    public Role role() {
        return role;
    }

    public RaftConfig config() {
        return config;
    }

    /** The in-memory log; callers must not modify it. */
    public RaftLog log() {
        return log;
    }

    /** The leader's view of follower {@code peer}, or null when not leader or not a member. */
    public Progress progressOf(long peer) {
        return progress == null ? null : progress.get(peer);
    }

    public long[] voters() {
        return voters.voters();
    }
}
