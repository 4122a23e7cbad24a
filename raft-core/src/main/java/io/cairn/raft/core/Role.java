package io.cairn.raft.core;

/** A member's role. PRE_CANDIDATE is the pre-vote phase (thesis §9.6): it has not raised its term. */
public enum Role {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
