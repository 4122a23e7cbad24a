package io.cairn.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.transport.proto.PbEntry;
import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbMessage;
import io.cairn.raft.transport.proto.PbSnapshotMeta;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Message to protobuf and back: every type with every field, through real bytes; and what decoding refuses. */
class WireCodecTest {

    private static Message roundTrip(Message m) throws Exception {
        byte[] wire = WireCodec.batch(9, List.of(WireCodec.toPb(m))).toByteArray();
        PbFrame frame = PbFrame.parseFrom(wire);
        assertThat(frame.getBatch().getGroupId()).isEqualTo(9);
        return WireCodec.fromPb(frame.getBatch().getMessages(0));
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void everyTypeWithEveryFieldSurvivesTheWire(MessageType type) throws Exception {
        Message m = Samples.full(type, 1, 2);
        Message back = roundTrip(m);
        assertThat(back).isEqualTo(m);
        assertThat(back.snapshot().configuration().isJoint()).isTrue();
        assertThat(back.entries()).hasSize(4);
    }

    @ParameterizedTest
    @EnumSource(MessageType.class)
    void extremeValuesSurviveAsUnsigned(MessageType type) throws Exception {
        Message m = Samples.extremes(type);
        assertThat(roundTrip(m)).isEqualTo(m);
    }

    @Test
    void everyFactoryMessageSurvives() throws Exception {
        SnapshotMeta meta = new SnapshotMeta(10, 2, Configuration.ofVoters(1, 2, 3));
        List<Message> all = List.of(
                Message.voteRequest(MessageType.PRE_VOTE, 1, 2, 5, 4, 30),
                Message.transferVoteRequest(1, 2, 5, 4, 30),
                Message.voteResponse(MessageType.VOTE_RESPONSE, 2, 1, 5, true),
                Message.timeoutNow(1, 2, 5),
                Message.snapshot(1, 2, 5, meta, 10),
                Samples.append(1, 2, 3, 100),
                Message.appendAccepted(2, 1, 5, 31),
                Message.appendRejected(2, 1, 5, 31, 20, 3),
                Message.heartbeat(1, 2, 5, 30, 17),
                Message.heartbeatResponse(2, 1, 5, 17),
                Message.readIndex(2, 1, 5, 99),
                Message.readIndexResponse(1, 2, 5, 99, 31, false));
        for (Message m : all) {
            Message back = roundTrip(m);
            assertThat(back).as(m.toString()).isEqualTo(m);
            assertThat(back.snapshot()).isEqualTo(m.snapshot());
        }
    }

    @Test
    void decodedEntriesAreImmutable() throws Exception {
        Message back = roundTrip(Samples.append(1, 2, 2, 8));
        assertThatThrownBy(() -> back.entries().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void unknownMessageTypeIsRefused() {
        PbMessage p = WireCodec.toPb(Message.timeoutNow(1, 2, 3)).toBuilder().setType(MessageType.values().length)
                .build();
        assertThatThrownBy(() -> WireCodec.fromPb(p)).isInstanceOf(WireCodec.WireFormatException.class)
                .hasMessageContaining("unknown message type");
    }

    @Test
    void entriesTheCoreWouldRefuseAreRefused() {
        PbMessage base = WireCodec.toPb(Samples.append(1, 2, 1, 4));
        PbMessage indexZero = base.toBuilder().setEntries(0, base.getEntries(0).toBuilder().setIndex(0)).build();
        PbMessage badType = base.toBuilder().setEntries(0, base.getEntries(0).toBuilder().setType(-1)).build();
        PbMessage negativeTerm = base.toBuilder().addEntries(PbEntry.newBuilder().setTerm(-1).setIndex(3)).build();
        for (PbMessage p : List.of(indexZero, badType, negativeTerm)) {
            assertThatThrownBy(() -> WireCodec.fromPb(p)).isInstanceOf(WireCodec.WireFormatException.class);
        }
    }

    @Test
    void badSnapshotMetadataIsRefused() {
        PbMessage base = WireCodec.toPb(Message.snapshot(1, 2, 5, new SnapshotMeta(10, 2, Configuration.ofVoters(1)), 10));
        PbMessage garbageConfig = base.toBuilder().setSnapshot(base.getSnapshot().toBuilder()
                .setConfiguration(ByteString.copyFrom(new byte[] {9, 9, 9}))).build();
        PbMessage indexZero = base.toBuilder().setSnapshot(base.getSnapshot().toBuilder().setIndex(0)).build();
        PbMessage missing = base.toBuilder().clearSnapshot().build();
        for (PbMessage p : List.of(garbageConfig, indexZero, missing)) {
            assertThatThrownBy(() -> WireCodec.fromPb(p)).isInstanceOf(WireCodec.WireFormatException.class);
        }
        assertThatThrownBy(() -> WireCodec.fromPb(PbSnapshotMeta.getDefaultInstance()))
                .isInstanceOf(WireCodec.WireFormatException.class);
    }

    @Test
    void helloIsRefusedForTheWrongClusterVersionOrMember() {
        assertThat(WireCodec.refuseHello(WireCodec.hello(2, 1, "c").getHello(), 1, "c")).isNull();
        assertThat(WireCodec.refuseHello(WireCodec.hello(2, 0, "c").getHello(), 1, "c")).isNull();
        assertThat(WireCodec.refuseHello(WireCodec.hello(2, 1, "other").getHello(), 1, "c")).contains("cluster");
        assertThat(WireCodec.refuseHello(WireCodec.hello(2, 3, "c").getHello(), 1, "c")).contains("dialed member 3");
        assertThat(WireCodec.refuseHello(WireCodec.hello(0, 1, "c").getHello(), 1, "c")).contains("member id 0");
        assertThat(WireCodec.refuseHello(WireCodec.hello(1, 1, "c").getHello(), 1, "c")).contains("our own");
        assertThat(WireCodec.refuseHello(WireCodec.hello(2, 1, "c").getHello().toBuilder()
                .setProtocolVersion(WireCodec.PROTOCOL_VERSION + 1).build(), 1, "c")).contains("protocol version");
    }
}
