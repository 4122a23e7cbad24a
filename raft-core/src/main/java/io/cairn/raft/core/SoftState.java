package io.cairn.raft.core;

/** Volatile state a runtime wants to know about: who leads (as far as this member knows) and in which role it is. */
public record SoftState(long leader, Role role, long term) {
    @Override
    public String toString() {
        return role + " term=" + term + " leader=" + RaftNode.idString(leader);
    }
}
