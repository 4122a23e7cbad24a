package io.cairn.raft.core;

import io.cairn.raft.core.confchange.Configuration;

/**
 * What the core knows of a snapshot: the last entry it covers and the configuration in effect there. The data
 * itself (the state machine's image) never passes through the core: the runtime takes it, stores it and
 * streams it to followers in chunks; the core only decides when one is needed and what it must cover.
 */
public record SnapshotMeta(long index, long term, Configuration configuration) {
    public SnapshotMeta {
        Invariants.check(index > 0 && term > 0, "a snapshot covers at least one entry (index %d, term %d)", index,
                term);
    }

    @Override
    public String toString() {
        return "snapshot " + term + "/" + index + " " + configuration;
    }
}
