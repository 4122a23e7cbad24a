package io.cairn.raft.transport;

import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbSnapshotAck;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The last handler of a connection this member dialed to a peer. Messages leave through {@link Peer}'s flush;
 * the only frames the peer may send back are snapshot acks, handed to the stream they name. Anything else is
 * a protocol violation (the connection closes and the peer redials it with backoff). When the connection's
 * output drains below the low-water mark, the peer's queue is flushed again.
 *
 * <p>Runs on the peer's event loop.
 */
final class OutboundHandler extends ChannelInboundHandlerAdapter {
    private final Peer peer;
    private final NettyTransportConfig config;
    private final Counters counters;

    OutboundHandler(Peer peer, NettyTransportConfig config, Counters counters) {
        this.peer = peer;
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (!(msg instanceof PbFrame frame) || !frame.hasSnapshotAck()) {
            String what = msg instanceof PbFrame f ? f.getBodyCase().toString() : "BATCH";
            PeerErrors.badPeer(ctx.channel(), config.memberId, peer.id,
                    "unexpected " + what + " frame on a connection we dialed", counters);
            return;
        }
        PbSnapshotAck ack = frame.getSnapshotAck();
        SnapshotSender stream = peer.stream(ack.getStreamId());
        if (stream != null) {
            stream.ack(ack);
        } // else: the stream ended already (timed out or failed); a late ack means nothing
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            peer.scheduleFlush();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        PeerErrors.caught(ctx.channel(), cause, config.memberId, peer.id, counters);
    }
}
