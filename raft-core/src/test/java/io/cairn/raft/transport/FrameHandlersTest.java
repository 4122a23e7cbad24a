package io.cairn.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbMessage;
import io.cairn.raft.transport.proto.PbSnapshotChunk;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The inbound pipeline (frame decoder, encoder, handler) of a connection another member dialed, driven byte by
 * byte through an {@link EmbeddedChannel}: valid frames are decoded and delivered; a peer that breaks the
 * protocol in any way is disconnected and counted, and never makes the pipeline throw.
 */
class FrameHandlersTest {
    private static final long LOCAL = 1;
    private static final long PEER = 2;
    private static final int FRAME_MAX = 4096;
    private static final long HELLO_TIMEOUT_MILLIS = 500;

    private final NettyTransport transport = new NettyTransport(NettyTransportConfig
            .builder(LOCAL, new InetSocketAddress("127.0.0.1", 0))
            .cluster("test")
            .frameBytesMax(FRAME_MAX)
            .peerQueueBytesMax(FRAME_MAX)
            .snapshotChunkBytes(1024)
            .helloTimeoutMillis(HELLO_TIMEOUT_MILLIS)
            .ioThreads(1)
            .build());
    private final RecordingInbound inbound = new RecordingInbound();

    @AfterEach
    void close() {
        transport.close();
    }

    private EmbeddedChannel inboundChannel() {
        return new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                transport.initInbound(ch, inbound);
            }
        });
    }

    /** A frame as the wire carries it: 4-byte length, then the protobuf bytes. */
    static ByteBuf wire(PbFrame frame) {
        byte[] body = frame.toByteArray();
        return Unpooled.buffer().writeInt(body.length).writeBytes(body);
    }

    private static PbFrame hello() {
        return WireCodec.hello(PEER, LOCAL, "test");
    }

    private static PbFrame batch(long groupId, Message... messages) {
        List<PbMessage> pbs = new ArrayList<>();
        for (Message m : messages) {
            pbs.add(WireCodec.toPb(m));
        }
        return WireCodec.batch(groupId, pbs);
    }

    private void assertDisconnectedAsBadPeer(EmbeddedChannel ch) {
        assertThat(ch.isOpen()).as("connection closed").isFalse();
        assertThat(transport.stats().badPeers()).isEqualTo(1);
        ch.checkException(); // nothing reached the end of the pipeline
    }

    @Test
    void validFramesAreDecodedEvenWhenTheyArriveByteByByte() {
        EmbeddedChannel ch = inboundChannel();
        ByteBuf all = Unpooled.buffer();
        all.writeBytes(wire(hello()));
        all.writeBytes(wire(batch(7, Samples.full(MessageType.APPEND, PEER, LOCAL), Samples.numbered(PEER, LOCAL, 1))));
        all.writeBytes(wire(batch(8, Samples.numbered(PEER, LOCAL, 2))));
        while (all.isReadable()) {
            ch.writeInbound(all.readRetainedSlice(1));
        }
        assertThat(ch.isOpen()).isTrue();
        assertThat(inbound.messages).extracting(RecordingInbound.Received::groupId).containsExactly(7L, 7L, 8L);
        assertThat(inbound.messages.get(0).message()).isEqualTo(Samples.full(MessageType.APPEND, PEER, LOCAL));
        assertThat(transport.stats().messagesReceived()).isEqualTo(3);
        assertThat(transport.stats().framesReceived()).isEqualTo(3);
        assertThat(transport.stats().badPeers()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void severalFramesInOneReadAreAllDelivered() {
        EmbeddedChannel ch = inboundChannel();
        ByteBuf all = Unpooled.buffer().writeBytes(wire(hello()));
        for (int i = 0; i < 50; i++) {
            all.writeBytes(wire(batch(1, Samples.numbered(PEER, LOCAL, i))));
        }
        ch.writeInbound(all);
        assertThat(inbound.messages).hasSize(50);
        assertThat(inbound.messages.get(49).message().commit()).isEqualTo(49);
        ch.finishAndReleaseAll();
    }

    @Test
    void frameOverTheLimitBeforeHelloClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        // 2000 bytes is far below frameBytesMax, but a stranger may send at most a Hello's worth
        ch.writeInbound(Unpooled.buffer().writeInt(2000).writeBytes(new byte[100]));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void frameOverTheLimitAfterHelloClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(Unpooled.buffer().writeInt(FRAME_MAX + 1));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void lengthPrefixAboveTwoGigabytesClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(Unpooled.buffer().writeInt(0xFFFF_FFF0));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void bytesThatDoNotParseCloseTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        byte[] junk = new byte[300];
        new Random(42).nextBytes(junk);
        junk[0] = (byte) 0xFF; // an invalid tag, so it cannot parse by luck
        ch.writeInbound(Unpooled.buffer().writeInt(junk.length).writeBytes(junk));
        assertDisconnectedAsBadPeer(ch);
        assertThat(inbound.messages).isEmpty();
    }

    @Test
    void randomBytesCloseTheConnection() {
        for (int seed = 0; seed < 20; seed++) {
            EmbeddedChannel ch = inboundChannel();
            byte[] junk = new byte[2048];
            new Random(seed).nextBytes(junk);
            ch.writeInbound(Unpooled.wrappedBuffer(junk));
            assertThat(ch.isOpen()).as("seed %d", seed).isFalse();
            ch.checkException();
        }
        assertThat(transport.stats().badPeers()).isEqualTo(20);
    }

    @Test
    void emptyFrameClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(Unpooled.buffer().writeInt(0));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void firstFrameOtherThanHelloClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(batch(1, Samples.numbered(PEER, LOCAL, 1))));
        assertDisconnectedAsBadPeer(ch);
        assertThat(inbound.messages).isEmpty();
    }

    @Test
    void silenceWithoutHelloClosesTheConnectionAfterTheTimeout() {
        EmbeddedChannel ch = inboundChannel();
        ch.advanceTimeBy(HELLO_TIMEOUT_MILLIS - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void helloInTimeCancelsTheTimeout() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        ch.advanceTimeBy(10 * HELLO_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void helloOfAnotherClusterClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(WireCodec.hello(PEER, LOCAL, "production")));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void secondHelloClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        ch.writeInbound(wire(hello()));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void messageFromAnotherMemberThanTheHelloClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        ch.writeInbound(wire(batch(1, Samples.numbered(PEER, LOCAL, 1), Samples.numbered(3, LOCAL, 2))));
        assertDisconnectedAsBadPeer(ch);
        assertThat(inbound.messages).as("a bad batch is refused whole").isEmpty();
    }

    @Test
    void messageTheCoreWouldRefuseClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        PbMessage bad = WireCodec.toPb(Samples.numbered(PEER, LOCAL, 1)).toBuilder().setType(99).build();
        ch.writeInbound(wire(WireCodec.batch(1, List.of(bad))));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void ackOnAConnectionThePeerDialedClosesIt() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        ch.writeInbound(wire(WireCodec.ack(1, 0, false, null)));
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void snapshotChunkOfAnUnknownStreamPastOffsetZeroClosesTheConnection() {
        EmbeddedChannel ch = inboundChannel();
        ch.writeInbound(wire(hello()));
        ch.writeInbound(wire(PbFrame.newBuilder().setSnapshotChunk(PbSnapshotChunk.newBuilder()
                .setStreamId(5).setGroupId(1).setTotalBytes(100).setOffset(50)).build()));
        // the chunk is checked on a snapshot I/O thread, which closes the channel
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(() -> transport.stats().badPeers() == 1 && !ch.isOpen());
        assertDisconnectedAsBadPeer(ch);
    }

    @Test
    void encoderWritesWhatTheDecoderReads() {
        Counters counters = new Counters();
        EmbeddedChannel out = new EmbeddedChannel(new FrameEncoder(FRAME_MAX, counters));
        PbFrame frame = batch(3, Samples.full(MessageType.SNAPSHOT, PEER, LOCAL));
        out.writeOutbound(frame);
        ByteBuf bytes = out.readOutbound();
        EmbeddedChannel in = new EmbeddedChannel(new FrameDecoder(FRAME_MAX, counters));
        in.writeInbound(bytes);
        BatchCodec.Batch back = in.readInbound(); // a frame of one batch comes out as the core's messages
        assertThat(back.groupId()).isEqualTo(3);
        assertThat(back.messages()).containsExactly(Samples.full(MessageType.SNAPSHOT, PEER, LOCAL));
        assertThat(counters.bytesSent.sum()).isEqualTo(counters.bytesReceived.sum()).isEqualTo(
                4 + frame.getSerializedSize());
    }
}
