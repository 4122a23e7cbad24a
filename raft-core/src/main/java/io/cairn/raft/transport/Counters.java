package io.cairn.raft.transport;

import java.util.concurrent.atomic.LongAdder;

/**
 * The transport's counters, bumped from event loops, snapshot threads and callers of {@code send}. LongAdders,
 * so a hot counter costs no contended CAS; read together by {@link #snapshot()}.
 */
final class Counters {
    final LongAdder messagesSent = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder messagesDroppedQueueFull = new LongAdder();
    final LongAdder messagesDroppedDisconnected = new LongAdder();
    final LongAdder messagesDroppedOversize = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder framesSent = new LongAdder();
    final LongAdder framesReceived = new LongAdder();
    final LongAdder flushes = new LongAdder();
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder badPeers = new LongAdder();
    final LongAdder snapshotsSent = new LongAdder();
    final LongAdder snapshotsFailed = new LongAdder();
    final LongAdder snapshotsReceived = new LongAdder();

    TransportStats snapshot() {
        return new TransportStats(messagesSent.sum(), messagesReceived.sum(), messagesDroppedQueueFull.sum(),
                messagesDroppedDisconnected.sum(), messagesDroppedOversize.sum(), bytesSent.sum(),
                bytesReceived.sum(), framesSent.sum(), framesReceived.sum(), flushes.sum(),
                connectionsOpened.sum(), reconnects.sum(), badPeers.sum(), snapshotsSent.sum(),
                snapshotsFailed.sum(), snapshotsReceived.sum());
    }
}
