package io.cairn.raft.transport;

import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.transport.proto.PbSnapshotChunk;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of the snapshot streams that arrive on one inbound connection: each stream's chunks are
 * written to a temporary file in {@code snapshotDirectory}; when the last chunk (with the SNAPSHOT message)
 * has arrived, the file is synced (its data, not the directory entry), renamed from {@code .part} to
 * {@code .snap} and handed to {@link Inbound#onSnapshot}, which owns it from then on, and the sender gets an
 * ack marked done. A {@code .part} file of this member found at start is a crashed receive's and is deleted. Each chunk is acknowledged, on the same connection, once it is written: that ack
 * is what opens the sender's window.
 *
 * <p>Chunks must arrive in order with contiguous offsets, within the announced size; anything else is a
 * protocol violation and closes the connection. A stream the sender aborts, or whose connection closes, is
 * dropped and its file deleted. At most {@code snapshotStreamsMax} streams are received at once (over all
 * connections); a stream over the cap is refused with an error ack, and the chunks of its window that were
 * already on the way are ignored (they are not the sender's fault).
 *
 * <p><b>Threads.</b> Chunks are decoded on the connection's event loop ({@link #onChunk}), which must not wait
 * for a disk; the writes run on {@link #executor}, a snapshot I/O thread, which owns {@link #streams} and
 * calls {@link Inbound#onSnapshot}. The event loop counts the chunk bytes handed over and not yet written;
 * above {@code snapshotReceivePendingBytesMax} it stops reading the connection (TCP then pushes back on the
 * sender) until the writes catch up, so memory stays bounded even if a sender ignores its window.
 */
final class SnapshotReceiver {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    /** A stream being received (executor only). */
    private static final class Incoming {
        final long streamId;
        final long groupId;
        final long totalBytes;
        final Path path;
        final FileChannel file;
        long receivedBytes;

        Incoming(long streamId, long groupId, long totalBytes, Path path, FileChannel file) {
            this.streamId = streamId;
            this.groupId = groupId;
            this.totalBytes = totalBytes;
            this.path = path;
            this.file = file;
        }
    }

    private final NettyTransport owner;
    private final NettyTransportConfig config;
    private final Channel channel;
    private final EventExecutor executor;
    private final long peerId;

    /** The suffix of a file still being received; such files left by a crash are deleted at start. */
    static final String PARTIAL_SUFFIX = ".part";
    /** How many refused streams are remembered per connection (their chunks in flight are ignored). */
    private static final int REFUSED_REMEMBERED_MAX = 64;

    /** Streams in progress, by id (executor only). */
    private final Map<Long, Incoming> streams = new HashMap<>();
    /**
     * Streams refused or failed here whose sender may still have a window of chunks on the way: those chunks
     * are ignored rather than taken for a protocol violation. Forgotten on the sender's abort or last chunk,
     * and beyond {@link #REFUSED_REMEMBERED_MAX} the oldest is forgotten (executor only).
     */
    private final Set<Long> refused = new LinkedHashSet<>();
    /** The connection has closed; later chunks are ignored (executor only). */
    private boolean closed;
    /** Chunk bytes handed to the executor and not yet written (event loop only). */
    private long pendingBytes;
    /** Reading is paused because of {@link #pendingBytes} (event loop only). */
    private boolean paused;

    SnapshotReceiver(NettyTransport owner, Channel channel, EventExecutor executor, long peerId) {
        this.owner = owner;
        this.config = owner.config();
        this.channel = channel;
        this.executor = executor;
        this.peerId = peerId;
    }

    /** A chunk decoded on the connection's event loop. */
    void onChunk(PbSnapshotChunk chunk) {
        int n = chunk.getData().size();
        pendingBytes += n;
        if (!paused && pendingBytes > config.snapshotReceivePendingBytesMax) {
            paused = true;
            channel.config().setAutoRead(false);
        }
        try {
            executor.execute(() -> {
                try {
                    handle(chunk);
                } finally {
                    try {
                        channel.eventLoop().execute(() -> written(n));
                    } catch (RejectedExecutionException e) {
                        // the event loop has stopped: so has the connection
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            channel.close(); // shutting down
        }
    }

    /** The connection closed (event loop): drop every stream. */
    void connectionClosed() {
        try {
            executor.execute(() -> {
                discardAll();
                owner.receiverClosed(this);
            });
        } catch (RejectedExecutionException e) {
            // shutting down: NettyTransport.close calls discardAll once the executor has stopped
        }
    }

    /** Drops every stream in progress and deletes its file. */
    void discardAll() {
        closed = true;
        for (Incoming s : new ArrayList<>(streams.values())) {
            discard(s);
        }
    }

    private void written(int n) {
        pendingBytes -= n;
        if (paused && pendingBytes <= config.snapshotReceivePendingBytesMax / 2) {
            paused = false;
            channel.config().setAutoRead(true);
        }
    }

    private void handle(PbSnapshotChunk chunk) {
        if (closed) {
            return;
        }
        if (refused.contains(chunk.getStreamId())) {
            if (chunk.getAbort() || chunk.getLast()) {
                refused.remove(chunk.getStreamId());
            }
            return;
        }
        Incoming s = streams.get(chunk.getStreamId());
        if (chunk.getAbort()) {
            if (s != null) {
                LOG.info("n{}: n{} aborted snapshot {} of group {} at {} of {} bytes", config.memberId, peerId,
                        s.streamId, s.groupId, s.receivedBytes, s.totalBytes);
                discard(s);
            }
            return;
        }
        if (s == null) {
            if (chunk.getOffset() != 0) {
                violation("snapshot chunk at offset " + chunk.getOffset() + " of unknown stream "
                        + chunk.getStreamId());
                return;
            }
            s = open(chunk);
            if (s == null) {
                return;
            }
        }
        write(s, chunk);
    }

    private Incoming open(PbSnapshotChunk chunk) {
        long id = chunk.getStreamId();
        if (chunk.getTotalBytes() < 0) {
            violation("snapshot stream " + id + " announces " + Long.toUnsignedString(chunk.getTotalBytes())
                    + " bytes");
            return null;
        }
        if (!owner.tryStartReceive()) {
            refuse(id, 0, "this member already receives " + config.snapshotStreamsMax + " snapshots");
            return null;
        }
        Path path = null;
        try {
            path = Files.createTempFile(config.snapshotDirectory,
                    filePrefix(config.memberId) + "g" + chunk.getGroupId() + "-", PARTIAL_SUFFIX);
            FileChannel file = FileChannel.open(path, StandardOpenOption.WRITE);
            Incoming s = new Incoming(id, chunk.getGroupId(), chunk.getTotalBytes(), path, file);
            streams.put(id, s);
            return s;
        } catch (IOException e) {
            owner.receiveFinished();
            deleteQuietly(path);
            LOG.warn("n{}: cannot receive snapshot {} from n{}: {}", config.memberId, id, peerId, e.toString());
            refuse(id, 0, "cannot create a file for the snapshot: " + e.getMessage());
            return null;
        }
    }

    private void write(Incoming s, PbSnapshotChunk chunk) {
        int n = chunk.getData().size();
        if (chunk.getTotalBytes() != s.totalBytes || chunk.getGroupId() != s.groupId
                || chunk.getOffset() != s.receivedBytes || s.receivedBytes + n > s.totalBytes) {
            violation("snapshot chunk of stream " + s.streamId + " at offset " + chunk.getOffset() + " with " + n
                    + " bytes does not follow " + s.receivedBytes + " of " + s.totalBytes + " bytes");
            return;
        }
        try {
            ByteBuffer data = chunk.getData().asReadOnlyByteBuffer();
            while (data.hasRemaining()) {
                s.file.write(data);
            }
        } catch (IOException e) {
            LOG.warn("n{}: cannot write snapshot {} from n{}: {}", config.memberId, s.streamId, peerId, e.toString());
            discard(s);
            refuse(s.streamId, s.receivedBytes, "cannot write the snapshot: " + e.getMessage());
            return;
        }
        s.receivedBytes += n;
        if (chunk.getLast()) {
            complete(s, chunk);
        } else {
            ack(s.streamId, s.receivedBytes, false, null);
        }
    }

    private void complete(Incoming s, PbSnapshotChunk chunk) {
        if (s.receivedBytes != s.totalBytes || !chunk.hasMessage()) {
            violation("last chunk of snapshot stream " + s.streamId + " at " + s.receivedBytes + " of "
                    + s.totalBytes + " bytes" + (chunk.hasMessage() ? "" : " without the SNAPSHOT message"));
            return;
        }
        Message m;
        try {
            m = WireCodec.fromPb(chunk.getMessage());
        } catch (WireCodec.WireFormatException e) {
            violation("snapshot stream " + s.streamId + ": " + e.getMessage());
            return;
        }
        if (m.type() != MessageType.SNAPSHOT || m.from() != peerId || m.to() != config.memberId) {
            violation("snapshot stream " + s.streamId + " ends with " + m.type() + " from n" + m.from() + " to n"
                    + m.to());
            return;
        }
        Path complete;
        try {
            s.file.force(true); // the runtime may install it and then record that in its log: it must be durable
            s.file.close();
            complete = Files.move(s.path, completePath(s.path), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            discard(s);
            ack(s.streamId, s.receivedBytes, false, "cannot sync the snapshot file: " + e.getMessage());
            return;
        }
        streams.remove(s.streamId);
        owner.receiveFinished();
        LOG.info("n{}: received snapshot {} of group {} from n{}: {} bytes in {}", config.memberId, s.streamId,
                s.groupId, peerId, s.totalBytes, complete);
        if (owner.deliverSnapshot(s.groupId, m, complete)) {
            ack(s.streamId, s.receivedBytes, true, null);
        } else {
            deleteQuietly(complete);
            ack(s.streamId, s.receivedBytes, false, "the receiving member could not take the snapshot");
        }
    }

    /** The name prefix of this member's snapshot files; a {@link #PARTIAL_SUFFIX} marks one being received. */
    static String filePrefix(long memberId) {
        return "cairn-snapshot-n" + memberId + "-";
    }

    /** {@code x.part} becomes {@code x.snap} once complete and synced. */
    private static Path completePath(Path partial) {
        String name = partial.getFileName().toString();
        return partial.resolveSibling(name.substring(0, name.length() - PARTIAL_SUFFIX.length()) + ".snap");
    }

    /** Tells the sender the stream failed here, and ignores the rest of its window. */
    private void refuse(long streamId, long receivedBytes, String why) {
        refused.add(streamId);
        if (refused.size() > REFUSED_REMEMBERED_MAX) {
            Iterator<Long> oldest = refused.iterator();
            oldest.next();
            oldest.remove();
        }
        ack(streamId, receivedBytes, false, why);
    }

    private void discard(Incoming s) {
        if (streams.remove(s.streamId) == null) {
            return;
        }
        owner.receiveFinished();
        try {
            s.file.close();
        } catch (IOException e) {
            // deleting it anyway
        }
        deleteQuietly(s.path);
    }

    private void violation(String reason) {
        discardAll();
        PeerErrors.badPeer(channel, config.memberId, peerId, reason, owner.counters());
    }

    private void ack(long streamId, long receivedBytes, boolean done, String error) {
        String e = error == null || error.length() <= 200 ? error : error.substring(0, 200);
        channel.writeAndFlush(WireCodec.ack(streamId, receivedBytes, done, e));
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", path, e.toString());
        }
    }
}
