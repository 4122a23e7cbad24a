package io.cairn.raft.member;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The client port's framing (a varint32 length, then a protobuf message, as {@code cairn_member.proto} says), done
 * in bulk: everything a connection has to send at one moment is encoded into a single buffer with one write and
 * one flush, and received frames are parsed straight out of the read buffer.
 *
 * <p>Why not Netty's protobuf encoder and prepender: they allocate two buffers per message and run each message
 * through the pipeline on its own; at 100,000 answers a second those allocations were the client port's largest
 * cost after the system calls (raft-core IV profile in docs/benchmarks.md). The bytes on the wire are the same.
 */
final class ProtoFrames {
    private ProtoFrames() {}

    /** One buffer holding every message of {@code messages}, each preceded by its varint32 length. */
    static ByteBuf encodeAll(ByteBufAllocator alloc, List<? extends MessageLite> messages) {
        int total = 0;
        for (int i = 0; i < messages.size(); i++) {
            int size = messages.get(i).getSerializedSize();
            total += CodedOutputStream.computeUInt32SizeNoTag(size) + size;
        }
        ByteBuf buf = alloc.ioBuffer(total);
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(buf.nioBuffer(0, total));
            for (int i = 0; i < messages.size(); i++) {
                MessageLite m = messages.get(i);
                out.writeUInt32NoTag(m.getSerializedSize());
                m.writeTo(out);
            }
            out.flush();
            out.checkNoSpaceLeft();
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return buf.writerIndex(total);
    }

    /**
     * Cuts varint32-length-prefixed frames of at most {@code frameBytesMax} and parses each with {@code parser};
     * a frame over the limit or bytes that do not parse close the connection (through the pipeline's exception
     * handling), never a buffer that grows without bound.
     */
    static final class Decoder<T extends MessageLite> extends ByteToMessageDecoder {
        private final Parser<T> parser;
        private final int frameBytesMax;

        Decoder(Parser<T> parser, int frameBytesMax) {
            this.parser = parser;
            this.frameBytesMax = frameBytesMax;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
            while (in.isReadable()) {
                int start = in.readerIndex();
                int length = readVarint32(in);
                if (length == -1) {
                    in.readerIndex(start); // the length itself is not all here yet
                    return;
                }
                if (length > frameBytesMax) {
                    throw new TooLongFrameException("a frame of " + length + " bytes is over the limit of "
                            + frameBytesMax);
                }
                if (in.readableBytes() < length) {
                    in.readerIndex(start);
                    return;
                }
                ByteBuffer bytes = in.nioBuffer(in.readerIndex(), length);
                in.skipBytes(length);
                try {
                    out.add(parser.parseFrom(CodedInputStream.newInstance(bytes)));
                } catch (InvalidProtocolBufferException e) {
                    throw new CorruptedFrameException("a frame does not parse: " + e.getMessage(), e);
                }
            }
        }

        /** The varint32 at the reader index, or -1 if it is incomplete; a longer varint is corrupt. */
        private static int readVarint32(ByteBuf in) {
            int result = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                if (!in.isReadable()) {
                    return -1;
                }
                byte b = in.readByte();
                result |= (b & 0x7F) << shift;
                if (b >= 0) {
                    if (result < 0) {
                        throw new CorruptedFrameException("a negative frame length");
                    }
                    return result;
                }
            }
            throw new CorruptedFrameException("a frame length longer than 5 bytes");
        }
    }
}
