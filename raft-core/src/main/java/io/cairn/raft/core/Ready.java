package io.cairn.raft.core;

import java.util.List;

/**
 * Everything the core wants done since the previous {@code Ready}: the output half of {@link RaftNode}.
 *
 * <h2>Durability contract</h2>
 * A runtime handles each {@code Ready} in the order it was produced:
 * <ol>
 *   <li>{@link #snapshot} (when not null) is installed: the runtime restores its state machine from the snapshot
 *       data it received for it and makes that durable, replacing the stored log up to the snapshot's index.</li>
 *   <li>{@link #hardState} (when not null) and {@link #entries} are written to stable storage. If the first
 *       entry's index is at or below the last index already written, the stored log is first cut back to just
 *       before it (a conflicting suffix is replaced). Writes of successive {@code Ready}s must become durable
 *       in the order they were produced.</li>
 *   <li>{@link #messages} may be sent at once, before or while the write happens. On a leader these are
 *       AppendEntries and heartbeats: sending them in parallel with the leader's own disk write is safe
 *       because the leader counts itself towards a quorum only once {@link RaftNode#persisted} reports the
 *       write durable (thesis §10.2.1).</li>
 *   <li>{@link #messagesAfterPersist} may be sent only once this {@code Ready}'s write <em>and every earlier
 *       one</em> is durable. These are votes, a candidate's vote requests and a follower's acknowledgements:
 *       each promises something about the sender's durable state.</li>
 *   <li>Once the write is durable, the runtime calls {@link RaftNode#persisted(long, long)} with
 *       {@link #persistIndex} and {@link #persistTerm} (when {@link #entries} is not empty).</li>
 *   <li>{@link #committedEntries} are applied to the state machine in order. They are committed, so already
 *       durable on a quorum, and they are already durable locally (the core hands out only entries at or below
 *       the locally persisted index). A runtime may apply them in parallel with the write of this Ready.</li>
 *   <li>{@link #readStates} tell which reads may be served once the state machine has applied their index.</li>
 *   <li>{@link #forwardResults} tell where the leader put proposals this follower forwarded. A runtime handles
 *       them before this Ready's {@link #committedEntries}, which may already hold them.</li>
 *   <li>{@link #snapshotRequest} (when not null) asks the runtime to snapshot its state machine once it has
 *       applied the request's index, to store the snapshot durably, and then to call
 *       {@link RaftNode#snapshotTaken}; the core then drops the log below it.</li>
 * </ol>
 * All lists are owned by the receiver and never touched again by the core.
 */
public final class Ready {
    /** The hard state to write, or null when it has not changed since the last {@code Ready}. */
    public final HardState hardState;
    /** Entries to append to stable storage; empty when none. */
    public final List<Entry> entries;
    /** Messages that may leave now. */
    public final List<Message> messages;
    /** Messages that may leave only after this and every earlier {@code Ready}'s write is durable. */
    public final List<Message> messagesAfterPersist;
    /** Committed entries to apply, in index order. */
    public final List<Entry> committedEntries;
    /** Read requests whose answer is now known. */
    public final List<ReadState> readStates;
    /** Proposals forwarded to the leader whose fate is now known. */
    public final List<ForwardResult> forwardResults;
    /** The role and leader when they changed since the last {@code Ready}, otherwise null. */
    public final SoftState softState;
    /** A snapshot from the leader to install before anything else in this Ready, or null. */
    public final SnapshotMeta snapshot;
    /** A snapshot the core would like the runtime to take, or null. */
    public final SnapshotMeta snapshotRequest;

    Ready(HardState hardState, List<Entry> entries, List<Message> messages, List<Message> messagesAfterPersist,
            List<Entry> committedEntries, List<ReadState> readStates, List<ForwardResult> forwardResults,
            SoftState softState, SnapshotMeta snapshot, SnapshotMeta snapshotRequest) {
        this.hardState = hardState;
        this.entries = entries;
        this.messages = messages;
        this.messagesAfterPersist = messagesAfterPersist;
        this.committedEntries = committedEntries;
        this.readStates = readStates;
        this.forwardResults = forwardResults;
        this.softState = softState;
        this.snapshot = snapshot;
        this.snapshotRequest = snapshotRequest;
    }

    /** True when something must be written before {@link #messagesAfterPersist} may leave. */
    public boolean mustPersist() {
        return hardState != null || !entries.isEmpty() || snapshot != null;
    }

    /** The index to report to {@link RaftNode#persisted} once the write is durable (0 when no entries). */
    public long persistIndex() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
    }

    /** The term that goes with {@link #persistIndex()}. */
    public long persistTerm() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).term();
    }

    @Override
    public String toString() {
        return "Ready{hs=" + hardState + " entries=" + entries.size() + " msgs=" + messages.size() + "+"
                + messagesAfterPersist.size() + " committed=" + committedEntries.size() + " reads="
                + readStates.size() + (forwardResults.isEmpty() ? "" : " forwarded=" + forwardResults.size()) + " soft=" + softState + (snapshot != null ? " install " + snapshot : "")
                + (snapshotRequest != null ? " request " + snapshotRequest : "") + "}";
    }
}
