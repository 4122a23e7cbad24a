package io.cairn.raft.core.progress;

/**
 * The AppendEntries sent to one follower and not yet acknowledged, bounded both in count and in bytes.
 *
 * <p>A ring of (last index, bytes) per message, in send order. An acknowledgement up to index {@code i} frees
 * every message whose last index is {@code <= i}. The window is full when either bound is reached; the leader
 * then holds further entries back until acknowledgements arrive, which caps the memory and the network queue
 * a slow follower can cost.
 */
public final class Inflights {
    private final int countMax;
    private final long bytesMax;
    private final long[] lastIndexes;
    private final long[] sizes;
    private int start;
    private int count;
    private long bytes;

    public Inflights(int countMax, long bytesMax) {
        this.countMax = countMax;
        this.bytesMax = bytesMax;
        this.lastIndexes = new long[countMax];
        this.sizes = new long[countMax];
    }

    public boolean full() {
        return count >= countMax || bytes >= bytesMax;
    }

    public int count() {
        return count;
    }

    public long bytes() {
        return bytes;
    }

    public void add(long lastIndex, long messageBytes) {
        if (count >= countMax) {
            throw new IllegalStateException("in-flight window is full (" + countMax + " messages)");
        }
        int slot = (start + count) % countMax;
        lastIndexes[slot] = lastIndex;
        sizes[slot] = messageBytes;
        count++;
        bytes += messageBytes;
    }

    /** Frees every message whose last index is at or below {@code index}. */
    public void freeUpTo(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            bytes -= sizes[start];
            start = (start + 1) % countMax;
            count--;
        }
        if (count == 0) {
            start = 0;
        }
    }

    public void reset() {
        start = 0;
        count = 0;
        bytes = 0;
    }
}
