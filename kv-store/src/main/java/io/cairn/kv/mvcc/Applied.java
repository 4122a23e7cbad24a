package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

/**
 * One committed Raft entry for the store: its log index and the {@code KvCommand} bytes proposed.
 *
 * @param index the Raft log index (1-based); commands of one {@link MvccStore#apply} call ascend
 * @param command the encoded {@link io.cairn.kv.proto.KvCommand}
 */
public record Applied(long index, byte[] command) {
    public Applied {
        Invariants.check(index >= 1, "raft index must be >= 1: %s", index);
        Invariants.check(command != null, "command must not be null");
    }
}
