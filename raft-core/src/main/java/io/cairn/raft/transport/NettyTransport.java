package io.cairn.raft.transport;

import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer transport on Netty (DESIGN.md, raft-core, "Transport").
 *
 * <p><b>Connections.</b> Each member listens on {@code listenAddress} and sends only on connections it dials
 * itself, one per peer, with the local end bound to its own listen IP (an ephemeral port): a firewall rule on
 * one direction of a link cuts exactly that direction. An accepted connection only receives; the only frames
 * this member writes on one are acks of the snapshot chunks that came on it (so flow control needs no second
 * connection, and a cut that stops a stream's data also stops its acks). Native epoll is used when the
 * platform has it, NIO otherwise ({@link IoFlavor}).
 *
 * <p><b>Frames.</b> A 4-byte big-endian length, then that many bytes of a protobuf {@code PbFrame}
 * ({@code cairn_raft.proto}): a Hello first (member id, the member it meant to reach, cluster name, wire
 * version), then batches (a group id and the Raft messages of one flush), snapshot chunks and, the other way,
 * snapshot acks. A frame is at most {@code frameBytesMax} bytes, and at most
 * {@link NettyTransportConfig#HELLO_FRAME_BYTES_MAX} before the Hello. A peer that sends bytes that do not
 * parse, a frame over the limit, something other than a valid Hello first, or no Hello in time, is
 * disconnected and logged in one line; nothing it sends reaches the event loop's own error handling, and
 * every buffer it can make us fill is bounded (one frame per connection, {@code inboundConnectionsMax}
 * connections).
 *
 * <p><b>Sending.</b> {@link #send} never blocks: it puts the message on the peer's bounded queue (or drops and
 * counts it: queue full, no connection) and schedules one flush task on the peer's event loop, which writes
 * everything queued as one frame per group and flushes once ({@link Peer}). A lost connection is redialed
 * with exponential backoff and jitter; meanwhile messages are dropped (Raft retransmits).
 *
 * <p><b>Snapshots.</b> {@link #sendSnapshot} streams a {@link SnapshotSource} in chunks on the peer's
 * connection, with a window of unacknowledged chunks ({@link SnapshotSender}); the receiver writes them to a
 * temporary file and hands it over with the SNAPSHOT message ({@link SnapshotReceiver}). At most
 * {@code snapshotStreamsMax} streams run in each direction.
 *
 * <p><b>Threads.</b> {@code ioThreads} event loops run every connection; each peer is pinned to one of them.
 * {@link Inbound#onMessage} is called on the event loop of the connection the message came on;
 * {@link Inbound#onSnapshot} and the {@code done} callback of {@link #sendSnapshot} on a snapshot I/O thread
 * (reading sources and writing files may block, so never on an event loop). Every public method may be
 * called from any thread. Nothing here uses a clock for decisions other than timeouts and backoff.
 */
public final class NettyTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    private final NettyTransportConfig config;
    private final Counters counters = new Counters();
    private final IoFlavor io;
    private final EventLoopGroup ioGroup;
    private final EventExecutorGroup snapshotGroup;
    private final Map<Long, Peer> peers = new ConcurrentHashMap<>();
    private final Set<Channel> inboundChannels = ConcurrentHashMap.newKeySet();
    private final Map<Long, Channel> inboundByMember = new ConcurrentHashMap<>();
    private final Set<SnapshotSender> senders = ConcurrentHashMap.newKeySet();
    private final Set<SnapshotReceiver> receivers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sendingStreams = new AtomicInteger();
    private final AtomicInteger receivingStreams = new AtomicInteger();
    private final AtomicLong streamIds = new AtomicLong();

    /** The TLS contexts, or null for plain TCP. */
    private final PeerTls.Contexts tls;
    private volatile Inbound inbound;
    private volatile Channel serverChannel;
    private volatile boolean closed;

    /** Creates the transport; no thread runs and nothing listens until {@link #start}. */
    public NettyTransport(NettyTransportConfig config) {
        this.config = config;
        this.tls = config.tls == null ? null : config.tls.contexts();
        this.io = IoFlavor.choose(config.preferEpoll);
        this.ioGroup = new MultiThreadIoEventLoopGroup(config.ioThreads,
                new DefaultThreadFactory("cairn-n" + config.memberId + "-io", true), io.ioHandlerFactory());
        this.snapshotGroup = new DefaultEventExecutorGroup(config.snapshotIoThreads,
                new DefaultThreadFactory("cairn-n" + config.memberId + "-snapshot", true));
    }

    public NettyTransportConfig config() {
        return config;
    }

    /** The counters so far (see {@link TransportStats} for what each one counts). */
    public TransportStats stats() {
        return counters.snapshot();
    }

    /** Whether this member has a connection to {@code peerId} to send on right now. */
    public boolean isConnected(long peerId) {
        Peer p = peers.get(peerId);
        Channel ch = p == null ? null : p.channel();
        return ch != null && ch.isActive();
    }

    /** Whether the transport uses native epoll (false: NIO). */
    public boolean usesEpoll() {
        return io.name().equals("epoll");
    }

    @Override
    public void start(Inbound inbound) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("n" + config.memberId + ": the transport is closed");
        }
        if (this.inbound != null) {
            throw new IllegalStateException("n" + config.memberId + ": the transport is started already");
        }
        prepareSnapshotDirectory();
        this.inbound = inbound;
        ServerBootstrap b = new ServerBootstrap()
                .group(ioGroup)
                .channel(io.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 128)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initInbound(ch, inbound);
                    }
                });
        ChannelFuture bound = b.bind(config.listenAddress).await();
        // A member restarted at once may find its port still held for a moment (a peer's dial that connected
        // to itself, or a socket the old process left): retry for a while before giving up.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.bindRetryMillis);
        boolean warned = false;
        while (!bound.isSuccess() && addressInUse(bound.cause()) && System.nanoTime() < deadline && !closed) {
            if (!warned) {
                LOG.warn("n{}: cannot listen on {} yet ({}); retrying for up to {} ms", config.memberId,
                        config.listenAddress, bound.cause().getMessage(), config.bindRetryMillis);
                warned = true;
            }
            Thread.sleep(200);
            bound = b.bind(config.listenAddress).await();
        }
        if (!bound.isSuccess()) {
            throw new IllegalStateException("n" + config.memberId + " cannot listen on " + config.listenAddress
                    + ": " + bound.cause().getMessage() + " (is another process using the address?)", bound.cause());
        }
        serverChannel = bound.channel();
        LOG.info("n{}: listening for peers on {} ({})", config.memberId, serverChannel.localAddress(),
                io.name());
    }

    private static boolean addressInUse(Throwable cause) {
        return cause instanceof java.net.BindException
                || (cause != null && String.valueOf(cause.getMessage()).contains("Address already in use"));
    }

    /** Creates the snapshot directory if needed and deletes this member's partial files left by a crash. */
    private void prepareSnapshotDirectory() {
        Path dir = config.snapshotDirectory;
        String prefix = SnapshotReceiver.filePrefix(config.memberId);
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir,
                    p -> p.getFileName().toString().startsWith(prefix)
                            && p.getFileName().toString().endsWith(SnapshotReceiver.PARTIAL_SUFFIX))) {
                for (Path p : stale) {
                    Files.deleteIfExists(p);
                    LOG.info("n{}: deleted {}, a snapshot partly received before a restart", config.memberId, p);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("n" + config.memberId + " cannot use the snapshot directory " + dir
                    + ": " + e + " (check that it can be created and written)", e);
        }
    }

    /**
     * Adds a peer and dials it at once, or points a known one at a new address (its connection is replaced and
     * its snapshot streams fail). This member's own id is ignored, so a whole membership list may be passed.
     */
    @Override
    public void setPeer(long id, InetSocketAddress address) {
        if (id == config.memberId || closed) {
            return; // a member never dials itself; membership lists may include it
        }
        peers.compute(id, (k, p) -> {
            if (p != null) {
                p.setAddress(address);
                return p;
            }
            Peer created = new Peer(this, id, address, ioGroup.next());
            created.start();
            return created;
        });
    }

    /** Forgets a peer: its connection closes, queued messages are dropped, its snapshot streams fail. */
    @Override
    public void removePeer(long id) {
        Peer p = peers.remove(id);
        if (p != null) {
            p.close();
        }
    }

    /**
     * Queues {@code m} for the next flush to {@code m.to()}; never blocks. Dropped and counted when the peer is
     * unknown or not connected, or its queue is full. {@code m.from()} must be this member (the receiver would
     * take anything else for an impostor and disconnect): otherwise IllegalArgumentException.
     */
    @Override
    public void send(long groupId, Message m) {
        requireFromUs(m);
        Peer p = closed ? null : peers.get(m.to());
        if (p == null) {
            counters.messagesDroppedDisconnected.increment();
            return;
        }
        p.send(groupId, m);
    }

    /**
     * Streams {@code source} and then {@code m} (a SNAPSHOT message from this member) to {@code m.to()} on the
     * connection this member dialed to it. Fails at once ({@code done} gets false) when that peer has no
     * connection now or {@code snapshotStreamsMax} streams are running; later when the source cannot be read,
     * the receiver refuses or disconnects, or no ack comes for {@code snapshotAckTimeoutMillis}. {@code done}
     * is called exactly once, on a snapshot I/O thread; {@code source} is read on that thread too.
     */
    @Override
    public void sendSnapshot(long groupId, Message m, SnapshotSource source, Consumer<Boolean> done) {
        requireFromUs(m);
        if (m.type() != MessageType.SNAPSHOT) {
            throw new IllegalArgumentException("sendSnapshot takes a SNAPSHOT message, not " + m);
        }
        EventExecutor executor = snapshotGroup.next();
        Peer p = closed ? null : peers.get(m.to());
        Channel ch = p == null ? null : p.channel();
        if (ch == null) {
            refuseSnapshot(executor, m, done, p == null ? "it is not a known peer" : "it is not connected");
            return;
        }
        if (sendingStreams.incrementAndGet() > config.snapshotStreamsMax) {
            sendingStreams.decrementAndGet();
            refuseSnapshot(executor, m, done, config.snapshotStreamsMax + " snapshot streams are running already");
            return;
        }
        SnapshotSender s = new SnapshotSender(this, p, ch, executor, streamIds.incrementAndGet(), groupId, m, source,
                done);
        senders.add(s);
        p.addStream(s);
        try {
            executor.execute(() -> {
                if (ch.isActive()) {
                    s.start();
                } else {
                    s.abandon("the connection to n" + m.to() + " closed");
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: close() abandons every stream in senders
        }
    }

    /** The receiver disconnects a peer whose messages claim another sender, so never send one. */
    private void requireFromUs(Message m) {
        if (m.from() != config.memberId) {
            throw new IllegalArgumentException("n" + config.memberId + " cannot send a message from another member: "
                    + m);
        }
    }

    private void refuseSnapshot(EventExecutor executor, Message m, Consumer<Boolean> done, String why) {
        counters.snapshotsFailed.increment();
        LOG.warn("n{}: cannot send a snapshot to n{}: {}", config.memberId, m.to(), why);
        try {
            executor.execute(() -> done.accept(false));
        } catch (RejectedExecutionException e) {
            done.accept(false);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        return ch == null ? config.listenAddress : (InetSocketAddress) ch.localAddress();
    }

    /**
     * Stops listening, closes every connection, fails the snapshot streams still running (their {@code done}
     * gets false) and deletes partly received snapshot files. Waits for the threads to stop. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Peer p : new ArrayList<>(peers.values())) {
            p.close();
        }
        peers.clear();
        Channel server = serverChannel;
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        for (Channel ch : new ArrayList<>(inboundChannels)) {
            ch.close();
        }
        ioGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        snapshotGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        for (SnapshotSender s : new ArrayList<>(senders)) {
            s.abandon("the transport closed");
        }
        for (SnapshotReceiver r : new ArrayList<>(receivers)) {
            r.discardAll();
        }
        receivers.clear();
        LOG.info("n{}: transport closed", config.memberId);
    }

    // ---------------------------------------------------------------------------------------------------
    // For the pieces of this package

    Counters counters() {
        return counters;
    }

    /** Dials {@code target} for {@code peer} from this member's listen IP, on the peer's event loop. */
    ChannelFuture dial(Peer peer, InetSocketAddress target) {
        Bootstrap b = new Bootstrap()
                .group(peer.loop)
                .channel(io.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowBytes, config.writeBufferHighBytes))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.client().newHandler(ch.alloc(),
                                    target.getHostString(), target.getPort()));
                        }
                        ch.pipeline()
                                .addLast("decoder", new FrameDecoder(NettyTransportConfig.HELLO_FRAME_BYTES_MAX, counters))
                                .addLast("encoder", new FrameEncoder(config.frameBytesMax, counters))
                                .addLast("handler", new OutboundHandler(peer, config, counters));
                    }
                });
        if (io.tcpUserTimeout() != null && config.tcpUserTimeoutMillis > 0) {
            b.option(io.tcpUserTimeout(), config.tcpUserTimeoutMillis);
        }
        return b.connect(target, new InetSocketAddress(config.listenAddress.getAddress(), 0));
    }

    /** Sets up a connection another member dialed (package-private for EmbeddedChannel tests). */
    void initInbound(Channel ch, Inbound inbound) {
        if (closed || inboundChannels.size() >= config.inboundConnectionsMax) {
            LOG.warn("n{}: refusing a connection from {}: {}", config.memberId, ch.remoteAddress(),
                    closed ? "closing" : config.inboundConnectionsMax + " inbound connections are open already");
            ch.close();
            return;
        }
        inboundChannels.add(ch);
        ch.closeFuture().addListener(f -> inboundChannels.remove(ch));
        FrameDecoder decoder = new FrameDecoder(NettyTransportConfig.HELLO_FRAME_BYTES_MAX, counters);
        if (tls != null) {
            ch.pipeline().addLast("tls", tls.server().newHandler(ch.alloc()));
        }
        ch.pipeline()
                .addLast("decoder", decoder)
                .addLast("encoder", new FrameEncoder(config.frameBytesMax, counters))
                .addLast("handler", new InboundHandler(this, decoder, inbound));
    }

    /** Member {@code peerId} said Hello on {@code ch}: an older inbound connection from it is stale. */
    void inboundGreeted(long peerId, Channel ch) {
        Channel old = inboundByMember.put(peerId, ch);
        if (old != null && old != ch) {
            LOG.info("n{}: n{} connected again; closing its older connection from {}", config.memberId, peerId,
                    old.remoteAddress());
            old.close();
        }
    }

    void inboundClosed(long peerId, Channel ch) {
        if (peerId != 0) {
            inboundByMember.remove(peerId, ch);
        }
    }

    SnapshotReceiver newSnapshotReceiver(Channel ch, long peerId) {
        SnapshotReceiver r = new SnapshotReceiver(this, ch, snapshotGroup.next(), peerId);
        receivers.add(r);
        return r;
    }

    void receiverClosed(SnapshotReceiver r) {
        receivers.remove(r);
    }

    boolean tryStartReceive() {
        if (receivingStreams.incrementAndGet() > config.snapshotStreamsMax) {
            receivingStreams.decrementAndGet();
            return false;
        }
        return true;
    }

    void receiveFinished() {
        receivingStreams.decrementAndGet();
    }

    /** Hands a complete snapshot to the runtime; false if it threw. */
    boolean deliverSnapshot(long groupId, Message m, Path file) {
        counters.snapshotsReceived.increment();
        try {
            inbound.onSnapshot(groupId, m, file);
            return true;
        } catch (RuntimeException e) {
            LOG.error("n{}: Inbound.onSnapshot threw on {} of group {}", config.memberId, m, groupId, e);
            return false;
        }
    }

    void snapshotSendFinished(SnapshotSender s, boolean ok) {
        if (senders.remove(s)) {
            sendingStreams.decrementAndGet();
            (ok ? counters.snapshotsSent : counters.snapshotsFailed).increment();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Test hooks

    /** The event loop a peer's connection and flushes run on (tests hold it to make coalescing visible). */
    EventLoop peerLoop(long peerId) {
        return peers.get(peerId).loop;
    }

    int queuedMessages(long peerId) {
        Peer p = peers.get(peerId);
        return p == null ? 0 : p.queuedMessages();
    }

    int receivingSnapshots() {
        return receivingStreams.get();
    }

    int inboundConnections() {
        return inboundChannels.size();
    }

    /** Where the inbound connections come from. */
    List<SocketAddress> inboundRemoteAddresses() {
        List<SocketAddress> out = new ArrayList<>();
        for (Channel ch : inboundChannels) {
            out.add(ch.remoteAddress());
        }
        return out;
    }
}
