package io.cairn.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Reconnect delays, and the limits' relationships checked when a configuration is built. */
class BackoffAndConfigTest {
    private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

    @Test
    void stepsDoubleFromTheMinimumUpToTheMaximum() {
        Backoff b = new Backoff(50, 2000);
        assertThat(new long[] {b.stepMillis(0), b.stepMillis(1), b.stepMillis(2), b.stepMillis(5), b.stepMillis(6)})
                .containsExactly(50, 100, 200, 1600, 2000);
        assertThat(b.stepMillis(1000)).as("no overflow").isEqualTo(2000);
    }

    @Test
    void jitterStaysInTheUpperHalfOfTheStep() {
        Backoff b = new Backoff(50, 2000);
        assertThat(b.delayMillis(3, bound -> 0)).isEqualTo(200);
        assertThat(b.delayMillis(3, bound -> bound - 1)).isEqualTo(400);
        assertThat(b.delayMillis(0, bound -> 0)).isEqualTo(25);
        assertThat(b.delayMillis(20, bound -> bound - 1)).isEqualTo(2000);
    }

    @Test
    void defaultsAreConsistentAndHoldTheCoreDefaultMessage() {
        NettyTransportConfig c = NettyTransportConfig.builder(1, ANY).build();
        assertThat(c.frameBytesMax).isEqualTo(16 << 20);
        assertThat(c.snapshotChunkBytes).isEqualTo(64 << 10);
        c.requireFits(1 << 20); // RaftConfig's default messageBytesMax
        assertThatThrownBy(() -> c.requireFits(8 << 20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("frameBytesMax");
    }

    @Test
    void relationshipsAreChecked() {
        assertThatThrownBy(() -> NettyTransportConfig.builder(0, ANY).build()).hasMessageContaining("memberId");
        assertThatThrownBy(() -> NettyTransportConfig.builder(1, ANY).frameBytesMax(64 << 10).snapshotChunkBytes(64 << 10)
                .peerQueueBytesMax(1 << 20).build()).hasMessageContaining("snapshotChunkBytes");
        assertThatThrownBy(() -> NettyTransportConfig.builder(1, ANY).reconnectBackoffMillis(100, 50).build())
                .hasMessageContaining("reconnectBackoffMaxMillis");
        assertThatThrownBy(() -> NettyTransportConfig.builder(1, ANY).peerQueueBytesMax(1 << 20).build())
                .hasMessageContaining("peerQueueBytesMax");
        assertThatThrownBy(() -> NettyTransportConfig.builder(1, ANY).frameBytesMax(100).build())
                .hasMessageContaining("frameBytesMax");
        assertThatThrownBy(() -> NettyTransportConfig.builder(1, ANY).snapshotReceivePendingBytesMax(10).build())
                .hasMessageContaining("snapshotReceivePendingBytesMax");
        assertThatThrownBy(() -> NettyTransportConfig.builder(1, ANY).cluster("").build())
                .hasMessageContaining("cluster");
    }

    @Test
    void aPortInUseIsReportedClearly() throws Exception {
        try (NettyTransport first = new NettyTransport(NettyTransportConfig.builder(1, ANY).ioThreads(1).build())) {
            first.start(new RecordingInbound());
            try (NettyTransport second = new NettyTransport(
                    NettyTransportConfig.builder(2, first.localAddress()).ioThreads(1).bindRetryMillis(300).build())) {
                assertThatThrownBy(() -> second.start(new RecordingInbound())).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("cannot listen on");
            }
        }
    }

    /**
     * Regression (robustness row 20): a member restarted at once after {@code kill -9} found its peer port held
     * for a moment and exited. It now keeps trying to listen for {@code bindRetryMillis}.
     */
    @Test
    void aPortHeldForAMomentIsListenedOnOnceFree() throws Exception {
        java.net.ServerSocket holder = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        InetSocketAddress address = (InetSocketAddress) holder.getLocalSocketAddress();
        Thread release = new Thread(() -> {
            try {
                Thread.sleep(600);
                holder.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        release.start();
        try (NettyTransport t = new NettyTransport(NettyTransportConfig.builder(1, address).ioThreads(1)
                .bindRetryMillis(10_000).build())) {
            t.start(new RecordingInbound());
            org.assertj.core.api.Assertions.assertThat(t.localAddress()).isEqualTo(address);
        } finally {
            release.join();
        }
    }
}
