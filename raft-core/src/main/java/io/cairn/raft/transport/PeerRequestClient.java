package io.cairn.raft.transport;

import com.google.protobuf.ByteString;
import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbPeerRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asks a member's peer port a question ({@link PeerRequestHandler} answers it there): one connection per request,
 * a {@code PbPeerRequest} instead of a Hello, one {@code PbPeerResponse} back, then the connection closes. What a
 * process that is not a member yet uses to learn the membership and its own id from a running member, as etcd's
 * new member asks its peers {@code GET /members}; and what a follower uses to hand the leader a request only the
 * leader can decide.
 *
 * <p>Bounds: the request is at most {@link NettyTransportConfig#HELLO_FRAME_BYTES_MAX} bytes (what an acceptor
 * takes before a Hello), the answer at most {@code responseBytesMax}; each request fails after its timeout, which
 * covers connecting, the TLS handshake and the answer. TLS as the peer transport's ({@link PeerTls}), when given.
 *
 * <p>Owns one NIO event loop thread (daemon) until {@link #close}; {@link #send} may be called from any thread, and
 * its futures complete on that event loop.
 */
public final class PeerRequestClient implements AutoCloseable {
    private final String cluster;
    private final PeerTls.Contexts tls;
    private final int responseBytesMax;
    private final IoFlavor io = IoFlavor.choose(false);
    private final EventLoopGroup group;
    private final Counters counters = new Counters();

    /**
     * @param cluster the cluster name the peers' transports were configured with
     * @param tls the peers' mutual TLS, or null for plain TCP
     * @param responseBytesMax the largest answer taken; a larger one fails the request
     */
    public PeerRequestClient(String cluster, PeerTls tls, int responseBytesMax) {
        this.cluster = cluster;
        this.tls = tls == null ? null : tls.contexts();
        this.responseBytesMax = responseBytesMax;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cairn-peer-request", true),
                io.ioHandlerFactory());
    }

    /**
     * Sends question {@code kind} with {@code body} to the member listening on {@code to}; completes with its
     * answer's body, or fails with a {@link PeerRequestException} that says why there is none.
     */
    public CompletableFuture<byte[]> send(InetSocketAddress to, String kind, byte[] body, long timeoutMillis) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        PbFrame request = PbFrame.newBuilder().setPeerRequest(PbPeerRequest.newBuilder().setCluster(cluster)
                .setProtocolVersion(WireCodec.PROTOCOL_VERSION).setKind(kind).setBody(ByteString.copyFrom(body)))
                .build();
        if (request.getSerializedSize() > NettyTransportConfig.HELLO_FRAME_BYTES_MAX) {
            answer.completeExceptionally(new PeerRequestException("peer request '" + kind + "' of "
                    + request.getSerializedSize() + " bytes is over the limit of "
                    + NettyTransportConfig.HELLO_FRAME_BYTES_MAX));
            return answer;
        }
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(io.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.client().newHandler(ch.alloc(), to.getHostString(),
                                    to.getPort()));
                        }
                        ch.pipeline()
                                .addLast("decoder", new FrameDecoder(responseBytesMax, counters))
                                .addLast("encoder", new FrameEncoder(NettyTransportConfig.HELLO_FRAME_BYTES_MAX,
                                        counters))
                                .addLast("handler", new AnswerHandler(to, kind, request, answer));
                    }
                });
        ChannelFuture connected;
        try {
            connected = b.connect(to);
        } catch (RuntimeException e) {
            answer.completeExceptionally(new PeerRequestException("cannot reach " + to + ": " + e, e));
            return answer;
        }
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                answer.completeExceptionally(new PeerRequestException("cannot reach " + to + ": "
                        + f.cause().getMessage(), f.cause()));
            }
        });
        Channel ch = connected.channel();
        ch.eventLoop().schedule(() -> {
            if (answer.completeExceptionally(new PeerRequestException("no answer from " + to + " to '" + kind
                    + "' within " + timeoutMillis + " ms"))) {
                ch.close();
            }
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        return answer;
    }

    /** Writes the request once connected, takes the one answer, and fails the request on anything else. */
    private static final class AnswerHandler extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress to;
        private final String kind;
        private final PbFrame request;
        private final CompletableFuture<byte[]> answer;

        AnswerHandler(InetSocketAddress to, String kind, PbFrame request, CompletableFuture<byte[]> answer) {
            this.to = to;
            this.kind = kind;
            this.request = request;
            this.answer = answer;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(request);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof PbFrame frame && frame.hasPeerResponse()) {
                if (frame.getPeerResponse().getError().isEmpty()) {
                    answer.complete(frame.getPeerResponse().getBody().toByteArray());
                } else {
                    answer.completeExceptionally(new PeerRequestException(to + " did not answer '" + kind + "': "
                            + frame.getPeerResponse().getError()));
                }
            } else {
                String what = msg instanceof PbFrame f ? f.getBodyCase().toString() : "BATCH";
                answer.completeExceptionally(new PeerRequestException(to + " sent a " + what
                        + " frame instead of an answer to '" + kind + "'"));
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.completeExceptionally(new PeerRequestException(to + " closed the connection without answering '"
                    + kind + "'"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.completeExceptionally(new PeerRequestException("asking " + to + " '" + kind + "' failed: "
                    + cause.getMessage(), cause));
            ctx.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
