package io.cairn.raft.transport;

import io.cairn.raft.transport.proto.PbFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Cuts the byte stream of a connection into frames (a 4-byte big-endian length, then that many bytes) and
 * parses each: a frame of one batch of Raft messages straight into a {@link BatchCodec.Batch} (the hot path),
 * any other as a {@link PbFrame}.
 *
 * <p>The limit is checked as soon as a length prefix is read, before any of the frame is buffered, so a peer
 * can make this connection hold at most one frame of the current limit. The limit starts small (a Hello is
 * tiny) and is raised by {@link #limit(int)} once the Hello is accepted; a stranger cannot make the member
 * buffer 16 MiB. On the first violation the decoder throws {@link PeerViolation} and from then on discards
 * everything, so the handler that closes the connection sees exactly one reason.
 *
 * <p>Owned by the connection's event loop, like every Netty handler.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    /** Bytes of the length prefix. */
    static final int LENGTH_BYTES = 4;

    private final Counters counters;
    private int limitBytes;
    private boolean failed;

    FrameDecoder(int limitBytes, Counters counters) {
        this.limitBytes = limitBytes;
        this.counters = counters;
    }

    /** Changes the largest frame accepted from now on. */
    void limit(int limitBytes) {
        this.limitBytes = limitBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < LENGTH_BYTES) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length > limitBytes) {
            throw fail(in, "frame of " + length + " bytes is over the limit of " + limitBytes);
        }
        if (in.readableBytes() < LENGTH_BYTES + length) {
            return;
        }
        in.skipBytes(LENGTH_BYTES);
        ByteBuf payload = in.readSlice((int) length);
        Object frame;
        try {
            ByteBuffer bytes = payload.nioBuffer();
            BatchCodec.Batch batch = BatchCodec.decodeBatchFrame(bytes.duplicate());
            frame = batch != null ? batch : PbFrame.parseFrom(bytes);
        } catch (WireCodec.WireFormatException e) {
            throw fail(in, "bad message: " + e.getMessage());
        } catch (IOException e) {
            throw fail(in, "bytes do not parse as a frame (" + e.getMessage() + ")");
        }
        if (frame instanceof PbFrame pb && pb.getBodyCase() == PbFrame.BodyCase.BODY_NOT_SET) {
            throw fail(in, "frame of " + length + " bytes has no body we know");
        }
        counters.bytesReceived.add(LENGTH_BYTES + length);
        counters.framesReceived.increment();
        out.add(frame);
    }

    private PeerViolation fail(ByteBuf in, String reason) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return new PeerViolation(reason);
    }
}
