package io.cairn.raft.core;

/** What a log entry carries. */
public enum EntryType {
    /** A command for the user's state machine. */
    COMMAND,
    /** The empty entry a new leader appends so that an entry of its own term can commit (thesis §6.4). */
    NOOP,
    /** A membership change (raft-core II). */
    CONFIG;

    private static final EntryType[] VALUES = values();

    public static EntryType ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
