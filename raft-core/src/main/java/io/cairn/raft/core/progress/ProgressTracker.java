package io.cairn.raft.core.progress;

import java.util.Arrays;

/**
 * The leader's {@link Progress} for every member (voters and learners), iterated in ascending id order so
 * that everything the leader sends is deterministic. A small sorted array: groups have a handful of members,
 * and a binary search over five longs beats any hash map. Membership changes rebuild it (they are rare).
 */
public final class ProgressTracker {
    private final int inflightCountMax;
    private final long inflightBytesMax;
    private long[] ids = new long[0];
    private Progress[] progress = new Progress[0];

    public ProgressTracker(int inflightCountMax, long inflightBytesMax) {
        this.inflightCountMax = inflightCountMax;
        this.inflightBytesMax = inflightBytesMax;
    }

    /**
     * Makes the tracked members exactly {@code members}: keeps the progress of those already tracked, starts
     * new ones at {@code nextIndex} (probing), forgets the rest.
     */
    public void setMembers(long[] members, long nextIndex) {
        long[] newIds = members.clone();
        Arrays.sort(newIds);
        Progress[] newProgress = new Progress[newIds.length];
        for (int i = 0; i < newIds.length; i++) {
            Progress existing = get(newIds[i]);
            newProgress[i] = existing != null ? existing
                    : new Progress(nextIndex, inflightCountMax, inflightBytesMax);
        }
        ids = newIds;
        progress = newProgress;
    }

    /** The progress of member {@code id}, or null if it is not a member. */
    public Progress get(long id) {
        int i = Arrays.binarySearch(ids, id);
        return i >= 0 ? progress[i] : null;
    }

    public int size() {
        return ids.length;
    }

    public long idAt(int i) {
        return ids[i];
    }

    public Progress at(int i) {
        return progress[i];
    }
}
