package io.cairn.raft.transport;

import io.cairn.raft.core.Message;
import io.cairn.raft.transport.proto.PbBatch;
import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbHello;
import io.cairn.raft.transport.proto.PbPeerRequest;
import io.cairn.raft.transport.proto.PbPeerResponse;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a connection another member dialed to us: such a connection only brings things in
 * (Raft messages and snapshot chunks); the only frames written back on it are snapshot acks.
 *
 * <p>The first frame must be a Hello that names a member of the same cluster and wire version, within
 * {@code helloTimeoutMillis}; until then the decoder accepts frames of at most
 * {@link NettyTransportConfig#HELLO_FRAME_BYTES_MAX} bytes. Each batch is decoded whole before any of it is
 * delivered, and each message must come from the member that said Hello and be addressed to us. Whatever
 * breaks these rules closes the connection through {@link PeerErrors}; the member goes on serving the rest.
 *
 * <p>Or the first frame is a peer request ({@link PeerRequestHandler}): the connection then carries that one
 * question and its one answer, written back when the application's future completes (or "timed out" after
 * {@code peerRequestTimeoutMillis}), after which it closes; anything else the dialer sends meanwhile is a
 * violation.
 *
 * <p>Runs on the connection's event loop, and so does {@link Inbound#onMessage}.
 */
final class InboundHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    private final NettyTransport owner;
    private final NettyTransportConfig config;
    private final Counters counters;
    private final FrameDecoder decoder;
    private final Inbound inbound;

    /** The member that said Hello; 0 before. */
    private long peerId;
    private ScheduledFuture<?> helloTimer;
    private SnapshotReceiver snapshots;
    /** True once a peer request came first: the connection only waits to answer it. */
    private boolean answering;

    InboundHandler(NettyTransport owner, FrameDecoder decoder, Inbound inbound) {
        this.owner = owner;
        this.config = owner.config();
        this.counters = owner.counters();
        this.decoder = decoder;
        this.inbound = inbound;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        helloTimer = ctx.executor().schedule(() -> {
            if (peerId == 0) {
                badPeer(ctx, "no Hello within " + config.helloTimeoutMillis + " ms");
            }
        }, config.helloTimeoutMillis, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (helloTimer != null) {
            helloTimer.cancel(false);
        }
        if (snapshots != null) {
            snapshots.connectionClosed();
        }
        owner.inboundClosed(peerId, ctx.channel());
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!ctx.channel().isActive()) {
            return; // closed as a bad peer: ignore what was decoded from the same read
        }
        if (msg instanceof BatchCodec.Batch batch) {
            if (peerId == 0) {
                badPeer(ctx, "first frame is BATCH, not a Hello");
            } else {
                deliver(ctx, batch.groupId(), batch.messages());
            }
            return;
        }
        PbFrame frame = (PbFrame) msg;
        if (answering) {
            badPeer(ctx, frame.getBodyCase() + " frame after a peer request");
            return;
        }
        if (peerId == 0) {
            if (frame.hasPeerRequest()) {
                peerRequest(ctx, frame.getPeerRequest());
            } else {
                hello(ctx, frame);
            }
            return;
        }
        switch (frame.getBodyCase()) {
            case BATCH -> deliver(ctx, frame.getBatch());
            case SNAPSHOT_CHUNK -> snapshots(ctx).onChunk(frame.getSnapshotChunk());
            case HELLO -> badPeer(ctx, "a second Hello");
            default -> badPeer(ctx, "unexpected " + frame.getBodyCase() + " frame on a connection it dialed");
        }
    }

    private void hello(ChannelHandlerContext ctx, PbFrame frame) {
        if (!frame.hasHello()) {
            badPeer(ctx, "first frame is " + frame.getBodyCase() + ", not a Hello");
            return;
        }
        PbHello hello = frame.getHello();
        String refusal = WireCodec.refuseHello(hello, config.memberId, config.cluster);
        if (refusal != null) {
            badPeer(ctx, "Hello refused: " + refusal);
            return;
        }
        peerId = hello.getMemberId();
        helloTimer.cancel(false);
        decoder.limit(config.frameBytesMax);
        LOG.info("n{}: accepted a connection from n{} at {}", config.memberId, peerId, ctx.channel().remoteAddress());
        owner.inboundGreeted(peerId, ctx.channel());
    }

    /** Hands a peer request to the application and writes its answer back when it comes, then closes. */
    private void peerRequest(ChannelHandlerContext ctx, PbPeerRequest request) {
        answering = true;
        helloTimer.cancel(false);
        String refusal = WireCodec.refusePeerRequest(request, config.cluster);
        PeerRequestHandler handler = config.peerRequests;
        if (refusal == null && handler == null) {
            refusal = "member " + config.memberId + " answers no peer requests";
        }
        if (refusal != null) {
            LOG.info("n{}: refusing a peer request '{}' from {}: {}", config.memberId, request.getKind(),
                    ctx.channel().remoteAddress(), refusal);
            respond(ctx, PbPeerResponse.newBuilder().setError(refusal).build());
            return;
        }
        CompletableFuture<byte[]> answer;
        try {
            answer = handler.handle(request.getKind(), request.getBody().toByteArray());
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        if (answer == null) {
            answer = CompletableFuture.failedFuture(new IllegalStateException("no answer to " + request.getKind()));
        }
        answer.orTimeout(config.peerRequestTimeoutMillis, TimeUnit.MILLISECONDS).whenComplete((body, error) ->
                ctx.executor().execute(() -> respond(ctx, response(request.getKind(), body, error))));
    }

    private PbPeerResponse response(String kind, byte[] body, Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return PbPeerResponse.newBuilder().setError("member " + config.memberId + ": '" + kind
                    + "' not answered within " + config.peerRequestTimeoutMillis + " ms (timed out)").build();
        }
        if (cause != null) {
            String text = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName();
            return PbPeerResponse.newBuilder().setError(text).build();
        }
        if (body.length + NettyTransportConfig.FRAME_OVERHEAD_BYTES > config.frameBytesMax) {
            return PbPeerResponse.newBuilder().setError("member " + config.memberId + ": the answer to '" + kind
                    + "' has " + body.length + " bytes, over the frame limit of " + config.frameBytesMax).build();
        }
        return PbPeerResponse.newBuilder().setBody(com.google.protobuf.ByteString.copyFrom(body)).build();
    }

    private void respond(ChannelHandlerContext ctx, PbPeerResponse response) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(PbFrame.newBuilder().setPeerResponse(response).build())
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A batch the generated parser read (a frame of an unusual shape): converted, then as any other. */
    private void deliver(ChannelHandlerContext ctx, PbBatch batch) {
        List<Message> messages = new ArrayList<>(batch.getMessagesCount());
        for (int i = 0; i < batch.getMessagesCount(); i++) {
            try {
                messages.add(WireCodec.fromPb(batch.getMessages(i)));
            } catch (WireCodec.WireFormatException e) {
                badPeer(ctx, "bad message: " + e.getMessage());
                return;
            }
        }
        deliver(ctx, batch.getGroupId(), messages);
    }

    /** Delivers a batch, once every message in it is checked to come from the peer and to be meant for us. */
    private void deliver(ChannelHandlerContext ctx, long groupId, List<Message> messages) {
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.from() != peerId || m.to() != config.memberId) {
                badPeer(ctx, "message from n" + Long.toUnsignedString(m.from()) + " to n"
                        + Long.toUnsignedString(m.to()) + " on the connection of n" + peerId);
                return;
            }
        }
        for (Message m : messages) {
            counters.messagesReceived.increment();
            try {
                inbound.onMessage(groupId, m);
            } catch (RuntimeException e) {
                LOG.error("n{}: Inbound.onMessage threw on {} of group {}", config.memberId, m, groupId, e);
            }
        }
    }

    private SnapshotReceiver snapshots(ChannelHandlerContext ctx) {
        if (snapshots == null) {
            snapshots = owner.newSnapshotReceiver(ctx.channel(), peerId);
        }
        return snapshots;
    }

    private void badPeer(ChannelHandlerContext ctx, String reason) {
        PeerErrors.badPeer(ctx.channel(), config.memberId, peerId, reason, counters);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        PeerErrors.caught(ctx.channel(), cause, config.memberId, peerId, counters);
    }
}
