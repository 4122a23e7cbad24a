package io.cairn.raft.core.read;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * The leader's pending ReadIndex requests (thesis §6.4), grouped into rounds so that all the reads that arrive
 * between two flushes share one heartbeat round.
 *
 * <p>Every heartbeat broadcast the leader sends is a numbered round. A request goes through three stages:
 * <ol>
 *   <li><b>waiting for a term commit</b>: a new leader does not know the latest commit index until an entry of
 *       its own term commits, so it holds reads until then;</li>
 *   <li><b>unassigned</b>: waiting for the next round;</li>
 *   <li><b>in a round</b>: round {@code r} was started with read index = the commit index at that moment (which
 *       is at least the commit index when the request arrived) and a heartbeat carrying {@code r} went to every
 *       follower. A follower that answers a heartbeat carrying {@code r' >= r} acknowledged our leadership after
 *       round {@code r} began, so once a quorum has acknowledged rounds {@code >= r}, every request of round
 *       {@code r} or earlier may be answered.</li>
 * </ol>
 * Bounded by {@code pendingMax} requests in all; beyond it the leader refuses new reads.
 */
public final class ReadRequests {
    /** One request: who asked (this member or a follower) and under which id. */
    public record Request(long requestId, long from, long round, long index) {}

    private final int pendingMax;
    private final ArrayDeque<Request> waitingForTermCommit = new ArrayDeque<>();
    private final ArrayDeque<Request> unassigned = new ArrayDeque<>();
    private final ArrayDeque<Request> inRound = new ArrayDeque<>();

    public ReadRequests(int pendingMax) {
        this.pendingMax = pendingMax;
    }

    public int size() {
        return waitingForTermCommit.size() + unassigned.size() + inRound.size();
    }

    public boolean full() {
        return size() >= pendingMax;
    }

    public void waitForTermCommit(long requestId, long from) {
        waitingForTermCommit.add(new Request(requestId, from, 0, 0));
    }

    public void enqueue(long requestId, long from) {
        unassigned.add(new Request(requestId, from, 0, 0));
    }

    /** The leader's first entry of its term committed: held requests may now join rounds. */
    public void termCommitted() {
        unassigned.addAll(waitingForTermCommit);
        waitingForTermCommit.clear();
    }

    public boolean hasUnassigned() {
        return !unassigned.isEmpty();
    }

    /**
     * Puts every unassigned request into heartbeat round {@code round} (about to be sent, newer than any before),
     * with {@code commitIndex} as their read index.
     */
    public void assignRound(long round, long commitIndex) {
        for (Request r : unassigned) {
            inRound.add(new Request(r.requestId(), r.from(), round, commitIndex));
        }
        unassigned.clear();
    }

    /** Hands every request of a round {@code <= confirmedRound} to {@code release}, oldest first. */
    public void confirm(long confirmedRound, Consumer<Request> release) {
        while (!inRound.isEmpty() && inRound.peekFirst().round() <= confirmedRound) {
            release.accept(inRound.pollFirst());
        }
    }

    /** Removes and returns every pending request (the leader stepped down). */
    public List<Request> drainAll() {
        List<Request> all = new java.util.ArrayList<>(size());
        all.addAll(inRound);
        all.addAll(unassigned);
        all.addAll(waitingForTermCommit);
        inRound.clear();
        unassigned.clear();
        waitingForTermCommit.clear();
        return all;
    }
}
