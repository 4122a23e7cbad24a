package io.cairn.apiserver.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import javax.net.ssl.SSLException;

/**
 * A tiny HTTPS server for tests: {@link Pki#serverContext()}, ALPN to HTTP/2 or HTTP/1.1, and one handler that runs
 * the {@link Authenticator} on every request and answers with who it saw ({@code {"user":…,"groups":[…],
 * "protocol":…}}), or the 401 Status. {@code /version} answers version 1.32 to anyone, because kubectl's version
 * dispatcher asks for it before running the real kubectl. Every outcome is queued for the test to inspect.
 */
public final class WhoAmIServer implements AutoCloseable {
    /** What one request or handshake came to. */
    public record Seen(String path, String protocol, User user, int status, String handshakeFailure) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Authenticator authenticator;
    private final Channel server;
    public final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();

    public WhoAmIServer(Pki pki, Authenticator authenticator) throws SSLException, InterruptedException {
        this.authenticator = authenticator;
        SslContext ssl = pki.serverContext();
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new Negotiation());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Negotiation extends ApplicationProtocolNegotiationHandler {
        Negotiation() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                ctx.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                        new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                        new HttpObjectAggregator(1 << 16), new WhoAmI(protocol));
                            }
                        }));
            } else {
                ctx.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16), new WhoAmI(protocol));
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            seen.add(new Seen(null, null, null, 0, String.valueOf(cause)));
            ctx.close();
        }
    }

    private final class WhoAmI extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final String protocol;

        WhoAmI(String protocol) {
            this.protocol = protocol;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            Channel c = ctx.channel();
            SslHandler ssl = c.pipeline().get(SslHandler.class);
            if (ssl == null && c.parent() != null) {
                ssl = c.parent().pipeline().get(SslHandler.class);
            }
            String path = req.uri();
            ObjectNode body;
            HttpResponseStatus status = HttpResponseStatus.OK;
            User user = null;
            try {
                Optional<User> u = authenticator.authenticate(ssl.engine().getSession(),
                        req.headers().get(HttpHeaderNames.AUTHORIZATION));
                user = u.orElse(null);
                if (path.startsWith("/version")) {
                    body = JSON.createObjectNode().put("major", "1").put("minor", "32").put("gitVersion", "v1.32.0")
                            .put("platform", "linux/amd64");
                } else if (user == null) {
                    throw ApiException.unauthorized();
                } else {
                    body = JSON.createObjectNode().put("user", user.name()).put("protocol", protocol);
                    user.groups().forEach(body.putArray("groups")::add);
                }
            } catch (ApiException e) {
                status = HttpResponseStatus.valueOf(e.code());
                body = e.toStatus();
            }
            seen.add(new Seen(path, protocol, user, status.code(), null));
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(JSON.writeValueAsBytes(body)));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
            ctx.writeAndFlush(resp);
        }
    }
}
