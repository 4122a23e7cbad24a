package io.cairn.apiserver.http;

import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.auth.User;
import io.cairn.apiserver.api.Json;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API over HTTP/1.1 and HTTP/2 (ALPN over TLS; HTTP/1.1 when plain), on Netty. Each request is authenticated on
 * the event loop, then handed to a bounded pool of request threads that run the {@link Dispatcher} (429 when the pool
 * is full). Bodies are limited to 3 MiB (413). A watch streams its events as chunks, bounded per watcher: one that
 * falls more than {@link #STREAM_PENDING_MAX} bytes behind is ended and must watch again. A watch may also be asked for
 * over WebSocket (HTTP/1.1 upgrade, as fabric8's client does): each event is then a text frame.
 */
public final class ApiHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiHttpServer.class);
    public static final int BODY_MAX = 3 * 1024 * 1024;
    static final long STREAM_PENDING_MAX = 16L * 1024 * 1024;

    /** Turns a request's TLS session and Authorization header into a user name, or throws 401. */
    public interface Authn {
        User authenticate(SSLSession sessionOrNull, String authorizationOrNull);
    }

    private final InetSocketAddress bind;
    private final SslContext ssl;
    private final Authn authn;
    private final Dispatcher dispatcher;
    private final ExecutorService requests;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel channel;

    public ApiHttpServer(InetSocketAddress bind, SslContext sslOrNull, Authn authn, Dispatcher dispatcher,
                         ExecutorService requests) {
        this.bind = bind;
        this.ssl = sslOrNull;
        this.authn = authn;
        this.dispatcher = dispatcher;
        this.requests = requests;
    }

    /** Binds and serves; answers the bound address. */
    public InetSocketAddress start() throws InterruptedException {
        boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl == null) {
                            http1(ch.pipeline());
                            return;
                        }
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                            @Override
                            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                    http2(ctx.pipeline());
                                } else {
                                    http1(ctx.pipeline());
                                }
                            }
                        });
                    }
                });
        channel = b.bind(bind).sync().channel();
        return (InetSocketAddress) channel.localAddress();
    }

    private void http1(ChannelPipeline p) {
        p.addLast(new HttpServerCodec());
        p.addLast(new BoundedAggregator(false));
        p.addLast(new RequestHandler(false));
    }

    private void http2(ChannelPipeline p) {
        p.addLast(Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(1000)).build());
        p.addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                ch.pipeline().addLast(new BoundedAggregator(true));
                ch.pipeline().addLast(new RequestHandler(true));
            }
        }));
    }

    /**
     * Aggregates a request body up to 3 MiB; a larger one is answered 413 with a Status. Over HTTP/1.1 the connection
     * then closes; over HTTP/2 the stream stays open while the rest of the body is read and dropped, so that the
     * connection's flow-control window, shared with the client's other streams, keeps moving.
     */
    private static final class BoundedAggregator extends HttpObjectAggregator {
        private final boolean h2;

        BoundedAggregator(boolean h2) {
            super(BODY_MAX);
            this.h2 = h2;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            ApiException e = ApiException.tooLarge("Request entity too large: limit is " + BODY_MAX);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(Json.bytes(e.toStatus())));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, Dispatcher.JSON);
            HttpUtil.setContentLength(r, r.content().readableBytes());
            if (h2) {
                ctx.writeAndFlush(r);
                return;
            }
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final boolean h2;

        RequestHandler(boolean h2) {
            this.h2 = h2;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = h2 || HttpUtil.isKeepAlive(req);
            NettyResponder out = new NettyResponder(ctx, keepAlive, h2);
            User user;
            try {
                user = authn.authenticate(session(ctx.channel()), req.headers().get(HttpHeaderNames.AUTHORIZATION));
            } catch (ApiException e) {
                Dispatcher.status(out, e);
                return;
            }
            QueryStringDecoder q = new QueryStringDecoder(req.uri());
            if (!h2 && isWebSocketUpgrade(req)) {
                if (!isWatch(req.method().name(), q)) {
                    Dispatcher.status(out, ApiException.badRequest("only watches are served over WebSocket"));
                    return;
                }
                out = NettyResponder.webSocket(ctx, req);
            }
            byte[] body = ByteBufUtil.getBytes(req.content());
            ApiRequest r = new ApiRequest(user.name(), req.method().name(), q.path(), q.parameters(),
                    req.headers().get(HttpHeaderNames.ACCEPT), req.headers().get(HttpHeaderNames.CONTENT_TYPE), body,
                    req.headers().get(HttpHeaderNames.USER_AGENT, ""), user.groups());
            NettyResponder responder = out;
            try {
                requests.execute(() -> dispatcher.handle(r, responder));
            } catch (RejectedExecutionException e) {
                Dispatcher.status(out, ApiException.tooManyRequests("Too many requests, please try again later."));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private static boolean isWebSocketUpgrade(HttpRequest req) {
        return req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /** A GET with {@code watch=true} (or 1) or under {@code /watch/}: what kube-apiserver serves over WebSocket. */
    private static boolean isWatch(String method, QueryStringDecoder q) {
        List<String> watch = q.parameters().getOrDefault("watch", List.of());
        return method.equals("GET") && (q.path().contains("/watch/")
                || watch.stream().anyMatch(v -> v.equals("true") || v.equals("1")));
    }

    /**
     * Answers WebSocket frames of a watch the server streams: a ping gets its pong, a close closes the connection,
     * anything else the client sends is dropped.
     */
    private static final class WebSocketFrames extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame) {
                ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    private static SSLSession session(Channel ch) {
        Channel c = ch;
        while (c != null) {
            SslHandler h = c.pipeline().get(SslHandler.class);
            if (h != null) {
                return h.engine().getSession();
            }
            c = c.parent();
        }
        return null;
    }

    /**
     * Writes a request's answer on its channel (or HTTP/2 stream), from any thread. A watch asked for over WebSocket
     * answers errors over plain HTTP, and its stream after the WebSocket handshake, one text frame per event.
     */
    private static final class NettyResponder implements Responder {
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private final boolean h2;
        /** The upgrade request (headers only) of a WebSocket watch, else null. */
        private final FullHttpRequest upgrade;

        NettyResponder(ChannelHandlerContext ctx, boolean keepAlive, boolean h2) {
            this(ctx, keepAlive, h2, null);
        }

        private NettyResponder(ChannelHandlerContext ctx, boolean keepAlive, boolean h2, FullHttpRequest upgrade) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
            this.h2 = h2;
            this.upgrade = upgrade;
        }

        static NettyResponder webSocket(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpRequest headers = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                    Unpooled.EMPTY_BUFFER, req.headers().copy(), EmptyHttpHeaders.INSTANCE);
            return new NettyResponder(ctx, false, false, headers);
        }

        /** Warnings of this request, at most {@link #WARNINGS_MAX}. */
        private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        private static final int WARNINGS_MAX = 64;

        @Override
        public void warn(String message) {
            if (warnings.size() < WARNINGS_MAX) {
                warnings.add(message);
            }
        }

        @Override
        public void respond(int code, String contentType, byte[] body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                    Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            for (String w : warnings) {
                r.headers().add("Warning", "299 - \"" + w.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
            }
            r.headers().set("Cache-Control", "no-cache, private");
            HttpUtil.setContentLength(r, body.length);
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ChannelFuture f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public Stream stream(String contentType) {
            if (upgrade != null) {
                String scheme = ctx.pipeline().get(SslHandler.class) != null ? "wss://" : "ws://";
                WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                        scheme + upgrade.headers().get(HttpHeaderNames.HOST) + upgrade.uri(), null, true, BODY_MAX)
                        .newHandshaker(upgrade);
                if (handshaker == null) {
                    WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                    return new NettyStream(ctx, false, true);
                }
                handshaker.handshake(ctx.channel(), upgrade).syncUninterruptibly();
                ctx.pipeline().addLast(new WebSocketFrames());
                return new NettyStream(ctx, false, true);
            }
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            r.headers().set("Cache-Control", "no-cache, private");
            if (!h2) {
                HttpUtil.setTransferEncodingChunked(r, true);
            }
            ctx.writeAndFlush(r);
            return new NettyStream(ctx, keepAlive, false);
        }
    }

    private static final class NettyStream implements Responder.Stream {
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private final AtomicLong pending = new AtomicLong();
        private final AtomicBoolean ended = new AtomicBoolean();
        private final List<Runnable> onClose = new ArrayList<>();
        private final List<java.util.concurrent.Future<?>> timers = new ArrayList<>();

        private final boolean webSocket;

        NettyStream(ChannelHandlerContext ctx, boolean keepAlive, boolean webSocket) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
            this.webSocket = webSocket;
            ctx.channel().closeFuture().addListener(f -> closed());
        }

        /** One chunk as the stream carries it: an HTTP chunk, or a WebSocket text frame. */
        private Object frame(byte[] chunk) {
            return webSocket ? new TextWebSocketFrame(Unpooled.wrappedBuffer(chunk))
                    : new DefaultHttpContent(Unpooled.wrappedBuffer(chunk));
        }

        @Override
        public boolean send(byte[] chunk) {
            if (ended.get() || !ctx.channel().isActive()) {
                return false;
            }
            if (pending.addAndGet(chunk.length) > STREAM_PENDING_MAX) {
                return false;
            }
            ctx.writeAndFlush(frame(chunk)).addListener(f -> pending.addAndGet(-chunk.length));
            return true;
        }

        @Override
        public boolean sendInitial(byte[] chunk) {
            if (ended.get() || !ctx.channel().isActive()) {
                return false;
            }
            ctx.write(frame(chunk));
            ctx.flush();
            return true;
        }

        @Override
        public void end() {
            if (ended.compareAndSet(false, true)) {
                ChannelFuture f = ctx.writeAndFlush(webSocket ? new CloseWebSocketFrame(1000, "")
                        : LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
                closed();
            }
        }

        private void closed() {
            ended.set(true);
            List<Runnable> run;
            List<java.util.concurrent.Future<?>> cancel;
            synchronized (onClose) {
                run = new ArrayList<>(onClose);
                onClose.clear();
                cancel = new ArrayList<>(timers);
                timers.clear();
            }
            cancel.forEach(f -> f.cancel(false));
            run.forEach(Runnable::run);
        }

        @Override
        public void onClose(Runnable r) {
            boolean now;
            synchronized (onClose) {
                now = ended.get();
                if (!now) {
                    onClose.add(r);
                }
            }
            if (now) {
                r.run();
            }
        }

        @Override
        public void schedule(long millis, Runnable r) {
            java.util.concurrent.Future<?> f = ctx.executor().schedule(() -> {
                if (!ended.get()) {
                    r.run();
                }
            }, millis, TimeUnit.MILLISECONDS);
            synchronized (onClose) {
                if (ended.get()) {
                    f.cancel(false);
                } else {
                    timers.removeIf(java.util.concurrent.Future::isDone);
                    timers.add(f);
                }
            }
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
