package io.cairn.jepsen.checker;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The configurations the search has already entered: pairs of (set of linearized operations, model state).
 *
 * <p>This is Lowe's memoisation. Two paths that linearize the same operations and end in the same model
 * state have identical futures, so the second is cut. In a depth-first search a configuration found here was
 * either fully explored without success (otherwise the search would have stopped) or lies on the current
 * path, which is impossible because the set strictly grows along a path; so cutting it is always safe.
 *
 * <p>Memory: one entry per successful linearization step, each holding a copy of the bitset (operations / 64
 * longs); the step budget therefore also bounds memory.
 */
final class VisitedConfigurations {
    private final Set<Configuration> seen = new HashSet<>();

    /** Records the configuration; false when it had been recorded before. */
    boolean add(OpSet linearized, Object state) {
        // Look up with the live words first, so a hit (the common case when backtracking) copies nothing.
        if (seen.contains(new Configuration(linearized.liveWords(), linearized.hash(), state))) {
            return false;
        }
        seen.add(new Configuration(linearized.snapshotWords(), linearized.hash(), state));
        return true;
    }

    int size() {
        return seen.size();
    }

    /** A memo key; a stored key owns its copy of the words, a lookup key may borrow the live ones. */
    private static final class Configuration {
        private final long[] words;
        private final long setHash;
        private final Object state;
        private final int hash;

        Configuration(long[] words, long setHash, Object state) {
            this.words = words;
            this.setHash = setHash;
            this.state = state;
            this.hash = Long.hashCode(setHash) * 31 + state.hashCode();
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Configuration c
                    && c.hash == hash
                    && c.setHash == setHash
                    && c.state.equals(state)
                    && Arrays.equals(c.words, words);
        }
    }
}
