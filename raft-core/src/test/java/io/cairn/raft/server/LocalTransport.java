package io.cairn.raft.server;

import io.cairn.raft.core.Message;
import io.cairn.raft.transport.Inbound;
import io.cairn.raft.transport.SnapshotSource;
import io.cairn.raft.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * An in-JVM {@link Transport} for runtime tests: members find each other in a shared {@link Network}, each
 * delivers what it receives on its own thread, in order, and links can be cut one way.
 */
final class LocalTransport implements Transport {
    /** The members of one test, and the links cut between them. */
    static final class Network {
        final Map<Long, LocalTransport> members = new ConcurrentHashMap<>();
        final Set<String> cut = ConcurrentHashMap.newKeySet();
        /** Messages sent (delivered or not). */
        final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        /** How many of the next snapshot streams fail before sending anything. */
        final java.util.concurrent.atomic.AtomicInteger failSnapshots = new java.util.concurrent.atomic.AtomicInteger();
        /** Runs each snapshot stream's end report (a test may wrap it). */
        volatile Consumer<Runnable> aroundSnapshotDone = Runnable::run;

        void cut(long from, long to) {
            cut.add(from + ">" + to);
        }

        void isolate(long id) {
            for (long other : members.keySet()) {
                cut(id, other);
                cut(other, id);
            }
        }

        void heal() {
            cut.clear();
        }

        boolean open(long from, long to) {
            return !cut.contains(from + ">" + to);
        }
    }

    private final long id;
    private final Network network;
    private final Path snapshotTmp;
    private final ExecutorService delivery;
    private volatile Inbound inbound;
    private volatile boolean closed;

    LocalTransport(long id, Network network, Path snapshotTmp) {
        this.id = id;
        this.network = network;
        this.snapshotTmp = snapshotTmp;
        this.delivery = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "local-transport-" + id);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void start(Inbound inbound) {
        this.inbound = inbound;
        network.members.put(id, this);
    }

    @Override
    public void setPeer(long peer, InetSocketAddress address) {
    }

    @Override
    public void removePeer(long peer) {
    }

    @Override
    public void send(long groupId, Message m) {
        network.sent.incrementAndGet();
        LocalTransport to = network.members.get(m.to());
        if (closed || to == null || to.closed || !network.open(id, m.to())) {
            return;
        }
        to.delivery.execute(() -> {
            if (!to.closed && network.open(id, m.to())) {
                to.inbound.onMessage(groupId, m);
            }
        });
    }

    @Override
    public void sendSnapshot(long groupId, Message m, SnapshotSource source, Consumer<Boolean> done) {
        LocalTransport to = network.members.get(m.to());
        if (closed || to == null || to.closed || !network.open(id, m.to())) {
            network.aroundSnapshotDone.accept(() -> done.accept(false));
            return;
        }
        if (network.failSnapshots.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            delivery.execute(() -> network.aroundSnapshotDone.accept(() -> done.accept(false)));
            return;
        }
        to.delivery.execute(() -> {
            try {
                Files.createDirectories(to.snapshotTmp);
                Path file = Files.createTempFile(to.snapshotTmp, "incoming-", ".snap");
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.allocate(8192);
                    long offset = 0;
                    int n;
                    while ((n = source.read(offset, buf.clear())) > 0) {
                        buf.flip();
                        ch.write(buf);
                        offset += n;
                    }
                }
                to.inbound.onSnapshot(groupId, m, file);
                network.aroundSnapshotDone.accept(() -> done.accept(true));
            } catch (IOException e) {
                network.aroundSnapshotDone.accept(() -> done.accept(false));
            }
        });
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    @Override
    public void close() {
        closed = true;
        network.members.remove(id, this);
        delivery.shutdownNow();
    }
}
