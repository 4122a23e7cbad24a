package io.cairn.raft.transport;

import io.cairn.raft.core.Message;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Carries Raft messages between members. Each member sends on connections it dials itself (one per peer and
 * direction), so a link can be cut one way; inbound connections only receive. Sending never blocks: each peer
 * has a bounded queue, and what does not fit is dropped (Raft retransmits).
 */
public interface Transport extends AutoCloseable {
    /** Starts listening and hands everything that arrives to {@code inbound}. */
    void start(Inbound inbound) throws InterruptedException;

    /** Where member {@code id} listens; may change while running (membership). */
    void setPeer(long id, InetSocketAddress address);

    void removePeer(long id);

    /** Sends {@code m} of group {@code groupId} to {@code m.to()}; drops it if the peer's queue is full. */
    void send(long groupId, Message m);

    /**
     * Streams a snapshot to {@code m.to()}: the bytes of {@code source} in chunks with flow control, then
     * {@code m} itself, handed to the receiver's {@link Inbound#onSnapshot}. {@code done} gets true once the
     * receiver has everything, false if the stream failed.
     */
    void sendSnapshot(long groupId, Message m, SnapshotSource source, Consumer<Boolean> done);

    /** The address this member listens on. */
    InetSocketAddress localAddress();

    @Override
    void close();
}
