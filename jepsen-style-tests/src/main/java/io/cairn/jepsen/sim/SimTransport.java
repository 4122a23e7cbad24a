package io.cairn.jepsen.sim;

import io.cairn.raft.core.Message;
import io.cairn.raft.transport.Inbound;
import io.cairn.raft.transport.SnapshotSource;
import io.cairn.raft.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The real runtime's {@link Transport}, over the simulated network: Raft messages travel with the seed's
 * latency, loss, duplication and partitions (and die with a crashed sender, like any other message); a
 * snapshot's bytes are read from the sender's disk, travel as one message with the network's latency, and land
 * as a file on the receiver's simulated disk before its runtime is told; a stream whose message is lost ends
 * as failed after an acknowledgement timeout, as the Netty transport's does.
 */
final class SimTransport implements Transport {
    private static final long SNAPSHOT_ACK_TIMEOUT_MICROS = 2_000_000;
    private final Simulation sim;
    private final RuntimeSimNode self;
    private final int incarnation;
    private Inbound inbound;
    private long nextFile;

    SimTransport(Simulation sim, RuntimeSimNode self) {
        this.sim = sim;
        this.self = self;
        this.incarnation = self.incarnation();
    }

    private boolean alive() {
        return self.incarnation() == incarnation && self.up();
    }

    Inbound inbound() {
        return inbound;
    }

    @Override
    public void start(Inbound handler) {
        this.inbound = handler;
    }

    @Override
    public void setPeer(long id, InetSocketAddress address) {
    }

    @Override
    public void removePeer(long id) {
    }

    @Override
    public void send(long groupId, Message m) {
        if (!alive()) {
            return;
        }
        if (m.type() == io.cairn.raft.core.MessageType.VOTE_RESPONSE && !m.reject()) {
            sim.onVoteSentBy(self.id());
        }
        sim.sendTraced(m, () -> {
            if (sim.node((int) m.to()) instanceof RuntimeSimNode to) {
                to.receive(groupId, m);
            }
        });
    }

    @Override
    public void sendSnapshot(long groupId, Message m, SnapshotSource source, Consumer<Boolean> done) {
        byte[] data;
        try {
            long size = source.size();
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            long offset = 0;
            while (buf.hasRemaining()) {
                int n = source.read(offset, buf);
                if (n <= 0) {
                    break;
                }
                offset += n;
            }
            data = buf.array();
        } catch (IOException e) {
            self.later(() -> done.accept(false));
            return;
        }
        sim.count("snapshot-streams");
        long file = (long) incarnation << 32 | nextFile++; // unique per sender across its restarts
        // Like the Netty transport's acknowledgement timeout: a stream lost on the way ends as failed, so the
        // leader probes again instead of waiting forever.
        boolean[] ended = {false};
        Consumer<Boolean> end = ok -> {
            if (!ended[0]) {
                ended[0] = true;
                self.later(() -> done.accept(ok));
            }
        };
        sim.events().after(SNAPSHOT_ACK_TIMEOUT_MICROS, () -> end.accept(false));
        sim.sendTraced(m, () -> {
            if (sim.node((int) m.to()) instanceof RuntimeSimNode to && to.up()) {
                to.receiveSnapshot(groupId, m, data, file);
                end.accept(true);
            } else {
                end.accept(false);
            }
        });
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    @Override
    public void close() {
    }

    static Path incomingFile(Path dir, long sender, long file, int receiverIncarnation) {
        return dir.resolve("incoming-" + sender + "-" + file + "-" + receiverIncarnation + ".snap");
    }
}
