package io.cairn.raft.transport;

/**
 * A consistent-enough reading of a transport's counters (each counter is read once; they are not read
 * atomically together). All counts are totals since the transport was created; the runtime binds them to
 * Micrometer as function counters.
 *
 * @param messagesSent Raft messages written to a connection
 * @param messagesReceived Raft messages decoded and handed to {@link Inbound#onMessage}
 * @param messagesDroppedQueueFull messages dropped because the peer's send queue was full
 * @param messagesDroppedDisconnected messages dropped because there was no connection to the peer (unknown
 *     peer, not yet connected, connection lost, transport closed)
 * @param messagesDroppedOversize messages dropped because one alone does not fit in a frame (a configuration
 *     error: see {@link NettyTransportConfig#requireFits})
 * @param bytesSent bytes written to connections, length prefixes included
 * @param bytesReceived bytes read from connections, length prefixes included
 * @param framesSent frames written (Hello and snapshot frames included)
 * @param framesReceived frames decoded
 * @param flushes flushes of coalesced messages (one per flush task that wrote something)
 * @param connectionsOpened outgoing connections established
 * @param reconnects outgoing connections established to a peer that had been connected before
 * @param badPeers connections closed because the peer broke the protocol (garbage, oversized frame, no Hello)
 * @param snapshotsSent snapshot streams acknowledged by their receiver
 * @param snapshotsFailed snapshot streams sent that failed
 * @param snapshotsReceived snapshots received completely and handed to {@link Inbound#onSnapshot}
 */
public record TransportStats(
        long messagesSent,
        long messagesReceived,
        long messagesDroppedQueueFull,
        long messagesDroppedDisconnected,
        long messagesDroppedOversize,
        long bytesSent,
        long bytesReceived,
        long framesSent,
        long framesReceived,
        long flushes,
        long connectionsOpened,
        long reconnects,
        long badPeers,
        long snapshotsSent,
        long snapshotsFailed,
        long snapshotsReceived) {

    /** Every message dropped, whatever the reason. */
    public long messagesDropped() {
        return messagesDroppedQueueFull + messagesDroppedDisconnected + messagesDroppedOversize;
    }
}
