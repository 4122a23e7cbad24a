package io.cairn.raft.core.progress;

import java.util.Arrays;

/**
 * The leader's {@link Progress} for every member, iterated in ascending id order so that everything the
 * leader sends is deterministic. A small sorted array: groups have a handful of members, and a binary search
 * over five longs beats any hash map.
 */
public final class ProgressTracker {
    private final long[] ids;
    private final Progress[] progress;

    public ProgressTracker(long[] memberIds, long nextIndex, int inflightCountMax, long inflightBytesMax) {
        this.ids = memberIds.clone();
        Arrays.sort(this.ids);
        this.progress = new Progress[ids.length];
        for (int i = 0; i < ids.length; i++) {
            progress[i] = new Progress(nextIndex, inflightCountMax, inflightBytesMax);
        }
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
