package io.cairn.raft.core;

import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.core.log.RaftLog;
import io.cairn.raft.core.progress.Progress;
import io.cairn.raft.core.progress.ProgressState;
import io.cairn.raft.core.progress.ProgressTracker;
import io.cairn.raft.core.read.ReadRequests;
import io.cairn.raft.core.quorum.VoteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The leader role of a {@link RaftNode}: everything a member does only while it leads, and the state it
 * needs only then. An instance lives exactly as long as one term's leadership, so leader state can never leak
 * into a later role.
 *
 * <p>What it does: replication (per-member {@link Progress}: probe, pipelined replicate within the in-flight
 * window, snapshot when the next entry is compacted), commit by counting durable matches of the current term
 * (§5.3, §5.4.2), heartbeats and check-quorum (thesis §6.2), linearizable reads by ReadIndex rounds or by lease
 * (§6.4), membership changes by joint consensus (§4.3), and leadership transfer (§3.10).
 *
 * <p>Sends are deferred: events mark which members need entries, and {@link #flush()} (called from
 * {@link RaftNode#ready()}) builds the messages, so everything that arrived since the last {@code ready()} rides
 * together. Owned by the node's thread, like the node.
 */
final class Leader {
    /** How many heartbeat rounds back the leader remembers when each was sent (for lease reads). */
    private static final int ROUND_HISTORY = 256;

    private final RaftNode node;
    private final RaftConfig config;
    private final RaftLog log;
    private final long id;
    private final long term;
    private final ProgressTracker progress;
    private final ReadRequests reads;
    /** Every forward decided in this term, so that none is appended twice. */
    private final ForwardLedger forwards;

    private long uncommittedBytes;
    private long transferee = RaftNode.NONE;
    private int transferElapsed;
    /** A TimeoutNow went out in this term: its target's votes ignore the followers' leases, so ours is void. */
    private boolean timeoutNowSent;
    private boolean appendPending;
    private boolean commitBroadcastPending;
    private final TreeSet<Long> sendPending = new TreeSet<>();
    /** Ticks since this leadership began: the clock of lease reads. */
    private long ticks;
    private long heartbeatRound;
    private final long[] roundSentTick = new long[ROUND_HISTORY];
    /** Rounds up to this one vouch for no lease: they were sent before the leader last slept (quiesced). */
    private long leaseFloorRound;

    Leader(RaftNode node, long lastRoundAcrossTerms) {
        this.node = node;
        this.config = node.config();
        this.log = node.log();
        this.id = node.id();
        this.term = node.term();
        this.progress = new ProgressTracker(config.inflightMessagesMax, config.inflightBytesMax);
        this.progress.setMembers(node.configuration().members(), log.lastIndex() + 1);
        for (int i = 0; i < progress.size(); i++) {
            progress.at(i).setRecentActive(true);
        }
        this.reads = new ReadRequests(config.readRequestsMax);
        this.forwards = new ForwardLedger(config.forwardsMax);
        this.heartbeatRound = lastRoundAcrossTerms;
        // Thesis §6.4 / §5.4.2: an entry of our own term must commit before older ones can be known committed.
        Entry noop = Entry.noop(term, log.lastIndex() + 1);
        log.appendOne(noop);
        uncommittedBytes = noop.sizeBytes();
        appendPending = true;
    }

    long heartbeatRound() {
        return heartbeatRound;
    }

    long transferee() {
        return transferee;
    }

    Progress progressOf(long member) {
        return progress.get(member);
    }

    boolean hasWorkToFlush() {
        return appendPending || commitBroadcastPending || !sendPending.isEmpty() || reads.hasUnassigned();
    }

    // ---------------------------------------------------------------------------------------------------
    // Proposals
    // ---------------------------------------------------------------------------------------------------

    ProposeResult propose(List<byte[]> commands) {
        if (transferee != RaftNode.NONE) {
            return ProposeResult.rejected(ProposeResult.Rejection.TRANSFERRING, transferee,
                    "leadership is being transferred to " + transferee);
        }
        long bytes = 0;
        for (int i = 0; i < commands.size(); i++) {
            long size = (long) commands.get(i).length + Entry.OVERHEAD_BYTES;
            if (size > config.messageBytesMax) {
                return ProposeResult.rejected(ProposeResult.Rejection.TOO_LARGE, id, "a command of "
                        + commands.get(i).length + " bytes exceeds messageBytesMax " + config.messageBytesMax);
            }
            bytes += size;
        }
        if (bytes > config.proposalBytesMax) {
            return ProposeResult.rejected(ProposeResult.Rejection.TOO_LARGE, id,
                    "a proposal of " + bytes + " bytes exceeds proposalBytesMax " + config.proposalBytesMax);
        }
        if (uncommittedBytes > 0 && uncommittedBytes + bytes > config.uncommittedBytesMax) {
            node.tracer().event(id, RaftEvent.PROPOSAL_OVERLOADED);
            return ProposeResult.rejected(ProposeResult.Rejection.OVERLOADED, id, uncommittedBytes
                    + " uncommitted bytes already; limit " + config.uncommittedBytesMax);
        }
        long first = log.lastIndex() + 1;
        for (int i = 0; i < commands.size(); i++) {
            log.appendOne(Entry.command(term, first + i, commands.get(i)));
        }
        uncommittedBytes += bytes;
        appendPending = true;
        return ProposeResult.accepted(first, term);
    }

    /** Thesis §4.3: one change at a time, through a joint configuration whenever the voters change. */
    ProposeResult proposeConfigChange(ConfigChange change) {
        String refusal = configChangeRefusal();
        ConfigChange.Result result = null;
        if (refusal == null) {
            result = change.apply(node.configuration());
            refusal = result.ok() ? learnersNotCaughtUp(change) : result.refusal();
        }
        if (refusal != null) {
            node.trace("refuse configuration change %s: %s", change.changes(), refusal);
            return ProposeResult.rejected(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED, id, refusal);
        }
        return appendConfiguration(result.configuration());
    }

    /** Leaves a joint configuration that was entered with an explicit leave. */
    ProposeResult proposeLeaveJoint() {
        String refusal = configChangeRefusal();
        if (refusal == null && !node.configuration().isJoint()) {
            refusal = "the group is not in joint consensus";
        }
        if (refusal != null) {
            return ProposeResult.rejected(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED, id, refusal);
        }
        return appendConfiguration(node.configuration().leaveJoint());
    }

    /**
     * One change at a time, and none before an entry of our own term commits (until then a configuration entry
     * we inherited might still be replaced, and we do not know what is committed).
     */
    private String configChangeRefusal() {
        if (transferee != RaftNode.NONE) {
            return "leadership is being transferred to " + transferee;
        }
        if (log.term(log.committed()) != term) {
            return "no entry of this leader's term " + term + " has committed yet";
        }
        if (node.configurationIndex() > log.committed()) {
            return "the configuration change at " + node.configurationIndex() + " has not committed yet";
        }
        return null;
    }

    /** A learner is promoted only once it holds everything committed (else the new quorum would stall). */
    private String learnersNotCaughtUp(ConfigChange change) {
        for (ConfigChange.Change c : change.changes()) {
            if (c.type() == ConfigChange.Type.ADD_VOTER && node.configuration().isLearner(c.id())) {
                Progress pr = progress.get(c.id());
                if (pr.match() < log.committed() || pr.state() != ProgressState.REPLICATE) {
                    return "learner " + c.id() + " has not caught up (match " + pr.match() + ", commit "
                            + log.committed() + ", " + pr.state() + ")";
                }
            }
        }
        return null;
    }

    private ProposeResult appendConfiguration(Configuration next) {
        Entry e = new Entry(term, log.lastIndex() + 1, EntryType.CONFIG, next.encode());
        log.appendOne(e);
        uncommittedBytes += e.sizeBytes();
        appendPending = true;
        node.trace("propose configuration %s at %d", next, e.index());
        node.onLeaderAppendedConfiguration(e.index(), next);
        return ProposeResult.accepted(e.index(), term);
    }

    /** A new configuration is in effect (we appended it): replicate to its members, count its quorum. */
    void onConfigurationChanged(Configuration c) {
        progress.setMembers(c.members(), log.lastIndex() + 1);
        if (transferee != RaftNode.NONE && !c.isVoter(transferee)) {
            abortTransfer("the target is no longer a voter");
        }
    }

    /**
     * The configuration in effect has committed: leave a joint one on our own (thesis §4.3), or step down if
     * it no longer includes us (a removed leader manages the group until then).
     */
    void onConfigurationCommitted(Configuration c) {
        if (!c.isVoter(id)) {
            node.tracer().event(id, RaftEvent.REMOVED_LEADER_STEPPED_DOWN);
            node.trace("step down in term %d: the committed configuration %s no longer includes us", term, c);
            // Tell the remaining members that C_new committed before leaving, so they need not wait for the next
            // leader to learn it.
            for (int i = 0; i < progress.size(); i++) {
                if (progress.idAt(i) != id) {
                    sendAppends(progress.idAt(i), progress.at(i), true);
                }
            }
            node.stepDown();
            return;
        }
        // Checked at every commit while the joint configuration is the latest and committed, not only when it
        // commits: a new leader may inherit one that an earlier leader committed.
        if (c.isJoint() && c.autoLeave() && log.term(log.committed()) == term) {
            appendConfiguration(c.leaveJoint());
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Leadership transfer (thesis §3.10)
    // ---------------------------------------------------------------------------------------------------

    TransferResult transferLeadership(long to) {
        if (to == id) {
            return TransferResult.ALREADY_LEADER;
        }
        if (!node.configuration().isVoter(to)) {
            return TransferResult.NOT_A_VOTER;
        }
        if (transferee == to) {
            return TransferResult.STARTED;
        }
        transferee = to;
        transferElapsed = 0;
        node.tracer().event(id, RaftEvent.TRANSFER_STARTED);
        node.trace("transfer leadership to %s; proposals are refused until it completes", RaftNode.idString(to));
        maybeSendTimeoutNow(to, progress.get(to));
        sendPending.add(to);
        return TransferResult.STARTED;
    }

    private void maybeSendTimeoutNow(long to, Progress pr) {
        if (to == transferee && pr.match() == log.lastIndex()) {
            node.trace("transfer target %s has every entry (%d): send TimeoutNow", RaftNode.idString(to),
                    pr.match());
            node.send(Message.timeoutNow(id, to, term));
            timeoutNowSent = true;
        }
    }

    private void abortTransfer(String why) {
        node.tracer().event(id, RaftEvent.TRANSFER_ABANDONED);
        node.trace("abandon transfer to %s: %s", RaftNode.idString(transferee), why);
        transferee = RaftNode.NONE;
    }

    // ---------------------------------------------------------------------------------------------------
    // Time
    // ---------------------------------------------------------------------------------------------------

    /**
     * One tick: the transfer timeout and, every election timeout ({@code checkQuorumRound}), check-quorum.
     * Returns false if this leadership ended.
     */
    boolean tick(boolean checkQuorumRound) {
        ticks++;
        if (transferee != RaftNode.NONE && ++transferElapsed >= config.electionTicks) {
            abortTransfer("it did not become leader within an election timeout");
        }
        if (checkQuorumRound) {
            if (config.checkQuorum && !quorumActive()) {
                node.tracer().event(id, RaftEvent.CHECK_QUORUM_STEP_DOWN);
                node.trace("step down in term %d: no quorum heard from within %d ticks (check-quorum)", term,
                        config.electionTicks);
                node.stepDown();
                return false;
            }
            for (int i = 0; i < progress.size(); i++) {
                progress.at(i).setRecentActive(progress.idAt(i) == id);
            }
        }
        return true;
    }

    private boolean quorumActive() {
        return node.quorum().voteResult(v -> v == id || progress.get(v).recentActive() ? 1 : 0) == VoteResult.WON;
    }

    /**
     * Whether the group may quiesce: nothing to send, no read or transfer pending, everything committed, and every
     * member replicating with the whole log.
     */
    boolean quiet() {
        if (hasWorkToFlush() || reads.size() > 0 || transferee != RaftNode.NONE
                || log.committed() != log.lastIndex()) {
            return false;
        }
        for (int i = 0; i < progress.size(); i++) {
            if (progress.idAt(i) != id && (progress.at(i).state() != ProgressState.REPLICATE
                    || progress.at(i).match() != log.lastIndex())) {
                return false;
            }
        }
        return true;
    }

    /** Tells every member the group is quiet (each checks that its log ends where ours does). */
    void broadcastQuiesce() {
        for (int i = 0; i < progress.size(); i++) {
            long to = progress.idAt(i);
            if (to != id) {
                node.send(Message.quiesce(id, to, term, log.lastTerm(), log.lastIndex(), log.committed()));
            }
        }
    }

    /**
     * Back from quiescence: no earlier heartbeat round vouches for a lease (our tick clock stood still while
     * asleep), every member counts as heard from for the next check-quorum, and a heartbeat round goes out now.
     */
    void wake() {
        leaseFloorRound = heartbeatRound;
        for (int i = 0; i < progress.size(); i++) {
            progress.at(i).setRecentActive(true);
        }
        broadcastHeartbeat();
    }

    /** Sends a heartbeat round to every member: keeps followers from campaigning, confirms reads and leases. */
    void broadcastHeartbeat() {
        heartbeatRound++;
        roundSentTick[(int) (heartbeatRound % ROUND_HISTORY)] = ticks;
        if (reads.hasUnassigned()) {
            reads.assignRound(heartbeatRound, log.committed());
        }
        for (int i = 0; i < progress.size(); i++) {
            long to = progress.idAt(i);
            if (to != id) {
                long commit = Math.min(progress.at(i).match(), log.committed());
                node.send(Message.heartbeat(id, to, term, commit, heartbeatRound));
            }
        }
        confirmReads();
    }

    // ---------------------------------------------------------------------------------------------------
    // Messages
    // ---------------------------------------------------------------------------------------------------

    void step(Message m) {
        Progress pr = progress.get(m.from());
        if (pr == null) {
            return;
        }
        switch (m.type()) {
            case APPEND_RESPONSE -> onAppendResponse(m, pr);
            case HEARTBEAT_RESPONSE -> onHeartbeatResponse(m, pr);
            case READ_INDEX -> readIndex(m.context(), m.from());
            case FORWARD -> onForward(m);
            case APPEND, HEARTBEAT, SNAPSHOT -> {
                // Another leader of our term would break election safety (§5.2); the simulator's checks catch it.
                node.trace("leader of term %d ignores %s from another leader", term, m);
            }
            default -> { } // late vote answers, stray TimeoutNow: of no use to a leader
        }
    }

    /**
     * A follower's client proposal: appended as if proposed here, and the follower told where (or why not). A
     * forward seen before in this term is answered as it was the first time and appended nothing (decision
     * 0013): the network may deliver a FORWARD twice, and a proposal is not idempotent.
     */
    private void onForward(Message m) {
        ForwardLedger.Verdict seen = config.bug(InjectedBug.FORWARD_TWICE) ? ForwardLedger.Verdict.NEW
                : forwards.lookup(m.from(), m.context());
        if (seen != ForwardLedger.Verdict.NEW) {
            answerForwardAgain(m, seen);
            return;
        }
        List<byte[]> commands = new ArrayList<>(m.entries().size());
        for (int i = 0; i < m.entries().size(); i++) {
            commands.add(m.entries().get(i).data());
        }
        ProposeResult r = commands.isEmpty()
                ? ProposeResult.rejected(ProposeResult.Rejection.EMPTY, id, "no commands") : propose(commands);
        forwards.record(m.from(), m.context(), r.accepted() ? ForwardLedger.encodeAccepted(r.firstIndex())
                : ForwardLedger.encodeRefused(r.rejection()));
        if (node.tracing()) {
            node.trace("forwarded proposal %d of %s: %s", m.context(), RaftNode.idString(m.from()), r);
        }
        if (r.accepted()) {
            node.tracer().event(id, RaftEvent.PROPOSAL_FORWARDED);
        }
        node.send(r.accepted() ? Message.forwardAccepted(id, m.from(), term, m.context(), r.firstIndex(), r.term())
                : Message.forwardRefused(id, m.from(), term, m.context(), r.rejection(), r.leaderHint()));
    }

    /** A FORWARD this leader decided before (or can no longer tell): the first answer again, or "unknown". */
    private void answerForwardAgain(Message m, ForwardLedger.Verdict seen) {
        node.tracer().event(id, RaftEvent.FORWARD_DUPLICATE_DROPPED);
        if (seen == ForwardLedger.Verdict.FORGOTTEN) {
            node.trace("forwarded proposal %d of %s is older than what we remember of it: not appended, outcome"
                    + " unknown to it", m.context(), RaftNode.idString(m.from()));
            node.send(Message.forwardOutcomeUnknown(id, m.from(), term, m.context()));
            return;
        }
        long decision = forwards.decision();
        ProposeResult.Rejection refusal = ForwardLedger.refusalOf(decision);
        if (node.tracing()) {
            node.trace("forwarded proposal %d of %s again: not appended twice; answer as before (%s)", m.context(),
                    RaftNode.idString(m.from()), refusal == null ? "accepted at " + decision : "refused: " + refusal);
        }
        node.send(refusal == null ? Message.forwardAccepted(id, m.from(), term, m.context(), decision, term)
                : Message.forwardRefused(id, m.from(), term, m.context(), refusal, id));
    }

    private void onAppendResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        if (m.reject()) {
            onAppendRejected(m, pr);
            return;
        }
        // A probe acknowledged at the follower's known match proves where its log stands when that probe was an
        // empty append at the match (after a snapshot that ended at our last entry): replicate from there, or a
        // learner stays in PROBE and cannot be promoted in an idle group (robustness row 32). Only then: a probe
        // that carried entries is answered past the match, so an answer at the match is a late copy or answers
        // an append of an earlier pipeline. Taken for the probe's answer, each such copy restarted a whole window
        // of appends while the earlier windows were still on the network: under reordering, an event storm
        // (robustness row 68).
        boolean probedAndMatching = pr.state() == ProgressState.PROBE && m.index() == pr.match()
                && (pr.next() > log.lastIndex() || pr.emptyProbeOutstanding());
        if (!pr.maybeUpdate(m.index()) && !probedAndMatching) {
            return;
        }
        switch (pr.state()) {
            case PROBE -> pr.becomeReplicate();
            case REPLICATE -> pr.inflights().freeUpTo(m.index());
            case SNAPSHOT -> {
                if (pr.match() >= pr.pendingSnapshot()) {
                    // Its answer says where its log ends: replicate from there at once. Left in PROBE, a follower
                    // whose snapshot covered our whole log would get no append until the next entry, and a learner
                    // could not be promoted in an idle group (robustness row 32). As etcd: probe, then replicate.
                    node.trace("%s installed the snapshot up to %d; replicate from %d", RaftNode.idString(m.from()),
                            pr.pendingSnapshot(), Math.max(pr.match(), pr.pendingSnapshot()) + 1);
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
        }
        maybeSendTimeoutNow(m.from(), pr);
        if (maybeCommit()) {
            commitBroadcastPending = true;
        } else if (pr.next() <= log.lastIndex()) {
            sendPending.add(m.from());
        }
    }

    private void onAppendRejected(Message m, Progress pr) {
        if (pr.state() == ProgressState.SNAPSHOT) {
            return; // an answer to something sent before the snapshot
        }
        long probeFrom = m.logTerm() > 0 ? log.findConflictByTerm(m.rejectHint(), m.logTerm()) : m.rejectHint();
        if (pr.maybeDecreaseTo(m.index(), probeFrom)) {
            if (pr.state() == ProgressState.REPLICATE) {
                pr.becomeProbe();
            }
            if (node.tracing()) {
                node.trace("%s rejected append after %d (hint %d/%d): probe from %d", RaftNode.idString(m.from()),
                        m.index(), m.logTerm(), m.rejectHint(), pr.next());
            }
            sendPending.add(m.from());
        }
    }

    private void onHeartbeatResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        pr.resume();
        if (pr.match() < log.lastIndex()) {
            if ((pr.state() == ProgressState.REPLICATE && pr.isPaused())
                    || (pr.state() != ProgressState.SNAPSHOT && pr.next() > log.lastIndex())) {
                // Everything before next was sent but not acknowledged (a pipeline, or an empty probe), and nothing
                // new would be sent (the window is full or there is nothing after next): if those appends were
                // lost, the follower would never catch up. An empty append at next-1 makes it acknowledge (freeing
                // the window) or reject (probe).
                long prev = pr.next() - 1;
                long prevTerm = log.term(prev);
                if (prevTerm == RaftLog.TERM_UNKNOWN) {
                    pr.becomeProbe(); // next-1 is compacted away: probing will find that a snapshot is needed
                    sendPending.add(m.from());
                } else {
                    node.send(Message.append(id, m.from(), term, prevTerm, prev, List.of(), log.committed()));
                }
            } else {
                sendPending.add(m.from());
            }
        }
        if (m.context() > 0) {
            pr.ackReadRound(m.context());
            confirmReads();
        }
    }

    /** The runtime's snapshot stream to {@code to} finished or failed. */
    void reportSnapshot(long to, boolean delivered) {
        Progress pr = progress.get(to);
        if (pr == null || pr.state() != ProgressState.SNAPSHOT) {
            return;
        }
        node.trace("snapshot to %s %s", RaftNode.idString(to), delivered ? "delivered" : "failed; probe again");
        if (!delivered) {
            pr.abortSnapshot();
        }
        pr.becomeProbe();
        pr.pause(); // wait for the follower's answer (or a heartbeat) before probing
    }

    // ---------------------------------------------------------------------------------------------------
    // Commit (§5.3, §5.4.2)
    // ---------------------------------------------------------------------------------------------------

    /** Our own entries up to {@code index} are durable. */
    void persisted() {
        if (maybeCommit()) {
            commitBroadcastPending = true;
        }
    }

    /**
     * Advances the commit index to the highest index a quorum holds durably, but only onto an entry of our own
     * term (Figure 8: counting replicas never commits an older term's entry by itself). Committing a joint
     * configuration appends the next one, which changes the quorum, so this repeats until nothing moves.
     */
    private boolean maybeCommit() {
        boolean advanced = false;
        while (true) {
            long selfMatch = config.bug(InjectedBug.ACK_BEFORE_DURABLE) ? log.lastIndex() : log.persisted();
            long index = node.quorum().committedIndex(v -> v == id ? selfMatch : matchOf(v));
            if (index <= log.committed()) {
                return advanced;
            }
            long entryTerm = log.term(index);
            if (entryTerm != term && !config.bug(InjectedBug.COMMIT_OLD_TERM)) {
                if (node.tracing()) {
                    node.trace("do not commit %d: a quorum has it but its term %d is not ours %d (§5.4.2)", index,
                            entryTerm, term);
                }
                return advanced;
            }
            if (node.tracing()) {
                node.trace("commit %d (was %d): durable on a quorum in term %d", index, log.committed(), entryTerm);
            }
            long before = log.committed();
            boolean ownTermWasCommitted = log.term(before) == term;
            for (long i = before + 1; i <= index; i++) {
                Entry e = log.entry(i);
                if (e.term() == term) {
                    uncommittedBytes -= e.sizeBytes();
                }
            }
            node.commitTo(index); // a configuration that commits may end this leadership
            advanced = true;
            if (node.leaderRole() != this) {
                return true;
            }
            if (!ownTermWasCommitted && log.term(index) == term) {
                reads.termCommitted();
            }
        }
    }

    private long matchOf(long voter) {
        Progress pr = progress.get(voter);
        return pr == null ? 0 : pr.match();
    }

    // ---------------------------------------------------------------------------------------------------
    // Sending
    // ---------------------------------------------------------------------------------------------------

    /** Builds the AppendEntries and read rounds accumulated since the last {@link RaftNode#ready()}. */
    void flush() {
        if (reads.hasUnassigned()) {
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
     * to the in-flight window in REPLICATE, a snapshot when the next entry is compacted. With
     * {@code evenIfEmpty}, sends at least one message (to carry a new commit index) unless paused.
     */
    private void sendAppends(long to, Progress pr, boolean evenIfEmpty) {
        boolean sentAny = false;
        while (true) {
            if (pr.isPaused()) {
                if (pr.state() == ProgressState.REPLICATE && pr.next() <= log.lastIndex()) {
                    node.tracer().event(id, RaftEvent.INFLIGHT_LIMIT_REACHED);
                }
                return;
            }
            long prevIndex = pr.next() - 1;
            long prevTerm = log.term(prevIndex);
            if (prevTerm == RaftLog.TERM_UNKNOWN) {
                sendSnapshot(to, pr);
                return;
            }
            boolean hasEntries = pr.next() <= log.lastIndex();
            if (!hasEntries && (sentAny || !evenIfEmpty)) {
                return;
            }
            List<Entry> entries = hasEntries ? log.entriesFrom(pr.next(), config.messageBytesMax) : List.of();
            Message m = Message.append(id, to, term, prevTerm, prevIndex, entries, log.committed());
            node.send(m);
            sentAny = true;
            if (entries.isEmpty()) {
                if (pr.state() == ProgressState.PROBE) {
                    pr.probeSentEmpty();
                }
                return;
            }
            pr.sentEntries(entries.get(entries.size() - 1).index(), m.entriesBytes());
            if (pr.state() == ProgressState.PROBE) {
                return;
            }
        }
    }

    private void sendSnapshot(long to, Progress pr) {
        SnapshotMeta snapshot = node.latestSnapshot();
        Invariants.check(snapshot != null && snapshot.index() >= pr.next() - 1,
                "entry %d for %s is compacted but no snapshot covers it", pr.next() - 1, RaftNode.idString(to));
        node.tracer().event(id, RaftEvent.SNAPSHOT_SENT);
        node.trace("%s needs entry %d, compacted away: send %s", RaftNode.idString(to), pr.next(), snapshot);
        pr.becomeSnapshot(snapshot.index());
        node.send(Message.snapshot(id, to, term, snapshot, log.committed()));
    }

    // ---------------------------------------------------------------------------------------------------
    // Reads (thesis §6.4)
    // ---------------------------------------------------------------------------------------------------

    void readIndex(long requestId, long from) {
        if (reads.full()) {
            rejectRead(requestId, from, "too many reads pending (" + config.readRequestsMax + ")");
            return;
        }
        boolean ownTermCommitted = log.term(log.committed()) == term;
        if (!ownTermCommitted && !config.bug(InjectedBug.READ_BEFORE_NOOP)) {
            reads.waitForTermCommit(requestId, from);
            return;
        }
        if ((config.readMode == ReadMode.LEASE && leaseValid()) || config.bug(InjectedBug.READ_WITHOUT_QUORUM)) {
            node.tracer().event(id, RaftEvent.LEASE_READ_SERVED);
            if (node.tracing()) {
                node.trace("read %d from %s served at index %d from the lease", requestId, RaftNode.idString(from),
                        log.committed());
            }
            answerRead(requestId, from, log.committed());
            return;
        }
        reads.enqueue(requestId, from);
    }

    /**
     * Thesis §6.4.1: a follower that answered a heartbeat sent at leader tick {@code s} will not vote for anyone
     * else before its own election timeout passes after it received it, so no other leader can exist before
     * {@code s + electionTicks} (minus a margin for clock drift). The lease starts at the send time of the
     * newest round a quorum acknowledged. Not after a TimeoutNow (thesis §3.10): the target's vote requests
     * are granted inside those leases, and one may arrive at any later time in this term.
     */
    private boolean leaseValid() {
        if (timeoutNowSent) {
            return false;
        }
        long start = node.quorum().committedIndex(v -> v == id ? ticks : sentTickOf(matchRound(v)));
        return start != Long.MIN_VALUE && ticks - start < config.electionTicks - config.leaseMarginTicks;
    }

    private long matchRound(long voter) {
        Progress pr = progress.get(voter);
        return pr == null ? 0 : pr.readRoundAcked();
    }

    private long sentTickOf(long round) {
        if (round <= leaseFloorRound || round <= 0 || heartbeatRound - round >= ROUND_HISTORY) {
            return Long.MIN_VALUE;
        }
        return roundSentTick[(int) (round % ROUND_HISTORY)];
    }

    private void confirmReads() {
        long confirmed = node.quorum().committedIndex(v -> v == id ? heartbeatRound : matchRound(v));
        reads.confirm(confirmed, r -> {
            if (node.tracing()) {
                node.trace("read %d from %s served at index %d: round %d confirmed by a quorum", r.requestId(),
                        RaftNode.idString(r.from()), r.index(), r.round());
            }
            answerRead(r.requestId(), r.from(), r.index());
        });
    }

    private void answerRead(long requestId, long from, long index) {
        if (from == id) {
            node.tracer().event(id, RaftEvent.READ_INDEX_SERVED);
            node.addReadState(ReadState.served(requestId, index));
        } else {
            node.send(Message.readIndexResponse(id, from, term, requestId, index, false));
        }
    }

    private void rejectRead(long requestId, long from, String reason) {
        if (from == id) {
            node.addReadState(ReadState.rejected(requestId, reason));
        } else {
            node.send(Message.readIndexResponse(id, from, term, requestId, 0, true));
        }
    }

    /** Leadership ended: every pending read is refused so that its client can retry elsewhere. */
    void end() {
        for (ReadRequests.Request r : reads.drainAll()) {
            rejectRead(r.requestId(), r.from(), "leadership lost in term " + term);
        }
    }
}
