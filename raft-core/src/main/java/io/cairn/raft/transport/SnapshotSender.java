package io.cairn.raft.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.cairn.raft.core.Message;
import io.cairn.raft.transport.proto.PbFrame;
import io.cairn.raft.transport.proto.PbSnapshotAck;
import io.cairn.raft.transport.proto.PbSnapshotChunk;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One snapshot being streamed to a peer, on the connection this member dialed to it.
 *
 * <p>The source is read in chunks of {@code snapshotChunkBytes}; at most {@code snapshotWindowChunks} chunks'
 * worth of bytes are sent and not yet acknowledged, so a stream holds at most a window of chunks in memory
 * however large the snapshot is, and a slow receiver slows the stream rather than filling buffers. A final
 * chunk without data carries the SNAPSHOT message; the receiver answers it with an ack marked done once it has
 * synced the file and handed it to its {@link Inbound}. Then {@code done} gets true. It gets false, exactly once, when the source
 * cannot be read, the receiver refuses, the connection closes, or no ack arrives for
 * {@code snapshotAckTimeoutMillis}; the receiver is then told to drop what it has (an abort chunk) if the
 * connection is still open.
 *
 * <p><b>Threads.</b> Every method runs on {@link #executor}, one thread of the snapshot I/O group to which the
 * stream is pinned (reading the source may block, so never on an event loop); acks arriving on the event loop
 * hop there through {@link #ack}. {@code done} is called on that thread.
 */
final class SnapshotSender {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    final long streamId;
    private final long groupId;
    private final Message message;
    private final SnapshotSource source;
    private final Consumer<Boolean> done;
    private final Channel channel;
    private final EventExecutor executor;
    private final NettyTransport owner;
    private final Peer peer;
    private final NettyTransportConfig config;

    private long sizeBytes;
    private long sentBytes;
    private long ackedBytes;
    private boolean lastSent;
    private boolean finished;
    private long lastProgressNanos;
    private ScheduledFuture<?> timer;
    private long startNanos;

    SnapshotSender(NettyTransport owner, Peer peer, Channel channel, EventExecutor executor, long streamId,
            long groupId, Message message, SnapshotSource source, Consumer<Boolean> done) {
        this.owner = owner;
        this.peer = peer;
        this.channel = channel;
        this.executor = executor;
        this.streamId = streamId;
        this.groupId = groupId;
        this.message = message;
        this.source = source;
        this.done = done;
        this.config = owner.config();
    }

    void start() {
        startNanos = System.nanoTime();
        lastProgressNanos = startNanos;
        try {
            sizeBytes = source.size();
        } catch (IOException | RuntimeException e) {
            finish(false, "cannot read the snapshot's size: " + e);
            return;
        }
        LOG.info("n{}: streaming snapshot {} of group {} to n{}: {} bytes", config.memberId, streamId, groupId,
                peer.id, sizeBytes);
        timer = executor.schedule(this::checkProgress, config.snapshotAckTimeoutMillis, TimeUnit.MILLISECONDS);
        pump();
    }

    /** An ack from the receiver (called on the event loop). */
    void ack(PbSnapshotAck ack) {
        run(() -> onAck(ack));
    }

    /** The connection {@code ch} closed (called on the event loop). */
    void channelClosed(Channel ch, String why) {
        if (ch == channel) {
            run(() -> finish(false, why));
        }
    }

    /** Ends the stream from outside (transport closing); safe once the executor has stopped. */
    void abandon(String why) {
        finish(false, why);
    }

    private void onAck(PbSnapshotAck ack) {
        if (finished) {
            return;
        }
        if (!ack.getError().isEmpty()) {
            finish(false, "the receiver refused it: " + ack.getError());
            return;
        }
        lastProgressNanos = System.nanoTime();
        ackedBytes = Math.max(ackedBytes, Math.min(ack.getReceivedBytes(), sentBytes));
        if (ack.getDone()) {
            boolean complete = lastSent && ackedBytes == sizeBytes;
            finish(complete, complete ? null : "the receiver reported done at " + ackedBytes + " of " + sizeBytes);
            return;
        }
        pump();
    }

    /**
     * Sends chunks while the window has room: data chunks until every byte is sent, then a final chunk with no
     * data and the SNAPSHOT message (on its own, so a large configuration in the metadata can never push a
     * data chunk over the frame limit).
     */
    private void pump() {
        long windowBytes = (long) config.snapshotWindowChunks * config.snapshotChunkBytes;
        while (!finished && !lastSent && sentBytes - ackedBytes < windowBytes) {
            PbSnapshotChunk.Builder chunk = PbSnapshotChunk.newBuilder()
                    .setStreamId(streamId)
                    .setGroupId(groupId)
                    .setTotalBytes(sizeBytes)
                    .setOffset(sentBytes);
            int n = (int) Math.min(config.snapshotChunkBytes, sizeBytes - sentBytes);
            if (n > 0) {
                byte[] data = new byte[n];
                try {
                    readFully(sentBytes, data);
                } catch (IOException | RuntimeException e) {
                    finish(false, "cannot read the snapshot at offset " + sentBytes + ": " + e);
                    return;
                }
                chunk.setData(UnsafeByteOperations.unsafeWrap(data));
            } else {
                chunk.setLast(true).setMessage(WireCodec.toPb(message));
                lastSent = true;
            }
            channel.writeAndFlush(PbFrame.newBuilder().setSnapshotChunk(chunk).build()).addListener(f -> {
                if (!f.isSuccess()) {
                    run(() -> finish(false, "cannot write a chunk: " + f.cause()));
                }
            });
            sentBytes += n;
        }
    }

    private void readFully(long offset, byte[] data) throws IOException {
        ByteBuffer dst = ByteBuffer.wrap(data);
        while (dst.hasRemaining()) {
            int n = source.read(offset + dst.position(), dst);
            if (n < 0) {
                throw new IOException("the source ended at " + (offset + dst.position()) + " of " + sizeBytes
                        + " bytes");
            }
        }
    }

    private void checkProgress() {
        if (finished) {
            return;
        }
        long idleNanos = System.nanoTime() - lastProgressNanos;
        long limitNanos = TimeUnit.MILLISECONDS.toNanos(config.snapshotAckTimeoutMillis);
        if (idleNanos >= limitNanos) {
            finish(false, "no ack for " + config.snapshotAckTimeoutMillis + " ms");
        } else {
            timer = executor.schedule(this::checkProgress, limitNanos - idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void finish(boolean ok, String why) {
        if (finished) {
            return;
        }
        finished = true;
        if (timer != null) {
            timer.cancel(false);
        }
        peer.removeStream(this);
        owner.snapshotSendFinished(this, ok);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        if (ok) {
            LOG.info("n{}: snapshot {} of group {} delivered to n{}: {} bytes in {} ms", config.memberId, streamId,
                    groupId, peer.id, sizeBytes, millis);
        } else {
            LOG.warn("n{}: snapshot {} of group {} to n{} failed after {} of {} bytes: {}", config.memberId,
                    streamId, groupId, peer.id, ackedBytes, sizeBytes, why);
            if (channel.isActive()) {
                channel.writeAndFlush(PbFrame.newBuilder().setSnapshotChunk(PbSnapshotChunk.newBuilder()
                        .setStreamId(streamId).setGroupId(groupId).setAbort(true)).build());
            }
        }
        try {
            done.accept(ok);
        } catch (RuntimeException e) {
            LOG.error("n{}: the done callback of snapshot {} threw", config.memberId, streamId, e);
        }
    }

    private void run(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // shutting down: NettyTransport.close abandons every stream still running
        }
    }
}
