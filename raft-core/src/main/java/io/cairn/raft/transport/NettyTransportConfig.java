package io.cairn.raft.transport;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Every knob and limit of {@link NettyTransport}, in one place, with their relationships checked when built.
 *
 * <p>The limits bound what one member can be made to hold by its peers and by its own runtime: a frame is at
 * most {@link #frameBytesMax} bytes (1 KiB until the peer has said Hello), a peer's send queue holds at most
 * {@link #peerQueueMessagesMax} messages and {@link #peerQueueBytesMax} bytes, a connection's unwritten output
 * stops being refilled above {@link #writeBufferHighBytes}, at most {@link #inboundConnectionsMax} inbound
 * connections are served, and at most {@link #snapshotStreamsMax} snapshot streams run in each direction with
 * {@link #snapshotWindowChunks} chunks of {@link #snapshotChunkBytes} unacknowledged each.
 *
 * <p>So what strangers can make a member hold is bounded: each inbound connection buffers at most one frame
 * (1 KiB before its Hello, which must come within {@link #helloTimeoutMillis}) plus
 * {@link #snapshotReceivePendingBytesMax} of snapshot chunks waiting for the disk, and there are at most
 * {@link #inboundConnectionsMax} of them. Without authentication (TLS is a later option) a Hello is easy to
 * forge, so that worst case, {@code inboundConnectionsMax * (frameBytesMax + snapshotReceivePendingBytesMax)},
 * is what the defaults keep modest (64 * 17 MiB).
 *
 * <p>Peer requests ({@link PeerRequestHandler}) come on inbound connections too, instead of a Hello: each holds its
 * connection until answered or {@link #peerRequestTimeoutMillis} has passed, so they share the same bound.
 *
 * <p>The caller checks that a Raft message fits in a frame: {@link #requireFits(long)} with the core's
 * {@code messageBytesMax}.
 */
public final class NettyTransportConfig {
    /** The size of the largest frame a peer may send before its Hello has been accepted. */
    public static final int HELLO_FRAME_BYTES_MAX = 1024;
    /** Room a frame needs besides its messages or chunk data (tags, lengths, ids). */
    public static final int FRAME_OVERHEAD_BYTES = 256;

    /** This member's id; never 0. */
    public final long memberId;
    /** Where this member listens; port 0 picks a free port. Outgoing connections bind to its IP. */
    public final InetSocketAddress listenAddress;
    /** Both ends of a connection must name the same cluster in their Hello. */
    public final String cluster;
    /** The largest frame (without its 4-byte length prefix) this member sends or accepts. */
    public final int frameBytesMax;
    /** A peer's send queue holds at most this many messages; more are dropped. */
    public final int peerQueueMessagesMax;
    /** A peer's send queue holds at most this many bytes (entry bytes plus a fixed overhead per message). */
    public final long peerQueueBytesMax;
    /** The first reconnect waits about this long; each failure doubles it. */
    public final long reconnectBackoffMinMillis;
    /** Reconnect delays stop doubling here. */
    public final long reconnectBackoffMaxMillis;
    /** A dial that has not connected after this long fails (and is retried with backoff). */
    public final int connectTimeoutMillis;
    /** How long start keeps retrying to listen on an address that is in use before it fails. */
    public final long bindRetryMillis;
    /** An inbound connection that has not sent a valid Hello within this long is closed. */
    public final long helloTimeoutMillis;
    /** With native epoll: unacknowledged data older than this aborts the connection (TCP_USER_TIMEOUT). */
    public final int tcpUserTimeoutMillis;
    /** Above this many unwritten bytes a connection is not writable: the send queue waits (and fills). */
    public final int writeBufferHighBytes;
    /** A connection that was not writable becomes writable again below this many unwritten bytes. */
    public final int writeBufferLowBytes;
    /** At most this many inbound connections are served at once; more are closed on arrival. */
    public final int inboundConnectionsMax;
    /** Snapshot data travels in chunks of at most this many bytes. */
    public final int snapshotChunkBytes;
    /** At most this many chunks of one stream are sent and not yet acknowledged. */
    public final int snapshotWindowChunks;
    /** At most this many snapshot streams are sent, and at most this many received, at once. */
    public final int snapshotStreamsMax;
    /** A snapshot stream that gets no acknowledgement for this long fails. */
    public final long snapshotAckTimeoutMillis;
    /** Received snapshots are written to temporary files here. */
    public final Path snapshotDirectory;
    /** A connection stops reading while this many received chunk bytes wait to be written to disk. */
    public final int snapshotReceivePendingBytesMax;
    /** Netty event-loop threads (connections, framing, delivery to {@link Inbound#onMessage}). */
    public final int ioThreads;
    /** Threads that read snapshot sources and write received snapshot files. */
    public final int snapshotIoThreads;
    /** Use native epoll when the platform has it (NIO otherwise); false forces NIO. */
    public final boolean preferEpoll;
    /** Mutual TLS between members, or null for plain TCP. */
    public final PeerTls tls;
    /** Answers peer requests (the application's questions on the peer port), or null: every one is refused. */
    public final PeerRequestHandler peerRequests;
    /** A peer request not answered within this long gets the error "timed out", and its connection closes. */
    public final long peerRequestTimeoutMillis;

    private NettyTransportConfig(Builder b) {
        this.memberId = b.memberId;
        this.listenAddress = b.listenAddress;
        this.cluster = b.cluster;
        this.frameBytesMax = b.frameBytesMax;
        this.peerQueueMessagesMax = b.peerQueueMessagesMax;
        this.peerQueueBytesMax = b.peerQueueBytesMax;
        this.reconnectBackoffMinMillis = b.reconnectBackoffMinMillis;
        this.reconnectBackoffMaxMillis = b.reconnectBackoffMaxMillis;
        this.connectTimeoutMillis = b.connectTimeoutMillis;
        this.bindRetryMillis = b.bindRetryMillis;
        this.helloTimeoutMillis = b.helloTimeoutMillis;
        this.tcpUserTimeoutMillis = b.tcpUserTimeoutMillis;
        this.writeBufferHighBytes = b.writeBufferHighBytes;
        this.writeBufferLowBytes = b.writeBufferLowBytes;
        this.inboundConnectionsMax = b.inboundConnectionsMax;
        this.snapshotChunkBytes = b.snapshotChunkBytes;
        this.snapshotWindowChunks = b.snapshotWindowChunks;
        this.snapshotStreamsMax = b.snapshotStreamsMax;
        this.snapshotAckTimeoutMillis = b.snapshotAckTimeoutMillis;
        this.snapshotDirectory = b.snapshotDirectory;
        this.snapshotReceivePendingBytesMax = b.snapshotReceivePendingBytesMax;
        this.ioThreads = b.ioThreads;
        this.snapshotIoThreads = b.snapshotIoThreads;
        this.preferEpoll = b.preferEpoll;
        this.tls = b.tls;
        this.peerRequests = b.peerRequests;
        this.peerRequestTimeoutMillis = b.peerRequestTimeoutMillis;
        validate();
    }

    public static Builder builder(long memberId, InetSocketAddress listenAddress) {
        return new Builder(memberId, listenAddress);
    }

    /**
     * Checks that a Raft message carrying {@code messageBytesMax} entry bytes (the core's limit, counted with
     * {@code Entry.OVERHEAD_BYTES} per entry) always fits in one frame. Protobuf spends at most about 35 bytes
     * on an entry's term, index, type and length where the core counts 24, so twice the limit plus the frame
     * overhead is a safe bound.
     */
    public void requireFits(long messageBytesMax) {
        long needed = 2 * messageBytesMax + FRAME_OVERHEAD_BYTES;
        require(needed <= frameBytesMax, "frameBytesMax (" + frameBytesMax + ") must hold a message of "
                + messageBytesMax + " entry bytes with its encoding overhead (" + needed + " bytes)");
    }

    private void validate() {
        require(memberId != 0, "memberId must not be 0 (it means 'none')");
        require(!cluster.isEmpty() && cluster.length() <= 128, "cluster must be 1 to 128 characters");
        require(frameBytesMax >= HELLO_FRAME_BYTES_MAX, "frameBytesMax must be at least " + HELLO_FRAME_BYTES_MAX);
        require(peerQueueMessagesMax > 0, "peerQueueMessagesMax must be positive");
        require(peerQueueBytesMax >= frameBytesMax, "peerQueueBytesMax must hold at least one frame (frameBytesMax)");
        require(reconnectBackoffMinMillis > 0, "reconnectBackoffMinMillis must be positive");
        require(reconnectBackoffMaxMillis >= reconnectBackoffMinMillis,
                "reconnectBackoffMaxMillis must be at least reconnectBackoffMinMillis");
        require(connectTimeoutMillis > 0, "connectTimeoutMillis must be positive");
        require(bindRetryMillis >= 0, "bindRetryMillis must not be negative");
        require(helloTimeoutMillis > 0, "helloTimeoutMillis must be positive");
        require(tcpUserTimeoutMillis >= 0, "tcpUserTimeoutMillis must not be negative (0: kernel default)");
        require(writeBufferLowBytes > 0 && writeBufferHighBytes >= writeBufferLowBytes,
                "0 < writeBufferLowBytes <= writeBufferHighBytes");
        require(inboundConnectionsMax > 0, "inboundConnectionsMax must be positive");
        require(snapshotChunkBytes > 0, "snapshotChunkBytes must be positive");
        require((long) snapshotChunkBytes + FRAME_OVERHEAD_BYTES <= frameBytesMax,
                "snapshotChunkBytes (" + snapshotChunkBytes + ") plus " + FRAME_OVERHEAD_BYTES
                        + " bytes of overhead must fit in frameBytesMax (" + frameBytesMax + ")");
        require(snapshotWindowChunks > 0, "snapshotWindowChunks must be positive");
        require(snapshotStreamsMax > 0, "snapshotStreamsMax must be positive");
        require(snapshotAckTimeoutMillis > 0, "snapshotAckTimeoutMillis must be positive");
        require(snapshotReceivePendingBytesMax >= snapshotChunkBytes,
                "snapshotReceivePendingBytesMax must hold at least one chunk");
        require(ioThreads > 0, "ioThreads must be positive");
        require(snapshotIoThreads > 0, "snapshotIoThreads must be positive");
        require(peerRequestTimeoutMillis > 0, "peerRequestTimeoutMillis must be positive");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Defaults suit a LAN cluster of a few members; every limit can be changed. */
    public static final class Builder {
        private final long memberId;
        private final InetSocketAddress listenAddress;
        private String cluster = "cairn";
        private int frameBytesMax = 16 << 20;
        private int peerQueueMessagesMax = 4096;
        private long peerQueueBytesMax = 64L << 20;
        private long reconnectBackoffMinMillis = 50;
        private long reconnectBackoffMaxMillis = 2000;
        private int connectTimeoutMillis = 2000;
        private long bindRetryMillis = 10_000;
        private long helloTimeoutMillis = 5000;
        private int tcpUserTimeoutMillis = 15_000;
        private int writeBufferHighBytes = 4 << 20;
        private int writeBufferLowBytes = 1 << 20;
        private int inboundConnectionsMax = 64;
        private int snapshotChunkBytes = 64 << 10;
        private int snapshotWindowChunks = 16;
        private int snapshotStreamsMax = 4;
        private long snapshotAckTimeoutMillis = 10_000;
        private Path snapshotDirectory = Path.of(System.getProperty("java.io.tmpdir"));
        private int snapshotReceivePendingBytesMax = 1 << 20;
        private int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        private int snapshotIoThreads = 1;
        private boolean preferEpoll = true;
        private PeerTls tls;
        private PeerRequestHandler peerRequests;
        private long peerRequestTimeoutMillis = 15_000;

        private Builder(long memberId, InetSocketAddress listenAddress) {
            this.memberId = memberId;
            this.listenAddress = Objects.requireNonNull(listenAddress, "listenAddress");
        }

        public Builder cluster(String v) {
            cluster = Objects.requireNonNull(v, "cluster");
            return this;
        }

        public Builder frameBytesMax(int v) {
            frameBytesMax = v;
            return this;
        }

        public Builder peerQueueMessagesMax(int v) {
            peerQueueMessagesMax = v;
            return this;
        }

        public Builder peerQueueBytesMax(long v) {
            peerQueueBytesMax = v;
            return this;
        }

        public Builder reconnectBackoffMillis(long min, long max) {
            reconnectBackoffMinMillis = min;
            reconnectBackoffMaxMillis = max;
            return this;
        }

        public Builder connectTimeoutMillis(int v) {
            connectTimeoutMillis = v;
            return this;
        }

        public Builder bindRetryMillis(long v) {
            bindRetryMillis = v;
            return this;
        }

        public Builder helloTimeoutMillis(long v) {
            helloTimeoutMillis = v;
            return this;
        }

        public Builder tcpUserTimeoutMillis(int v) {
            tcpUserTimeoutMillis = v;
            return this;
        }

        public Builder writeBufferBytes(int low, int high) {
            writeBufferLowBytes = low;
            writeBufferHighBytes = high;
            return this;
        }

        public Builder inboundConnectionsMax(int v) {
            inboundConnectionsMax = v;
            return this;
        }

        public Builder snapshotChunkBytes(int v) {
            snapshotChunkBytes = v;
            return this;
        }

        public Builder snapshotWindowChunks(int v) {
            snapshotWindowChunks = v;
            return this;
        }

        public Builder snapshotStreamsMax(int v) {
            snapshotStreamsMax = v;
            return this;
        }

        public Builder snapshotAckTimeoutMillis(long v) {
            snapshotAckTimeoutMillis = v;
            return this;
        }

        public Builder snapshotDirectory(Path v) {
            snapshotDirectory = Objects.requireNonNull(v, "snapshotDirectory");
            return this;
        }

        public Builder snapshotReceivePendingBytesMax(int v) {
            snapshotReceivePendingBytesMax = v;
            return this;
        }

        public Builder ioThreads(int v) {
            ioThreads = v;
            return this;
        }

        public Builder snapshotIoThreads(int v) {
            snapshotIoThreads = v;
            return this;
        }

        /** Mutual TLS between members (null: plain TCP, the default). */
        public Builder tls(PeerTls v) {
            tls = v;
            return this;
        }

        /** What answers peer requests (null, the default: none is answered). */
        public Builder peerRequests(PeerRequestHandler v) {
            peerRequests = v;
            return this;
        }

        public Builder peerRequestTimeoutMillis(long v) {
            peerRequestTimeoutMillis = v;
            return this;
        }

        public Builder preferEpoll(boolean v) {
            preferEpoll = v;
            return this;
        }

        public NettyTransportConfig build() {
            return new NettyTransportConfig(this);
        }
    }
}
