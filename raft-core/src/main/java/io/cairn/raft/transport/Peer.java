package io.cairn.raft.transport;

import io.cairn.raft.core.Message;
import io.cairn.raft.core.Invariants;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side towards one member: the connection this member dials to it, the bounded queue of messages
 * waiting for the next flush, reconnection with backoff, and the snapshot streams riding on the connection.
 *
 * <p><b>Threads.</b> A peer is pinned to one event loop, {@link #loop}, which also runs its connections; every
 * field without a qualifier below is touched only there, so connection state needs no locks. {@link #send} is
 * called from any thread (the runtime's raft threads): it reads the volatile {@link #channel}, reserves room
 * in the queue with two atomic counters, enqueues, and schedules one flush task unless one is already
 * pending ({@link #flushScheduled}). The flush task drains everything queued into as few frames as fit (one
 * per group, split at the frame limit) and flushes the connection once: that is the coalescing.
 *
 * <p><b>Limits.</b> The queue holds at most {@code peerQueueMessagesMax} messages and
 * {@code peerQueueBytesMax} bytes; beyond that, messages are dropped and counted (Raft retransmits). While
 * the connection is not writable (the peer reads slower than we write, output above the write-buffer high
 * mark) the flush leaves the queue alone, so a slow peer fills its own queue, not the heap. While there is no
 * connection, messages are dropped at once and whatever was queued is dropped too.
 *
 * <p><b>Reconnection.</b> A failed dial or a lost connection schedules the next dial after {@link Backoff}'s
 * delay for the number of failures so far; a connection that stayed up for at least the longest backoff step
 * resets the count. Only a dial's own completion may install a channel: {@link #dialing} identifies the
 * attempt in flight, so a stale completion (after an address change or removal) closes what it opened.
 */
final class Peer {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    /** Bytes counted per queued message besides its entries (header fields, framing). */
    static final long MESSAGE_OVERHEAD_BYTES = 64;

    /** A message waiting for the next flush. */
    private record Queued(long groupId, Message message, long bytes) {}

    final long id;
    final EventLoop loop;
    private final NettyTransport owner;
    private final NettyTransportConfig config;
    private final Counters counters;
    private final Backoff backoff;

    /** Where the peer listens; written by {@link #setAddress} from any thread. */
    private volatile InetSocketAddress address;
    /** The connection messages go out on, once dialed and greeted; null while there is none. */
    private volatile Channel channel;
    /** Set once by {@link #close}; no dial starts after it. */
    private volatile boolean closed;

    private final Queue<Queued> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedCount = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final Runnable flushTask = this::flush;
    /** Snapshot streams sent on this peer's connection, by stream id (any thread). */
    private final Map<Long, SnapshotSender> streams = new ConcurrentHashMap<>();

    private Channel dialing;
    private ScheduledFuture<?> redial;
    private int failures;
    private long connectedAtNanos;
    private boolean everConnected;

    Peer(NettyTransport owner, long id, InetSocketAddress address, EventLoop loop) {
        this.owner = owner;
        this.config = owner.config();
        this.counters = owner.counters();
        this.id = id;
        this.address = address;
        this.loop = loop;
        this.backoff = new Backoff(config.reconnectBackoffMinMillis, config.reconnectBackoffMaxMillis);
    }

    InetSocketAddress address() {
        return address;
    }

    /** The connection, if there is one now. */
    Channel channel() {
        return channel;
    }

    int queuedMessages() {
        return queuedCount.get();
    }

    void start() {
        execute(this::dial);
    }

    /** Points the peer at a new address: drops the current connection and dials the new one at once. */
    void setAddress(InetSocketAddress newAddress) {
        if (newAddress.equals(address)) {
            return;
        }
        address = newAddress;
        execute(() -> {
            disconnect("its address changed to " + newAddress);
            failures = 0;
            dial();
        });
    }

    /** Stops for good: no more dials, the connection is closed, queued messages and streams fail. */
    void close() {
        closed = true;
        execute(() -> disconnect("it was removed"));
    }

    // ---------------------------------------------------------------------------------------------------
    // Sending (any thread) and flushing (the loop)

    void send(long groupId, Message m) {
        if (channel == null) {
            counters.messagesDroppedDisconnected.increment();
            return;
        }
        long bytes = m.entriesBytes() + MESSAGE_OVERHEAD_BYTES;
        if (queuedCount.incrementAndGet() > config.peerQueueMessagesMax) {
            queuedCount.decrementAndGet();
            counters.messagesDroppedQueueFull.increment();
            return;
        }
        if (queuedBytes.addAndGet(bytes) > config.peerQueueBytesMax) {
            queuedBytes.addAndGet(-bytes);
            queuedCount.decrementAndGet();
            counters.messagesDroppedQueueFull.increment();
            return;
        }
        queue.add(new Queued(groupId, m, bytes));
        scheduleFlush();
    }

    void scheduleFlush() {
        if (flushScheduled.compareAndSet(false, true)) {
            execute(flushTask);
        }
    }

    private void flush() {
        flushScheduled.set(false);
        Channel ch = channel;
        if (ch == null) {
            dropQueued();
            return;
        }
        if (!ch.isWritable()) {
            return; // channelWritabilityChanged schedules the next flush
        }
        int frameRoom = config.frameBytesMax - NettyTransportConfig.FRAME_OVERHEAD_BYTES;
        Map<Long, OpenBatch> open = new LinkedHashMap<>(); // one per group; nearly always a single one
        List<OpenBatch> frames = new ArrayList<>();
        int written = 0;
        Queued q;
        while ((q = queue.poll()) != null) {
            queuedCount.decrementAndGet();
            queuedBytes.addAndGet(-q.bytes);
            int size = BatchCodec.messageSize(q.message);
            long accounted = size + 6L; // field tag and length prefix
            if (accounted > frameRoom) {
                counters.messagesDroppedOversize.increment();
                LOG.warn("n{}: dropping a message of {} bytes to n{}: over the frame limit of {} ({})",
                        config.memberId, accounted, id, config.frameBytesMax, q.message.type());
                continue;
            }
            OpenBatch b = open.get(q.groupId);
            if (b != null && b.bytes + accounted > frameRoom) {
                frames.add(b); // full: goes out ahead of the rest of its group
                b = null;
            }
            if (b == null) {
                b = new OpenBatch(q.groupId);
                open.put(q.groupId, b);
            }
            b.add(q.message, size, accounted);
            written++;
        }
        if (written == 0) {
            return;
        }
        frames.addAll(open.values());
        writeFrames(ch, frames);
        counters.flushes.increment();
        counters.messagesSent.add(written);
    }

    /** Encodes every frame of this flush into one buffer, written and flushed at once. */
    private void writeFrames(Channel ch, List<OpenBatch> frames) {
        int total = 0;
        for (OpenBatch b : frames) {
            b.batchSize = BatchCodec.batchSize(b.groupId, b.sizes, b.messages.size());
            Invariants.check(BatchCodec.frameWireSize(b.batchSize) - FrameDecoder.LENGTH_BYTES <= config.frameBytesMax,
                    "batch frame of %d bytes over the limit of %d", b.batchSize, config.frameBytesMax);
            total += BatchCodec.frameWireSize(b.batchSize);
        }
        ByteBuf buf = ch.alloc().ioBuffer(total);
        try {
            for (OpenBatch b : frames) {
                BatchCodec.writeBatchFrame(buf, b.groupId, b.messages, b.sizes, b.messages.size(), b.batchSize);
            }
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new IllegalStateException("n" + config.memberId + ": encoding a batch to n" + id + " failed", e);
        }
        ch.writeAndFlush(buf, ch.voidPromise());
        counters.bytesSent.add(total);
        counters.framesSent.add(frames.size());
    }

    /** The messages of one group gathered for one frame, with their encoded sizes. */
    private static final class OpenBatch {
        final long groupId;
        final List<Message> messages = new ArrayList<>();
        int[] sizes = new int[8];
        long bytes;
        int batchSize;

        OpenBatch(long groupId) {
            this.groupId = groupId;
        }

        void add(Message m, int size, long accounted) {
            if (messages.size() == sizes.length) {
                sizes = java.util.Arrays.copyOf(sizes, sizes.length * 2);
            }
            sizes[messages.size()] = size;
            messages.add(m);
            bytes += accounted;
        }
    }

    private void dropQueued() {
        Queued q;
        while ((q = queue.poll()) != null) {
            queuedCount.decrementAndGet();
            queuedBytes.addAndGet(-q.bytes);
            counters.messagesDroppedDisconnected.increment();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Connection life cycle (the loop)

    private void dial() {
        redial = null;
        if (closed || dialing != null || channel != null) {
            return;
        }
        InetSocketAddress target = address;
        ChannelFuture f = owner.dial(this, target);
        dialing = f.channel();
        f.addListener(done -> onDialed(f, target));
    }

    private void onDialed(ChannelFuture f, InetSocketAddress target) {
        if (f.channel() != dialing) {
            f.channel().close(); // a stale attempt: the address changed or the peer was closed meanwhile
            return;
        }
        dialing = null;
        if (!f.isSuccess()) {
            LOG.debug("n{}: cannot connect to n{} at {}: {}", config.memberId, id, target, f.cause().toString());
            scheduleRedial();
            return;
        }
        Channel ch = f.channel();
        if (closed || !target.equals(address)) {
            ch.close();
            return;
        }
        if (ch.localAddress() != null && ch.localAddress().equals(ch.remoteAddress())) {
            // TCP simultaneous open: with the peer down, the kernel picked the peer's own port as our source
            // port and connected the socket to itself. Holding it would keep the peer from listening again.
            LOG.info("n{}: the dial to n{} at {} connected to itself; closing it", config.memberId, id, target);
            ch.close();
            scheduleRedial();
            return;
        }
        ch.writeAndFlush(WireCodec.hello(config.memberId, id, config.cluster), ch.voidPromise());
        channel = ch;
        connectedAtNanos = System.nanoTime();
        counters.connectionsOpened.increment();
        if (everConnected) {
            counters.reconnects.increment();
        }
        everConnected = true;
        LOG.info("n{}: connected to n{} at {} from {}", config.memberId, id, target, ch.localAddress());
        ch.closeFuture().addListener(c -> onClosed(ch));
    }

    private void onClosed(Channel ch) {
        if (channel != ch) {
            return; // replaced already (address change or close)
        }
        channel = null;
        dropQueued();
        failStreams(ch, "the connection to n" + id + " closed");
        if (System.nanoTime() - connectedAtNanos >= TimeUnit.MILLISECONDS.toNanos(config.reconnectBackoffMaxMillis)) {
            failures = 0;
        }
        if (!closed) {
            LOG.info("n{}: lost the connection to n{} at {}; reconnecting", config.memberId, id, address);
        }
        scheduleRedial();
    }

    /** Drops the current connection and any dial in flight, without scheduling another. */
    private void disconnect(String why) {
        if (redial != null) {
            redial.cancel(false);
            redial = null;
        }
        if (dialing != null) {
            dialing.close();
            dialing = null;
        }
        Channel ch = channel;
        channel = null;
        dropQueued();
        if (ch != null) {
            LOG.info("n{}: closing the connection to n{}: {}", config.memberId, id, why);
            failStreams(ch, "the connection to n" + id + " was closed because " + why);
            ch.close();
        }
    }

    private void scheduleRedial() {
        if (closed || redial != null) {
            return;
        }
        long delay = backoff.delayMillis(failures++, bound -> ThreadLocalRandom.current().nextLong(bound));
        redial = loop.schedule(this::dial, delay, TimeUnit.MILLISECONDS);
    }

    private void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the transport is shutting down: nothing left to do for this peer
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Snapshot streams on this connection

    void addStream(SnapshotSender s) {
        streams.put(s.streamId, s);
    }

    void removeStream(SnapshotSender s) {
        streams.remove(s.streamId, s);
    }

    SnapshotSender stream(long streamId) {
        return streams.get(streamId);
    }

    private void failStreams(Channel ch, String why) {
        for (SnapshotSender s : streams.values()) {
            s.channelClosed(ch, why);
        }
    }
}
