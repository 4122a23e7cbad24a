package io.cairn.jepsen.checker;

/**
 * The set of operations linearized so far, as a bitset whose hash is kept up to date incrementally.
 *
 * <p>The search memoises on (this set, model state) after every linearization, so hashing the set must not
 * cost a pass over it. Each operation id has a fixed pseudo-random 64-bit code and the set's hash is the XOR
 * of its members' codes (Zobrist hashing): adding or removing a member is one XOR. Equal sets have equal
 * hashes; unequal sets collide rarely, and collisions are resolved by comparing the words.
 */
final class OpSet {
    private final long[] words;
    private long hash;

    OpSet(int capacity) {
        this.words = new long[Math.max(1, (capacity + 63) >>> 6)];
    }

    void add(int id) {
        long bit = 1L << id;
        int w = id >>> 6;
        if ((words[w] & bit) != 0) {
            throw new IllegalStateException("operation " + id + " is already in the set");
        }
        words[w] |= bit;
        hash ^= code(id);
    }

    void remove(int id) {
        long bit = 1L << id;
        int w = id >>> 6;
        if ((words[w] & bit) == 0) {
            throw new IllegalStateException("operation " + id + " is not in the set");
        }
        words[w] &= ~bit;
        hash ^= code(id);
    }

    boolean contains(int id) {
        return (words[id >>> 6] & (1L << id)) != 0;
    }

    long hash() {
        return hash;
    }

    /** A copy of the words, for a memo entry that must not change as the search goes on. */
    long[] snapshotWords() {
        return words.clone();
    }

    /** The live words, not a copy: only for a transient lookup that ends before the set next changes. */
    long[] liveWords() {
        return words;
    }

    /** SplitMix64's finaliser: a bijective mix, so distinct ids get distinct, well-spread codes. */
    static long code(int id) {
        long z = (id + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
