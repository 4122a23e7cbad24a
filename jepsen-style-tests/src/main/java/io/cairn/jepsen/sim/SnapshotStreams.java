package io.cairn.jepsen.sim;

import io.cairn.raft.core.Message;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * Streams snapshots between simulated members the way a runtime's transport must: the core only emits a
 * SNAPSHOT message with metadata; the data (the sender's durable snapshot of its register map) goes in chunks
 * with flow control (at most {@link #WINDOW} chunks unacknowledged), cumulative acknowledgements and
 * retransmission, over the same lossy, partitionable network as everything else. When every chunk has arrived
 * the receiver steps the SNAPSHOT message into its core, with the data set aside for the install; the sender
 * reports the outcome to its core ({@code reportSnapshot}). A crash of either end kills the stream.
 */
final class SnapshotStreams {
    static final int CHUNK_BYTES = 32;
    static final int WINDOW = 4;
    private static final long RETRANSMIT_MICROS = 60_000;
    private static final int RETRANSMITS_MAX = 8;

    private final Simulation sim;
    private long nextStreamId = 1;

    SnapshotStreams(Simulation sim) {
        this.sim = sim;
    }

    private final class Stream {
        final long id;
        final SimNode sender;
        final int senderIncarnation;
        final SimNode receiver;
        final Message message;
        final byte[] data;
        final int chunks;
        int acked;
        int sent;
        int retransmits;
        boolean finished;
        /** Receiver side: the chunks it holds, contiguous from 0. */
        int received;
        int receiverIncarnation = -1;
        final ByteArrayOutputStream assembled = new ByteArrayOutputStream();

        Stream(SimNode sender, SimNode receiver, Message message, byte[] data) {
            this.id = nextStreamId++;
            this.sender = sender;
            this.senderIncarnation = sender.incarnation();
            this.receiver = receiver;
            this.message = message;
            this.data = data;
            this.chunks = Math.max(1, (data.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
        }

        boolean senderAlive() {
            return sender.incarnation() == senderIncarnation && sender.up();
        }
    }

    /** The sender's core asked to send a snapshot: stream the sender's durable snapshot to the receiver. */
    void start(SimNode sender, SimNode receiver, Message m) {
        byte[] data = encode(sender.disk().snapshotRegisters());
        if (sender.disk().snapshot() == null || sender.disk().snapshot().index() != m.snapshot().index()) {
            sim.violation("n" + sender.id + " sends " + m.snapshot() + " but its durable snapshot is "
                    + sender.disk().snapshot());
            return;
        }
        Stream s = new Stream(sender, receiver, m, data);
        sim.count("snapshot-streams");
        sim.trace("n" + sender.id + " streams " + m.snapshot() + " to n" + receiver.id + " in " + s.chunks
                + " chunks (stream " + s.id + ")");
        pump(s);
        scheduleRetransmit(s, 0);
    }

    private void pump(Stream s) {
        while (!s.finished && s.sent < s.chunks && s.sent - s.acked < WINDOW) {
            sendChunk(s, s.sent++);
        }
    }

    private void sendChunk(Stream s, int chunk) {
        int from = chunk * CHUNK_BYTES;
        byte[] piece = java.util.Arrays.copyOfRange(s.data, Math.min(from, s.data.length),
                Math.min(from + CHUNK_BYTES, s.data.length));
        sim.network().sendRaw(s.sender.id, s.receiver.id, s::senderAlive,
                () -> s.receiver.whenRunning(SimNode.Source.PEER, () -> onChunk(s, chunk, piece)));
    }

    private void onChunk(Stream s, int chunk, byte[] piece) {
        if (s.receiverIncarnation != s.receiver.incarnation()) {
            s.receiverIncarnation = s.receiver.incarnation(); // a restarted receiver starts over
            s.received = 0;
            s.assembled.reset();
        }
        if (chunk == s.received) {
            s.assembled.write(piece, 0, piece.length);
            s.received++;
            if (s.received == s.chunks) {
                s.receiver.receiveSnapshot(s.message, decode(s.assembled.toByteArray()));
            }
        }
        int ack = s.received;
        int inc = s.receiver.incarnation();
        sim.network().sendRaw(s.receiver.id, s.sender.id, () -> s.receiver.incarnation() == inc,
                () -> s.sender.whenRunning(SimNode.Source.PEER, () -> onAck(s, ack)));
    }

    private void onAck(Stream s, int ack) {
        if (s.finished || !s.senderAlive() || ack <= s.acked) {
            return;
        }
        s.acked = ack;
        s.retransmits = 0;
        if (s.acked == s.chunks) {
            finish(s, true);
            return;
        }
        pump(s);
    }

    private void scheduleRetransmit(Stream s, int ackedAtSchedule) {
        sim.events().after(RETRANSMIT_MICROS, () -> {
            if (s.finished) {
                return;
            }
            if (!s.senderAlive()) {
                s.finished = true;
                return;
            }
            if (s.acked == ackedAtSchedule) {
                if (++s.retransmits > RETRANSMITS_MAX) {
                    finish(s, false);
                    return;
                }
                s.sent = s.acked; // go back: resend everything unacknowledged
                pump(s);
            }
            scheduleRetransmit(s, s.acked);
        });
    }

    private void finish(Stream s, boolean delivered) {
        s.finished = true;
        sim.trace("n" + s.sender.id + " snapshot stream " + s.id + " to n" + s.receiver.id
                + (delivered ? " delivered" : " failed"));
        s.sender.reportSnapshot(s.receiver.id, delivered);
    }

    static byte[] encode(Map<Integer, Long> registers) {
        ByteBuffer b = ByteBuffer.allocate(4 + 12 * registers.size());
        b.putInt(registers.size());
        new TreeMap<>(registers).forEach((k, v) -> b.putInt(k).putLong(v));
        return b.array();
    }

    static Map<Integer, Long> decode(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        int n = b.getInt();
        Map<Integer, Long> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            out.put(b.getInt(), b.getLong());
        }
        if (b.hasRemaining()) {
            throw new IllegalStateException("snapshot data has " + b.remaining() + " trailing bytes");
        }
        return out;
    }
}
