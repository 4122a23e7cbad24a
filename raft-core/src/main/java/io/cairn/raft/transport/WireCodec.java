package io.cairn.raft.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.transport.proto.PbBatch;
import io.cairn.raft.transport.proto.PbEntry;
import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbHello;
import io.cairn.raft.transport.proto.PbMessage;
import io.cairn.raft.transport.proto.PbSnapshotAck;
import io.cairn.raft.transport.proto.PbSnapshotMeta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Translation between the core's {@link Message} and the wire's {@link PbMessage}, and builders of the frames
 * the transport sends. Pure functions, no state; safe from any thread.
 *
 * <p>Decoding trusts nothing: every ordinal is range-checked and every value the core's constructors refuse
 * (an entry at index 0, a configuration that does not decode) becomes a {@link WireFormatException}, which
 * the transport treats as a bad peer. Encoding does not copy entry data: {@link Entry}'s bytes are immutable
 * by contract, so they are wrapped as they are.
 */
public final class WireCodec {
    /** Bumped when a change to the frames would be misread by an older member. */
    public static final int PROTOCOL_VERSION = 1;

    private WireCodec() {}

    /** The bytes a peer sent cannot be a valid frame or message. */
    public static final class WireFormatException extends Exception {
        private static final long serialVersionUID = 1L;

        public WireFormatException(String message) {
            super(message);
        }
    }

    public static PbMessage toPb(Message m) {
        PbMessage.Builder b = PbMessage.newBuilder()
                .setType(m.type().ordinal())
                .setFrom(m.from())
                .setTo(m.to())
                .setTerm(m.term())
                .setLogTerm(m.logTerm())
                .setIndex(m.index())
                .setCommit(m.commit())
                .setReject(m.reject())
                .setRejectHint(m.rejectHint())
                .setContext(m.context());
        List<Entry> entries = m.entries();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            b.addEntries(PbEntry.newBuilder()
                    .setTerm(e.term())
                    .setIndex(e.index())
                    .setType(e.type().ordinal())
                    .setData(wrap(e.data())));
        }
        if (m.snapshot() != null) {
            b.setSnapshot(toPb(m.snapshot()));
        }
        return b.build();
    }

    public static PbSnapshotMeta toPb(SnapshotMeta s) {
        return PbSnapshotMeta.newBuilder()
                .setIndex(s.index())
                .setTerm(s.term())
                .setConfiguration(UnsafeByteOperations.unsafeWrap(s.configuration().encode()))
                .build();
    }

    /** Decodes a message; throws if any field is out of range or refused by the core's types. */
    public static Message fromPb(PbMessage p) throws WireFormatException {
        MessageType type = messageType(p.getType());
        List<Entry> entries = entries(p);
        SnapshotMeta snapshot = p.hasSnapshot() ? fromPb(p.getSnapshot()) : null;
        if (type == MessageType.SNAPSHOT && snapshot == null) {
            throw new WireFormatException("SNAPSHOT message without snapshot metadata");
        }
        return new Message(type, p.getFrom(), p.getTo(), p.getTerm(), p.getLogTerm(), p.getIndex(), entries,
                p.getCommit(), p.getReject(), p.getRejectHint(), p.getContext(), snapshot);
    }

    public static SnapshotMeta fromPb(PbSnapshotMeta p) throws WireFormatException {
        try {
            return new SnapshotMeta(p.getIndex(), p.getTerm(), Configuration.decode(p.getConfiguration().toByteArray()));
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new WireFormatException("bad snapshot metadata: " + e.getMessage());
        }
    }

    private static MessageType messageType(int ordinal) throws WireFormatException {
        if (ordinal < 0 || ordinal >= MessageType.values().length) {
            throw new WireFormatException("unknown message type " + Integer.toUnsignedString(ordinal));
        }
        return MessageType.ofOrdinal(ordinal);
    }

    private static List<Entry> entries(PbMessage p) throws WireFormatException {
        int n = p.getEntriesCount();
        if (n == 0) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            PbEntry e = p.getEntries(i);
            if (e.getType() < 0 || e.getType() >= EntryType.values().length) {
                throw new WireFormatException("unknown entry type " + Integer.toUnsignedString(e.getType()));
            }
            if (e.getTerm() <= 0 || e.getIndex() <= 0) {
                throw new WireFormatException("entry with term " + Long.toUnsignedString(e.getTerm())
                        + " and index " + Long.toUnsignedString(e.getIndex()));
            }
            out.add(new Entry(e.getTerm(), e.getIndex(), EntryType.ofOrdinal(e.getType()), e.getData().toByteArray()));
        }
        return Collections.unmodifiableList(out);
    }

    private static ByteString wrap(byte[] data) {
        return data.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(data);
    }

    // ---------------------------------------------------------------------------------------------------
    // Frames

    public static PbFrame hello(long memberId, long toMemberId, String cluster) {
        return PbFrame.newBuilder().setHello(PbHello.newBuilder()
                .setMemberId(memberId)
                .setToMemberId(toMemberId)
                .setCluster(cluster)
                .setProtocolVersion(PROTOCOL_VERSION)).build();
    }

    public static PbFrame batch(long groupId, List<PbMessage> messages) {
        return PbFrame.newBuilder().setBatch(PbBatch.newBuilder().setGroupId(groupId).addAllMessages(messages))
                .build();
    }

    public static PbFrame ack(long streamId, long receivedBytes, boolean done, String error) {
        return PbFrame.newBuilder().setSnapshotAck(PbSnapshotAck.newBuilder()
                .setStreamId(streamId)
                .setReceivedBytes(receivedBytes)
                .setDone(done)
                .setError(error == null ? "" : error)).build();
    }

    /**
     * Why {@code hello} is refused by member {@code localId} of {@code cluster}, or null when it is accepted.
     */
    /** Why a peer request cannot be answered here (another wire version or cluster), or null. */
    public static String refusePeerRequest(io.cairn.raft.transport.proto.PbPeerRequest request, String cluster) {
        if (request.getProtocolVersion() != PROTOCOL_VERSION) {
            return "protocol version " + Integer.toUnsignedString(request.getProtocolVersion()) + ", we speak "
                    + PROTOCOL_VERSION;
        }
        if (!request.getCluster().equals(cluster)) {
            return "cluster '" + request.getCluster() + "', we are '" + cluster + "'";
        }
        return null;
    }

    public static String refuseHello(PbHello hello, long localId, String cluster) {
        if (hello.getProtocolVersion() != PROTOCOL_VERSION) {
            return "protocol version " + Integer.toUnsignedString(hello.getProtocolVersion()) + ", we speak "
                    + PROTOCOL_VERSION;
        }
        if (!hello.getCluster().equals(cluster)) {
            return "cluster '" + hello.getCluster() + "', we are '" + cluster + "'";
        }
        if (hello.getMemberId() == 0) {
            return "member id 0";
        }
        if (hello.getMemberId() == localId) {
            return "member id " + localId + " is our own";
        }
        if (hello.getToMemberId() != 0 && hello.getToMemberId() != localId) {
            return "dialed member " + Long.toUnsignedString(hello.getToMemberId()) + ", we are " + localId;
        }
        return null;
    }
}
