package io.cairn.raft.transport;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Invariants;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.transport.proto.PbSnapshotMeta;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The wire's hot path: a batch frame ({@code PbFrame{batch: PbBatch}} of {@code cairn_raft.proto}) written
 * straight from the core's {@link Message}s into a Netty buffer, and read straight back into them, without the
 * generated {@code PbMessage}/{@code PbEntry} objects in between.
 *
 * <p>Why: at 100,000 proposals a second the generated path built, per entry and per follower, a builder, a
 * {@code PbEntry} and a {@code ByteString}, serialized them into a buffer of their own, and on the receiving side
 * copied every entry's bytes twice (into a {@code ByteString}, then out of it with {@code toByteArray}). Here an
 * entry's data is copied exactly once each way: into the outgoing buffer, and out of the received one into the
 * {@link Entry}.
 *
 * <p>Invariant: the bytes are exactly those the generated classes produce for the same message (fields in number
 * order, proto3 defaults omitted), and {@link #decodeBatchFrame} accepts exactly what the generated parser plus
 * {@link WireCodec#fromPb} accept for a frame that holds one batch; a frame of any other shape returns null so
 * that the generated parser decides. {@code BatchCodecTest} holds both directions against the generated code.
 *
 * <p>Pure functions; safe from any thread.
 */
final class BatchCodec {
    private static final int FRAME_BATCH = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    private static final int BATCH_GROUP_ID = tag(1, WireFormat.WIRETYPE_VARINT);
    private static final int BATCH_MESSAGE = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);

    private static final int M_TYPE = 1;
    private static final int M_FROM = 2;
    private static final int M_TO = 3;
    private static final int M_TERM = 4;
    private static final int M_LOG_TERM = 5;
    private static final int M_INDEX = 6;
    private static final int M_ENTRIES = 7;
    private static final int M_COMMIT = 8;
    private static final int M_REJECT = 9;
    private static final int M_REJECT_HINT = 10;
    private static final int M_CONTEXT = 11;
    private static final int M_SNAPSHOT = 12;

    private static final int E_TERM = 1;
    private static final int E_INDEX = 2;
    private static final int E_TYPE = 3;
    private static final int E_DATA = 4;

    private static final MessageType[] MESSAGE_TYPES = MessageType.values();
    private static final EntryType[] ENTRY_TYPES = EntryType.values();

    private BatchCodec() {}

    private static int tag(int field, int wireType) {
        return field << 3 | wireType;
    }

    /** A decoded batch frame: the group and its messages, in order. */
    record Batch(long groupId, List<Message> messages) {}

    // ---------------------------------------------------------------------------------------------------
    // Sizes

    /** Bytes of {@code m} encoded as a PbMessage (without its own tag and length). */
    static int messageSize(Message m) {
        int n = uint64Size(M_TYPE, m.type().ordinal()) + uint64Size(M_FROM, m.from()) + uint64Size(M_TO, m.to())
                + uint64Size(M_TERM, m.term()) + uint64Size(M_LOG_TERM, m.logTerm())
                + uint64Size(M_INDEX, m.index());
        List<Entry> entries = m.entries();
        for (int i = 0; i < entries.size(); i++) {
            n += CodedOutputStream.computeUInt32SizeNoTag(tag(M_ENTRIES, WireFormat.WIRETYPE_LENGTH_DELIMITED))
                    + lengthDelimitedSize(entrySize(entries.get(i)));
        }
        n += uint64Size(M_COMMIT, m.commit()) + (m.reject() ? CodedOutputStream.computeBoolSize(M_REJECT, true) : 0)
                + uint64Size(M_REJECT_HINT, m.rejectHint()) + uint64Size(M_CONTEXT, m.context());
        if (m.snapshot() != null) {
            n += CodedOutputStream.computeMessageSize(M_SNAPSHOT, WireCodec.toPb(m.snapshot()));
        }
        return n;
    }

    private static int entrySize(Entry e) {
        return uint64Size(E_TERM, e.term()) + uint64Size(E_INDEX, e.index()) + uint64Size(E_TYPE, e.type().ordinal())
                + (e.data().length == 0 ? 0 : CodedOutputStream.computeByteArraySize(E_DATA, e.data()));
    }

    /** Bytes of a PbBatch of {@code groupId} holding {@code count} messages of the given {@link #messageSize}s. */
    static int batchSize(long groupId, int[] sizes, int count) {
        int n = uint64Size(1, groupId);
        for (int i = 0; i < count; i++) {
            n += 1 + lengthDelimitedSize(sizes[i]);
        }
        return n;
    }

    /** Bytes of the whole frame on the wire: length prefix, PbFrame tag and length, the batch. */
    static int frameWireSize(int batchSize) {
        return FrameDecoder.LENGTH_BYTES + 1 + lengthDelimitedSize(batchSize);
    }

    private static int uint64Size(int field, long value) {
        return value == 0 ? 0 : CodedOutputStream.computeUInt64Size(field, value);
    }

    private static int lengthDelimitedSize(int size) {
        return CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    }

    // ---------------------------------------------------------------------------------------------------
    // Encoding

    /**
     * Writes one frame (length prefix and PbFrame) holding {@code count} messages of {@code groupId}, whose sizes
     * are {@code sizes} and whose batch size is {@code batchSize}, at {@code out}'s writer index.
     */
    static void writeBatchFrame(ByteBuf out, long groupId, List<Message> messages, int[] sizes, int count,
            int batchSize) throws IOException {
        int frameSize = frameWireSize(batchSize) - FrameDecoder.LENGTH_BYTES;
        out.writeInt(frameSize);
        ByteBuffer target = out.nioBuffer(out.writerIndex(), frameSize);
        CodedOutputStream cos = CodedOutputStream.newInstance(target);
        cos.writeUInt32NoTag(FRAME_BATCH);
        cos.writeUInt32NoTag(batchSize);
        if (groupId != 0) {
            cos.writeUInt64(1, groupId);
        }
        for (int i = 0; i < count; i++) {
            cos.writeUInt32NoTag(BATCH_MESSAGE);
            cos.writeUInt32NoTag(sizes[i]);
            writeMessage(cos, messages.get(i));
        }
        cos.flush();
        Invariants.check(cos.spaceLeft() == 0, "batch frame of %d bytes encoded with %d left over", frameSize,
                cos.spaceLeft());
        out.writerIndex(out.writerIndex() + frameSize);
    }

    private static void writeMessage(CodedOutputStream cos, Message m) throws IOException {
        writeUInt64(cos, M_TYPE, m.type().ordinal());
        writeUInt64(cos, M_FROM, m.from());
        writeUInt64(cos, M_TO, m.to());
        writeUInt64(cos, M_TERM, m.term());
        writeUInt64(cos, M_LOG_TERM, m.logTerm());
        writeUInt64(cos, M_INDEX, m.index());
        List<Entry> entries = m.entries();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            cos.writeUInt32NoTag(tag(M_ENTRIES, WireFormat.WIRETYPE_LENGTH_DELIMITED));
            cos.writeUInt32NoTag(entrySize(e));
            writeUInt64(cos, E_TERM, e.term());
            writeUInt64(cos, E_INDEX, e.index());
            writeUInt64(cos, E_TYPE, e.type().ordinal());
            if (e.data().length > 0) {
                cos.writeByteArray(E_DATA, e.data());
            }
        }
        writeUInt64(cos, M_COMMIT, m.commit());
        if (m.reject()) {
            cos.writeBool(M_REJECT, true);
        }
        writeUInt64(cos, M_REJECT_HINT, m.rejectHint());
        writeUInt64(cos, M_CONTEXT, m.context());
        if (m.snapshot() != null) {
            cos.writeMessage(M_SNAPSHOT, WireCodec.toPb(m.snapshot()));
        }
    }

    private static void writeUInt64(CodedOutputStream cos, int field, long value) throws IOException {
        if (value != 0) {
            cos.writeUInt64(field, value);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Decoding

    /**
     * Decodes a frame's payload (the bytes after the length prefix) if it is one batch and nothing else; returns
     * null for any other frame, which the generated parser then reads.
     *
     * @throws InvalidProtocolBufferException the bytes are not protobuf
     * @throws WireCodec.WireFormatException the bytes are protobuf, but a value is out of range
     */
    static Batch decodeBatchFrame(ByteBuffer payload) throws IOException, WireCodec.WireFormatException {
        if (!payload.hasRemaining() || (payload.get(payload.position()) & 0xFF) != FRAME_BATCH) {
            return null;
        }
        CodedInputStream in = CodedInputStream.newInstance(payload);
        in.readTag();
        int limit = in.pushLimit(in.readRawVarint32());
        Batch batch = readBatch(in);
        in.popLimit(limit);
        return in.isAtEnd() ? batch : null; // more fields after the batch: let the generated parser merge them
    }

    private static Batch readBatch(CodedInputStream in) throws IOException, WireCodec.WireFormatException {
        long groupId = 0;
        List<Message> messages = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            if (tag == BATCH_GROUP_ID) {
                groupId = in.readUInt64();
            } else if (tag == BATCH_MESSAGE) {
                int limit = in.pushLimit(in.readRawVarint32());
                messages.add(readMessage(in));
                in.popLimit(limit);
            } else if (!in.skipField(tag)) {
                throw new InvalidProtocolBufferException("an end-group tag where none was opened");
            }
        }
        return new Batch(groupId, messages);
    }

    private static Message readMessage(CodedInputStream in) throws IOException, WireCodec.WireFormatException {
        int type = 0;
        long from = 0;
        long to = 0;
        long term = 0;
        long logTerm = 0;
        long index = 0;
        List<Entry> entries = null;
        long commit = 0;
        boolean reject = false;
        long rejectHint = 0;
        long context = 0;
        SnapshotMeta snapshot = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case M_TYPE << 3 -> type = in.readUInt32();
                case M_FROM << 3 -> from = in.readUInt64();
                case M_TO << 3 -> to = in.readUInt64();
                case M_TERM << 3 -> term = in.readUInt64();
                case M_LOG_TERM << 3 -> logTerm = in.readUInt64();
                case M_INDEX << 3 -> index = in.readUInt64();
                case M_ENTRIES << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    if (entries == null) {
                        entries = new ArrayList<>();
                    }
                    int limit = in.pushLimit(in.readRawVarint32());
                    entries.add(readEntry(in));
                    in.popLimit(limit);
                }
                case M_COMMIT << 3 -> commit = in.readUInt64();
                case M_REJECT << 3 -> reject = in.readBool();
                case M_REJECT_HINT << 3 -> rejectHint = in.readUInt64();
                case M_CONTEXT << 3 -> context = in.readUInt64();
                case M_SNAPSHOT << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> snapshot = mergeSnapshot(in, snapshot);
                default -> {
                    if (!in.skipField(tag)) {
                        throw new InvalidProtocolBufferException("an end-group tag where none was opened");
                    }
                }
            }
        }
        if (type < 0 || type >= MESSAGE_TYPES.length) {
            throw new WireCodec.WireFormatException("unknown message type " + Integer.toUnsignedString(type));
        }
        MessageType messageType = MESSAGE_TYPES[type];
        if (messageType == MessageType.SNAPSHOT && snapshot == null) {
            throw new WireCodec.WireFormatException("SNAPSHOT message without snapshot metadata");
        }
        return new Message(messageType, from, to, term, logTerm, index,
                entries == null ? List.of() : Collections.unmodifiableList(entries), commit, reject, rejectHint,
                context, snapshot);
    }

    /** A repeated singular message field merges, as protobuf's parser does; SNAPSHOT messages are rare. */
    private static SnapshotMeta mergeSnapshot(CodedInputStream in, SnapshotMeta before)
            throws IOException, WireCodec.WireFormatException {
        PbSnapshotMeta.Builder b = before == null ? PbSnapshotMeta.newBuilder() : WireCodec.toPb(before).toBuilder();
        in.readMessage(b, com.google.protobuf.ExtensionRegistryLite.getEmptyRegistry());
        return WireCodec.fromPb(b.build());
    }

    private static Entry readEntry(CodedInputStream in) throws IOException, WireCodec.WireFormatException {
        long term = 0;
        long index = 0;
        int type = 0;
        byte[] data = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (tag) {
                case E_TERM << 3 -> term = in.readUInt64();
                case E_INDEX << 3 -> index = in.readUInt64();
                case E_TYPE << 3 -> type = in.readUInt32();
                case E_DATA << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> data = in.readByteArray();
                default -> {
                    if (!in.skipField(tag)) {
                        throw new InvalidProtocolBufferException("an end-group tag where none was opened");
                    }
                }
            }
        }
        if (type < 0 || type >= ENTRY_TYPES.length) {
            throw new WireCodec.WireFormatException("unknown entry type " + Integer.toUnsignedString(type));
        }
        if (term <= 0 || index <= 0) {
            throw new WireCodec.WireFormatException("entry with term " + Long.toUnsignedString(term) + " and index "
                    + Long.toUnsignedString(index));
        }
        return new Entry(term, index, ENTRY_TYPES[type], data == null ? EMPTY : data);
    }

    private static final byte[] EMPTY = new byte[0];
}
