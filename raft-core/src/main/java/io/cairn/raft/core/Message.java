package io.cairn.raft.core;

import java.util.List;

/**
 * One message between members. A single flat record keeps encoding simple and allocation low; the static
 * factories below say which fields each type uses, and every other field is zero.
 *
 * <ul>
 *   <li>{@code logTerm, index}: for APPEND the previous entry (prevLogTerm, prevLogIndex); for VOTE and
 *       PRE_VOTE the candidate's last entry; for an accepted APPEND_RESPONSE {@code index} is the highest index
 *       now known to match; for a rejected one it is the rejected prevLogIndex and {@code logTerm, rejectHint}
 *       carry the fast back-off hint; for READ_INDEX_RESPONSE {@code index} is the read index.</li>
 *   <li>{@code commit}: the sender's commit index (APPEND, HEARTBEAT, QUIESCE).</li>
 *   <li>QUIESCE carries the leader's last entry in {@code logTerm, index}: a follower whose log ends elsewhere
 *       stays awake.</li>
 *   <li>{@code context}: the read round (HEARTBEAT and its response), the request id (READ_INDEX and its
 *       response), or {@link #CAMPAIGN_TRANSFER} on a VOTE sent because of a leadership transfer.</li>
 *   <li>{@code snapshot}: the snapshot's metadata (SNAPSHOT only).</li>
 * </ul>
 *
 * <p>The entries list is never modified after the message is built.
 */
public record Message(
        MessageType type,
        long from,
        long to,
        long term,
        long logTerm,
        long index,
        List<Entry> entries,
        long commit,
        boolean reject,
        long rejectHint,
        long context,
        SnapshotMeta snapshot) {

    /** A VOTE's context when the candidate campaigns because the leader handed leadership to it. */
    public static final long CAMPAIGN_TRANSFER = 1;

    public Message {
        if (entries == null) {
            entries = List.of();
        }
    }

    private Message(MessageType type, long from, long to, long term, long logTerm, long index, List<Entry> entries,
            long commit, boolean reject, long rejectHint, long context) {
        this(type, from, to, term, logTerm, index, entries, commit, reject, rejectHint, context, null);
    }

    public static Message voteRequest(MessageType type, long from, long to, long term, long lastTerm, long lastIndex) {
        return new Message(type, from, to, term, lastTerm, lastIndex, null, 0, false, 0, 0);
    }

    /** A VOTE sent by the target of a leadership transfer: voters grant it even while they hear from a leader. */
    public static Message transferVoteRequest(long from, long to, long term, long lastTerm, long lastIndex) {
        return new Message(MessageType.VOTE, from, to, term, lastTerm, lastIndex, null, 0, false, 0,
                CAMPAIGN_TRANSFER);
    }

    public static Message timeoutNow(long from, long to, long term) {
        return new Message(MessageType.TIMEOUT_NOW, from, to, term, 0, 0, null, 0, false, 0, 0);
    }

    public static Message snapshot(long from, long to, long term, SnapshotMeta snapshot, long commit) {
        return new Message(MessageType.SNAPSHOT, from, to, term, 0, 0, null, commit, false, 0, 0, snapshot);
    }

    public static Message voteResponse(MessageType type, long from, long to, long term, boolean reject) {
        return new Message(type, from, to, term, 0, 0, null, 0, reject, 0, 0);
    }

    public static Message append(long from, long to, long term, long prevTerm, long prevIndex, List<Entry> entries,
            long commit) {
        return new Message(MessageType.APPEND, from, to, term, prevTerm, prevIndex, entries, commit, false, 0, 0);
    }

    public static Message appendAccepted(long from, long to, long term, long matchIndex) {
        return new Message(MessageType.APPEND_RESPONSE, from, to, term, 0, matchIndex, null, 0, false, 0, 0);
    }

    public static Message appendRejected(long from, long to, long term, long rejectedIndex, long hintIndex,
            long hintTerm) {
        return new Message(MessageType.APPEND_RESPONSE, from, to, term, hintTerm, rejectedIndex, null, 0, true,
                hintIndex, 0);
    }

    public static Message heartbeat(long from, long to, long term, long commit, long readRound) {
        return new Message(MessageType.HEARTBEAT, from, to, term, 0, 0, null, commit, false, 0, readRound);
    }

    public static Message heartbeatResponse(long from, long to, long term, long readRound) {
        return new Message(MessageType.HEARTBEAT_RESPONSE, from, to, term, 0, 0, null, 0, false, 0, readRound);
    }

    /** The leader's group is quiet: its last entry is {@code lastTerm/lastIndex}, all of it committed. */
    public static Message quiesce(long from, long to, long term, long lastTerm, long lastIndex, long commit) {
        return new Message(MessageType.QUIESCE, from, to, term, lastTerm, lastIndex, null, commit, false, 0, 0);
    }

    public static Message wake(long from, long to, long term) {
        return new Message(MessageType.WAKE, from, to, term, 0, 0, null, 0, false, 0, 0);
    }

    public static Message readIndex(long from, long to, long term, long requestId) {
        return new Message(MessageType.READ_INDEX, from, to, term, 0, 0, null, 0, false, 0, requestId);
    }

    public static Message readIndexResponse(long from, long to, long term, long requestId, long index,
            boolean reject) {
        return new Message(MessageType.READ_INDEX_RESPONSE, from, to, term, 0, index, null, 0, reject, 0, requestId);
    }

    /**
     * A follower's proposal for its leader. Each command rides as an entry at a placeholder position (index
     * {@code i + 1}, term 1): the leader appends only the data.
     */
    public static Message forward(long from, long to, long term, long context, List<byte[]> commands) {
        List<Entry> entries = new java.util.ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            entries.add(Entry.command(1, i + 1, commands.get(i)));
        }
        return new Message(MessageType.FORWARD, from, to, term, 0, 0, entries, 0, false, 0, context);
    }

    /** The leader appended a forwarded proposal at {@code firstIndex} in {@code entryTerm}. */
    public static Message forwardAccepted(long from, long to, long term, long context, long firstIndex,
            long entryTerm) {
        return new Message(MessageType.FORWARD_RESPONSE, from, to, term, entryTerm, firstIndex, null, 0, false, 0,
                context);
    }

    /**
     * A forwarded proposal was not appended: {@code rejectHint} is the {@link ProposeResult.Rejection}'s ordinal,
     * {@code commit} the leader the refusing member knows of.
     */
    public static Message forwardRefused(long from, long to, long term, long context, ProposeResult.Rejection why,
            long leaderHint) {
        return new Message(MessageType.FORWARD_RESPONSE, from, to, term, 0, 0, null, leaderHint, true, why.ordinal(),
                context);
    }

    /** The {@code rejectHint} of a FORWARD_RESPONSE that says "appended or not, the answerer cannot tell". */
    public static final long FORWARD_OUTCOME_UNKNOWN = -1;

    /**
     * A forwarded proposal whose fate the answering member cannot tell: a copy of a FORWARD older than what its
     * leader remembers, or a FORWARD reaching a member that may have led in that term and no longer does. The
     * asker reports the outcome unknown; nothing was appended for this copy.
     */
    public static Message forwardOutcomeUnknown(long from, long to, long term, long context) {
        return new Message(MessageType.FORWARD_RESPONSE, from, to, term, 0, 0, null, RaftNode.NONE, true,
                FORWARD_OUTCOME_UNKNOWN, context);
    }

    /** Bytes of entry payload carried, with framing overhead; used for in-flight byte limits. */
    public long entriesBytes() {
        long total = 0;
        for (int i = 0; i < entries.size(); i++) {
            total += entries.get(i).sizeBytes();
        }
        return total;
    }

    /** The same message addressed with a new term; used by tests that forge stale messages. */
    public Message withTerm(long newTerm) {
        return new Message(type, from, to, newTerm, logTerm, index, entries, commit, reject, rejectHint, context,
                snapshot);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        b.append(RaftNode.idString(from)).append("->").append(RaftNode.idString(to)).append(' ').append(type)
                .append(" term=").append(term);
        switch (type) {
            case PRE_VOTE, VOTE -> b.append(" last=").append(logTerm).append('/').append(index)
                    .append(context == CAMPAIGN_TRANSFER ? " (transfer)" : "");
            case SNAPSHOT -> b.append(' ').append(snapshot);
            case PRE_VOTE_RESPONSE, VOTE_RESPONSE -> b.append(reject ? " rejected" : " granted");
            case APPEND -> {
                b.append(" prev=").append(logTerm).append('/').append(index).append(" commit=").append(commit);
                b.append(" entries=").append(entries);
            }
            case APPEND_RESPONSE -> {
                if (reject) {
                    b.append(" rejected index=").append(index).append(" hint=").append(logTerm).append('/')
                            .append(rejectHint);
                } else {
                    b.append(" match=").append(index);
                }
            }
            case HEARTBEAT -> b.append(" commit=").append(commit).append(" round=").append(context);
            case HEARTBEAT_RESPONSE -> b.append(" round=").append(context);
            case READ_INDEX -> b.append(" request=").append(context);
            case READ_INDEX_RESPONSE -> b.append(" request=").append(context)
                    .append(reject ? " rejected" : " index=" + index);
            case FORWARD -> b.append(" request=").append(context).append(" commands=").append(entries.size());
            case FORWARD_RESPONSE -> b.append(" request=").append(context).append(reject
                    ? " refused " + (rejectHint >= 0 && rejectHint < ProposeResult.Rejection.values().length
                            ? ProposeResult.Rejection.values()[(int) rejectHint] : rejectHint)
                    : " at " + logTerm + "/" + index);
            default -> { }
        }
        return b.toString();
    }
}
