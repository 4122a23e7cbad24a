package io.cairn.raft.transport;

import io.cairn.raft.core.Message;
import java.nio.file.Path;

/**
 * Where a {@link Transport} hands what arrives. Called on transport threads: implementations must not block
 * (the runtime puts the message on its group's bounded input queue).
 */
public interface Inbound {
    /** A Raft message for group {@code groupId}. */
    void onMessage(long groupId, Message m);

    /**
     * A complete snapshot for group {@code groupId}: {@code m} is the leader's SNAPSHOT message, {@code data} a
     * file holding every byte of the snapshot (the receiver owns it and deletes it when done).
     */
    void onSnapshot(long groupId, Message m, Path data);
}
