package io.cairn.raft.transport;

import io.cairn.raft.core.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link Inbound} that remembers everything (and, for snapshots, the bytes of the file it was handed). */
class RecordingInbound implements Inbound {
    record Received(long groupId, Message message, String thread) {}

    record Snapshot(long groupId, Message message, byte[] data, String thread, String fileName) {}

    final List<Received> messages = new CopyOnWriteArrayList<>();
    final List<Snapshot> snapshots = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(long groupId, Message m) {
        messages.add(new Received(groupId, m, Thread.currentThread().getName()));
    }

    @Override
    public void onSnapshot(long groupId, Message m, Path data) {
        try {
            snapshots.add(new Snapshot(groupId, m, Files.readAllBytes(data), Thread.currentThread().getName(),
                    data.getFileName().toString()));
            Files.delete(data); // the receiver owns the file
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long countFrom(long from) {
        return messages.stream().filter(r -> r.message().from() == from).count();
    }
}
