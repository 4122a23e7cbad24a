package io.cairn.raft.core;

import java.util.Locale;

/**
 * Rules that can be deliberately broken, in the manner of FoundationDB's BUGGIFY, to prove that the simulator
 * and its checkers catch each kind of mistake. Off unless a test or {@code cairn sim --inject-bug NAME} asks;
 * a production configuration has none. Each constant's Javadoc says which rule it breaks.
 */
public enum InjectedBug {
    /** A vote (and a candidate's own vote) is sent before the hard state holding it is durable (§5.2 + crash). */
    VOTE_NOT_PERSISTED,
    /** Entries of an earlier term are committed by counting replicas (the Figure 8 mistake, §5.4.2). */
    COMMIT_OLD_TERM,
    /** A new leader serves ReadIndex reads before an entry of its own term has committed (thesis §6.4). */
    READ_BEFORE_NOOP,
    /** Entries are acknowledged before a quorum has them durably: followers ack before their write, and the
     * leader counts its own unwritten entries. */
    ACK_BEFORE_DURABLE,
    /** A follower appends entries without checking that its entry at prevLogIndex has prevLogTerm (§5.3). */
    SKIP_LOG_CHECK,
    /** A leader answers reads at once with its commit index, without a heartbeat round or a lease: a deposed
     * leader that does not know it yet serves stale reads (thesis §6.4). */
    READ_WITHOUT_QUORUM,
    /** A runtime bug, not the core's: with lease reads, the runtime hands the core a read without first
     * delivering the ticks that elapsed (after a process pause), so the lease looks younger than it is
     * ({@link ReadMode#LEASE}). The core ignores this flag; runtimes and the simulator honour it. */
    LEASE_STALE_CLOCK,
    /** A runtime bug, not the core's: the log writer acknowledges a write (releases the messages that wait for
     * it and reports it persisted) before the sync that makes it durable. */
    ACK_BEFORE_FSYNC,
    /** A leader appends a forwarded proposal each time a copy of its FORWARD arrives, and a member that may have
     * led in the term refuses a copy as NOT_LEADER (no {@link ForwardLedger}; decision 0013): one client's write
     * takes effect twice, the second time after later writes. */
    FORWARD_TWICE,
    /** A KV store bug, not the core's: a Txn runs its success branch whatever its compares say, so a
     * compare-and-set that should fail overwrites the value. Only simulator seeds that run the real KV store
     * ({@code state=kv}) can show it; most seeds run it when it is injected. */
    TXN_IGNORES_COMPARE;

    /** The command-line name: lower case with '-'. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The bug with this command-line name. */
    public static InjectedBug fromCliName(String name) {
        for (InjectedBug b : values()) {
            if (b.cliName().equals(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown bug '" + name + "'; known: " + java.util.Arrays.toString(
                java.util.Arrays.stream(values()).map(InjectedBug::cliName).toArray()));
    }
}
