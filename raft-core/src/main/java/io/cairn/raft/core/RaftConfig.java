package io.cairn.raft.core;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Every knob and limit of the core, in one place, with their relationships checked when built.
 *
 * <p>Times are counted in ticks: the runtime calls {@link RaftNode#tick()} at a fixed interval (100 ms in the
 * server, a virtual interval in the simulator). Limits are in messages or bytes; a byte limit counts entry
 * payloads plus {@link Entry#OVERHEAD_BYTES} each.
 */
public final class RaftConfig {
    /** This member's id; never {@link RaftNode#NONE}. */
    public final long id;
    /**
     * The voting members when the group is first created (this member among them), or empty for a member that
     * joins an existing group and learns the configuration from its leader. Once the log holds configuration
     * entries, those decide.
     */
    public final long[] voters;
    /** A follower campaigns after a random timeout in [electionTicks, 2 * electionTicks). */
    public final int electionTicks;
    /** A leader sends heartbeats every this many ticks. */
    public final int heartbeatTicks;
    /** Run a pre-vote round before raising the term (thesis §9.6). */
    public final boolean preVote;
    /** A leader that hears from no quorum within an election timeout steps down; voters ignore vote requests
     * while they hear from a leader (thesis §6.2). */
    public final boolean checkQuorum;
    /** At most this many AppendEntries in flight to one follower in the replicate state. */
    public final int inflightMessagesMax;
    /** No new AppendEntries goes to a follower once this many entry bytes are in flight to it (so the bytes
     * in flight stay below this plus one message). */
    public final long inflightBytesMax;
    /** One AppendEntries carries at most this many entry bytes (at least one entry). */
    public final long messageBytesMax;
    /** The leader refuses proposals while its uncommitted entries hold this many bytes. */
    public final long uncommittedBytesMax;
    /** One {@link Ready} hands out at most this many bytes of committed entries to apply (at least one). */
    public final long applyBatchBytesMax;
    /** The leader holds at most this many ReadIndex requests waiting for confirmation; more are refused. */
    public final int readRequestsMax;
    /** A follower waits for the leader's answer to at most this many forwarded proposals; more are refused. */
    public final int forwardsMax;
    /** How linearizable reads are confirmed. */
    public final ReadMode readMode;
    /** With {@link ReadMode#LEASE}: the lease ends this many ticks before the election timeout (clock drift). */
    public final int leaseMarginTicks;
    /** One {@link RaftNode#propose} call carries at most this many bytes; each command at most
     * {@link #messageBytesMax}. */
    public final long proposalBytesMax;
    /** The core asks for a snapshot once this many applied entries follow the last one (0: never). */
    public final long snapshotThresholdEntries;
    /** After a snapshot, the log keeps this many entries below it, so slightly lagging followers need no
     * snapshot. */
    public final long snapshotRetainEntries;
    /**
     * A leader whose group saw no proposal, read or change for this many ticks, with every member caught up,
     * quiesces: no heartbeats, and its followers stop their election timers, until anything happens (0: never;
     * otherwise more than {@link #electionTicks}). Dragonboat's quiesce: idle groups cost no CPU.
     */
    public final int quiesceTicks;
    /** Deliberately broken rules, for testing the testers; empty in production. */
    public final Set<InjectedBug> injectedBugs;

    private RaftConfig(Builder b) {
        this.id = b.id;
        this.voters = b.voters.clone();
        Arrays.sort(this.voters);
        this.electionTicks = b.electionTicks;
        this.heartbeatTicks = b.heartbeatTicks;
        this.preVote = b.preVote;
        this.checkQuorum = b.checkQuorum;
        this.inflightMessagesMax = b.inflightMessagesMax;
        this.inflightBytesMax = b.inflightBytesMax;
        this.messageBytesMax = b.messageBytesMax;
        this.uncommittedBytesMax = b.uncommittedBytesMax;
        this.applyBatchBytesMax = b.applyBatchBytesMax;
        this.readRequestsMax = b.readRequestsMax;
        this.forwardsMax = b.forwardsMax;
        this.readMode = b.readMode;
        this.leaseMarginTicks = b.leaseMarginTicks;
        this.quiesceTicks = b.quiesceTicks;
        this.proposalBytesMax = b.proposalBytesMax;
        this.snapshotThresholdEntries = b.snapshotThresholdEntries;
        this.snapshotRetainEntries = b.snapshotRetainEntries;
        this.injectedBugs = b.injectedBugs.isEmpty() ? EnumSet.noneOf(InjectedBug.class) : EnumSet.copyOf(b.injectedBugs);
        validate();
    }

    private void validate() {
        require(id != RaftNode.NONE, "id must not be 0 (0 means 'no member')");
        require(voters.length == 0 || Arrays.binarySearch(voters, id) >= 0,
                "member " + id + " is not among the voters " + Arrays.toString(voters)
                        + " (give no voters to join an existing group)");
        for (int i = 1; i < voters.length; i++) {
            require(voters[i] != voters[i - 1], "voter " + voters[i] + " is listed twice");
        }
        for (long v : voters) {
            require(v != RaftNode.NONE, "voter id 0 is reserved");
        }
        require(heartbeatTicks > 0, "heartbeatTicks must be positive");
        require(electionTicks > heartbeatTicks,
                "electionTicks (" + electionTicks + ") must exceed heartbeatTicks (" + heartbeatTicks + ")");
        require(inflightMessagesMax > 0, "inflightMessagesMax must be positive");
        require(messageBytesMax > 0, "messageBytesMax must be positive");
        require(inflightBytesMax >= messageBytesMax,
                "inflightBytesMax (" + inflightBytesMax + ") must hold at least one message (" + messageBytesMax + ")");
        require(uncommittedBytesMax >= messageBytesMax,
                "uncommittedBytesMax (" + uncommittedBytesMax + ") must hold at least one message (" + messageBytesMax + ")");
        require(applyBatchBytesMax > 0, "applyBatchBytesMax must be positive");
        require(readRequestsMax > 0, "readRequestsMax must be positive");
        require(forwardsMax > 0, "forwardsMax must be positive");
        require(readMode != ReadMode.LEASE || checkQuorum, "lease reads need checkQuorum (thesis §6.4.1)");
        require(quiesceTicks == 0 || quiesceTicks > electionTicks,
                "quiesceTicks (" + quiesceTicks + ") must be 0 (never) or exceed electionTicks (" + electionTicks + ")");
        require(leaseMarginTicks >= 0 && leaseMarginTicks < electionTicks,
                "leaseMarginTicks (" + leaseMarginTicks + ") must be in [0, electionTicks)");
        require(proposalBytesMax >= messageBytesMax,
                "proposalBytesMax (" + proposalBytesMax + ") must hold at least one message (" + messageBytesMax + ")");
        require(snapshotThresholdEntries >= 0 && snapshotRetainEntries >= 0,
                "snapshot thresholds must not be negative");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid raft config: " + message);
        }
    }

    public boolean bug(InjectedBug bug) {
        return !injectedBugs.isEmpty() && injectedBugs.contains(bug);
    }

    public static Builder builder(long id, long... voters) {
        return new Builder(id, voters);
    }

    public Builder toBuilder() {
        Builder b = new Builder(id, voters);
        b.electionTicks = electionTicks;
        b.heartbeatTicks = heartbeatTicks;
        b.preVote = preVote;
        b.checkQuorum = checkQuorum;
        b.inflightMessagesMax = inflightMessagesMax;
        b.inflightBytesMax = inflightBytesMax;
        b.messageBytesMax = messageBytesMax;
        b.uncommittedBytesMax = uncommittedBytesMax;
        b.applyBatchBytesMax = applyBatchBytesMax;
        b.readRequestsMax = readRequestsMax;
        b.forwardsMax = forwardsMax;
        b.readMode = readMode;
        b.leaseMarginTicks = leaseMarginTicks;
        b.quiesceTicks = quiesceTicks;
        b.proposalBytesMax = proposalBytesMax;
        b.snapshotThresholdEntries = snapshotThresholdEntries;
        b.snapshotRetainEntries = snapshotRetainEntries;
        b.injectedBugs = injectedBugs.isEmpty() ? EnumSet.noneOf(InjectedBug.class) : EnumSet.copyOf(injectedBugs);
        return b;
    }

    /** Builds a {@link RaftConfig}; defaults suit a server ticking every 100 ms. */
    public static final class Builder {
        private final long id;
        private final long[] voters;
        private int electionTicks = 10;
        private int heartbeatTicks = 1;
        private boolean preVote = true;
        private boolean checkQuorum = true;
        private int inflightMessagesMax = 256;
        private long inflightBytesMax = 32L << 20;
        private long messageBytesMax = 1L << 20;
        private long uncommittedBytesMax = 64L << 20;
        private long applyBatchBytesMax = 16L << 20;
        private int readRequestsMax = 65536;
        private int forwardsMax = 4096;
        private ReadMode readMode = ReadMode.READ_INDEX;
        private int leaseMarginTicks = 2;
        private int quiesceTicks;
        private long proposalBytesMax = 8L << 20;
        private long snapshotThresholdEntries = 10_000;
        private long snapshotRetainEntries = 5_000;
        private Set<InjectedBug> injectedBugs = EnumSet.noneOf(InjectedBug.class);

        private Builder(long id, long[] voters) {
            this.id = id;
            this.voters = voters.clone();
        }

        public Builder electionTicks(int v) {
            electionTicks = v;
            return this;
        }

        public Builder heartbeatTicks(int v) {
            heartbeatTicks = v;
            return this;
        }

        public Builder preVote(boolean v) {
            preVote = v;
            return this;
        }

        public Builder checkQuorum(boolean v) {
            checkQuorum = v;
            return this;
        }

        public Builder inflightMessagesMax(int v) {
            inflightMessagesMax = v;
            return this;
        }

        public Builder inflightBytesMax(long v) {
            inflightBytesMax = v;
            return this;
        }

        public Builder messageBytesMax(long v) {
            messageBytesMax = v;
            return this;
        }

        public Builder uncommittedBytesMax(long v) {
            uncommittedBytesMax = v;
            return this;
        }

        public Builder applyBatchBytesMax(long v) {
            applyBatchBytesMax = v;
            return this;
        }

        public Builder readRequestsMax(int v) {
            readRequestsMax = v;
            return this;
        }

        public Builder forwardsMax(int v) {
            forwardsMax = v;
            return this;
        }

        public Builder readMode(ReadMode v) {
            readMode = v;
            return this;
        }

        public Builder quiesceTicks(int v) {
            quiesceTicks = v;
            return this;
        }

        public Builder leaseMarginTicks(int v) {
            leaseMarginTicks = v;
            return this;
        }

        public Builder proposalBytesMax(long v) {
            proposalBytesMax = v;
            return this;
        }

        public Builder snapshotThresholdEntries(long v) {
            snapshotThresholdEntries = v;
            return this;
        }

        public Builder snapshotRetainEntries(long v) {
            snapshotRetainEntries = v;
            return this;
        }

        public Builder injectedBugs(Set<InjectedBug> v) {
            injectedBugs = v.isEmpty() ? EnumSet.noneOf(InjectedBug.class) : EnumSet.copyOf(v);
            return this;
        }

        public RaftConfig build() {
            return new RaftConfig(this);
        }
    }
}
