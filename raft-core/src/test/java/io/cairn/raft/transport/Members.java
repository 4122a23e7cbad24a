package io.cairn.raft.transport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.awaitility.core.ConditionFactory;

/** Real transports on loopback for a test; closes them all at the end. */
final class Members implements AutoCloseable {
    /** How long any awaited event may take before the test fails. */
    static final Duration PATIENCE = Duration.ofSeconds(10);

    record Member(long id, NettyTransport transport, RecordingInbound inbound, Path snapshotDir) {
        InetSocketAddress address() {
            return transport.localAddress();
        }
    }

    private final Path dir;
    private final List<Member> started = new ArrayList<>();

    Members(Path dir) {
        this.dir = dir;
    }

    static ConditionFactory eventually() {
        return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5));
    }

    /** Test defaults: small and quick. */
    static NettyTransportConfig.Builder defaults(long id, int port) {
        return defaults(id, "127.0.0.1", port);
    }

    static NettyTransportConfig.Builder defaults(long id, String ip, int port) {
        return NettyTransportConfig.builder(id, new InetSocketAddress(ip, port))
                .cluster("test")
                .reconnectBackoffMillis(20, 300)
                .ioThreads(2)
                .snapshotIoThreads(1);
    }

    Member start(long id) throws InterruptedException {
        return start(id, 0, b -> b);
    }

    Member start(long id, int port, UnaryOperator<NettyTransportConfig.Builder> tweak) throws InterruptedException {
        return start(defaults(id, port), tweak, new RecordingInbound());
    }

    Member start(NettyTransportConfig.Builder base, UnaryOperator<NettyTransportConfig.Builder> tweak,
            RecordingInbound inbound) throws InterruptedException {
        NettyTransportConfig probe = base.build();
        Path snapshots;
        try {
            snapshots = Files.createDirectories(dir.resolve("n" + probe.memberId + "-" + started.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        NettyTransport t = new NettyTransport(tweak.apply(base.snapshotDirectory(snapshots)).build());
        Member m = new Member(probe.memberId, t, inbound, snapshots);
        started.add(m);
        t.start(inbound);
        return m;
    }

    /** Tells every pair about each other and waits until each has a connection to every other. */
    static void mesh(Member... members) {
        for (Member a : members) {
            for (Member b : members) {
                if (a != b) {
                    a.transport().setPeer(b.id(), b.address());
                }
            }
        }
        for (Member a : members) {
            for (Member b : members) {
                if (a != b) {
                    eventually().until(() -> a.transport().isConnected(b.id()));
                }
            }
        }
    }

    @Override
    public void close() {
        for (Member m : started) {
            m.transport().close();
        }
    }
}
