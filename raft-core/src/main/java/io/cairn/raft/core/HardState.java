package io.cairn.raft.core;

/**
 * The state a member must keep across restarts besides its log: the current term, whom it voted for in that
 * term ({@link RaftNode#NONE} for nobody) and the highest index it knows to be committed.
 *
 * <p>term and vote are what make one-vote-per-term (§5.2) hold across crashes: they must be durable before
 * any message that depends on them leaves (see {@link Ready}). The commit index is persisted only as a
 * hint for faster recovery; losing it is safe.
 */
public record HardState(long term, long vote, long commit) {
    public static final HardState EMPTY = new HardState(0, RaftNode.NONE, 0);

    @Override
    public String toString() {
        return "term=" + term + " vote=" + RaftNode.idString(vote) + " commit=" + commit;
    }
}
