package io.cairn.raft.transport;

import com.google.protobuf.CodedOutputStream;
import io.cairn.raft.core.Invariants;
import io.cairn.raft.transport.proto.PbFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes a {@link PbFrame} as a 4-byte big-endian length and the frame's bytes, into one buffer of exactly that
 * size. The sender never builds a frame over the limit (messages too large alone are dropped before); the
 * check here guards that promise, since the peer would close the connection over it.
 */
final class FrameEncoder extends MessageToByteEncoder<PbFrame> {
    private final int limitBytes;
    private final Counters counters;

    FrameEncoder(int limitBytes, Counters counters) {
        super(PbFrame.class);
        this.limitBytes = limitBytes;
        this.counters = counters;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, PbFrame frame, boolean preferDirect) {
        return ctx.alloc().ioBuffer(FrameDecoder.LENGTH_BYTES + frame.getSerializedSize());
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, PbFrame frame, ByteBuf out) throws IOException {
        int size = frame.getSerializedSize();
        Invariants.check(size <= limitBytes, "frame of %d bytes over the limit of %d", size, limitBytes);
        out.writeInt(size);
        ByteBuffer target = out.nioBuffer(out.writerIndex(), size);
        CodedOutputStream cos = CodedOutputStream.newInstance(target);
        frame.writeTo(cos);
        cos.flush();
        cos.checkNoSpaceLeft();
        out.writerIndex(out.writerIndex() + size);
        counters.bytesSent.add(FrameDecoder.LENGTH_BYTES + size);
        counters.framesSent.increment();
    }
}
