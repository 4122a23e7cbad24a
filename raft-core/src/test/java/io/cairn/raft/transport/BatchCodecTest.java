package io.cairn.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.transport.proto.PbEntry;
import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The hand-written batch codec against the generated protobuf classes, in both directions: the bytes it writes
 * are the bytes the generated code writes, and it reads what the generated code writes into the same messages
 * that {@link WireCodec#fromPb} makes, refusing the same bad values. A peer running either path must not tell
 * the difference.
 */
class BatchCodecTest {

    /** The frame payload (after the length prefix) as {@link BatchCodec} writes it. */
    private static byte[] encode(long groupId, List<Message> messages) throws Exception {
        int[] sizes = new int[messages.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = BatchCodec.messageSize(messages.get(i));
        }
        int batchSize = BatchCodec.batchSize(groupId, sizes, sizes.length);
        ByteBuf buf = Unpooled.buffer(BatchCodec.frameWireSize(batchSize));
        BatchCodec.writeBatchFrame(buf, groupId, messages, sizes, sizes.length, batchSize);
        assertThat(buf.readableBytes()).isEqualTo(BatchCodec.frameWireSize(batchSize));
        assertThat(buf.readInt()).isEqualTo(buf.readableBytes());
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    /** The same frame as the generated classes write it. */
    private static byte[] generated(long groupId, List<Message> messages) {
        List<PbMessage> pbs = new ArrayList<>();
        for (Message m : messages) {
            pbs.add(WireCodec.toPb(m));
        }
        return WireCodec.batch(groupId, pbs).toByteArray();
    }

    private static BatchCodec.Batch decode(byte[] payload) throws Exception {
        return BatchCodec.decodeBatchFrame(ByteBuffer.wrap(payload));
    }

    private static void assertSameBothWays(long groupId, List<Message> messages) throws Exception {
        byte[] ours = encode(groupId, messages);
        assertThat(ours).isEqualTo(generated(groupId, messages));
        BatchCodec.Batch back = decode(ours);
        assertThat(back.groupId()).isEqualTo(groupId);
        assertThat(back.messages()).isEqualTo(messages);
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void everyTypeWithEveryFieldIsWrittenAndReadAsTheGeneratedCodeDoes(MessageType type) throws Exception {
        assertSameBothWays(9, List.of(Samples.full(type, 1, 2)));
        assertSameBothWays(-1L, List.of(Samples.extremes(type), Samples.full(type, 1, 2)));
    }

    @Test
    void randomBatchesAreByteForByteTheGeneratedEncoding() throws Exception {
        Random random = new Random(20261201);
        for (int round = 0; round < 2_000; round++) {
            List<Message> messages = new ArrayList<>();
            int count = random.nextInt(5);
            for (int i = 0; i < count; i++) {
                messages.add(randomMessage(random));
            }
            long groupId = random.nextInt(3) == 0 ? 0 : random.nextLong();
            assertSameBothWays(groupId, messages);
        }
    }

    @Test
    void anEmptyBatchOfGroupZeroIsStillABatch() throws Exception {
        BatchCodec.Batch back = decode(encode(0, List.of()));
        assertThat(back.groupId()).isZero();
        assertThat(back.messages()).isEmpty();
    }

    @Test
    void framesOfAnotherShapeAreLeftToTheGeneratedParser() throws Exception {
        assertThat(decode(WireCodec.hello(1, 2, "c").toByteArray())).isNull();
        assertThat(decode(WireCodec.ack(3, 10, false, null).toByteArray())).isNull();
        assertThat(decode(new byte[0])).isNull();
        byte[] batchThenHello = concat(generated(1, List.of(Samples.numbered(1, 2, 1))),
                WireCodec.hello(1, 2, "c").toByteArray());
        assertThat(decode(batchThenHello)).isNull();
        assertThat(PbFrame.parseFrom(batchThenHello).hasHello()).isTrue(); // the last field of a oneof wins
    }

    @Test
    void unknownFieldsAreSkippedAsTheGeneratedParserSkipsThem() throws Exception {
        Message m = Samples.full(MessageType.APPEND, 1, 2);
        UnknownFieldSet extra = UnknownFieldSet.newBuilder()
                .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(5).addLengthDelimited(ByteString.copyFromUtf8("x")).build())
                .build();
        PbMessage withExtra = WireCodec.toPb(m).toBuilder().setUnknownFields(extra)
                .setEntries(0, WireCodec.toPb(m).getEntries(0).toBuilder().setUnknownFields(extra)).build();
        byte[] payload = WireCodec.batch(4, List.of(withExtra)).toByteArray();
        assertThat(decode(payload).messages()).containsExactly(m);
    }

    @Test
    void valuesTheCoreRefusesAreWireFormatErrors() {
        PbMessage unknownType = WireCodec.toPb(Samples.numbered(1, 2, 1)).toBuilder().setType(999).build();
        assertThatThrownBy(() -> decode(WireCodec.batch(1, List.of(unknownType)).toByteArray()))
                .isInstanceOf(WireCodec.WireFormatException.class).hasMessageContaining("unknown message type 999");

        PbMessage entryAtZero = WireCodec.toPb(Samples.append(1, 2, 1, 4)).toBuilder()
                .setEntries(0, PbEntry.newBuilder().setTerm(2).setIndex(0).build()).build();
        assertThatThrownBy(() -> decode(WireCodec.batch(1, List.of(entryAtZero)).toByteArray()))
                .isInstanceOf(WireCodec.WireFormatException.class).hasMessageContaining("index 0");

        PbMessage unknownEntryType = WireCodec.toPb(Samples.append(1, 2, 1, 4)).toBuilder()
                .setEntries(0, PbEntry.newBuilder().setTerm(2).setIndex(1).setType(-1).build()).build();
        assertThatThrownBy(() -> decode(WireCodec.batch(1, List.of(unknownEntryType)).toByteArray()))
                .isInstanceOf(WireCodec.WireFormatException.class).hasMessageContaining("unknown entry type");

        PbMessage snapshotWithoutMeta = WireCodec.toPb(Samples.numbered(1, 2, 1)).toBuilder()
                .setType(MessageType.SNAPSHOT.ordinal()).build();
        assertThatThrownBy(() -> decode(WireCodec.batch(1, List.of(snapshotWithoutMeta)).toByteArray()))
                .isInstanceOf(WireCodec.WireFormatException.class).hasMessageContaining("without snapshot metadata");
    }

    @Test
    void truncatedOrGarbledBytesAreNotProtobuf() throws Exception {
        byte[] good = generated(1, List.of(Samples.append(1, 2, 3, 50)));
        for (int cut = 1; cut < good.length; cut += 7) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> decode(truncated)).isInstanceOf(InvalidProtocolBufferException.class);
        }
        byte[] garbage = {0x12, 0x05, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
        assertThatThrownBy(() -> decode(garbage)).isInstanceOf(InvalidProtocolBufferException.class);
    }

    private static Message randomMessage(Random r) {
        MessageType[] types = MessageType.values();
        MessageType type = types[r.nextInt(types.length)];
        List<Entry> entries = new ArrayList<>();
        int n = r.nextInt(4) == 0 ? 0 : r.nextInt(6);
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[r.nextInt(3) == 0 ? 0 : r.nextInt(400)];
            r.nextBytes(data);
            EntryType et = EntryType.values()[r.nextInt(EntryType.values().length)];
            entries.add(new Entry(1 + (r.nextLong() >>> 1), 1 + r.nextInt(1_000_000), et, data));
        }
        SnapshotMeta snapshot = type == MessageType.SNAPSHOT || r.nextInt(10) == 0
                ? new SnapshotMeta(1 + r.nextInt(1000), 1 + r.nextInt(10), Configuration.ofVoters(1, 2, 3)) : null;
        return new Message(type, maybe(r), maybe(r), maybe(r), maybe(r), maybe(r), entries, maybe(r),
                r.nextBoolean(), maybe(r), maybe(r), snapshot);
    }

    /** Zero a third of the time (proto3 leaves zeros out), any 64-bit value otherwise. */
    private static long maybe(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> r.nextInt(1000);
            default -> r.nextLong();
        };
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
