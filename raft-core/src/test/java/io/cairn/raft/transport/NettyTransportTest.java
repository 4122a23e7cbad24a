package io.cairn.raft.transport;

import static io.cairn.raft.transport.Members.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.transport.Members.Member;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real transports on loopback: delivery, coalescing, limits, reconnection and membership changes. */
class NettyTransportTest {
    @TempDir
    Path dir;

    private Members members;

    @BeforeEach
    void setUp() {
        members = new Members(dir);
    }

    @AfterEach
    void tearDown() {
        members.close();
    }

    /** Holds a peer's event loop, so that everything sent meanwhile waits for one flush. */
    private static CountDownLatch hold(NettyTransport t, long peerId) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch held = new CountDownLatch(1);
        t.peerLoop(peerId).execute(() -> {
            held.countDown();
            try {
                release.await(Members.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(held.await(Members.PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        return release;
    }

    @ParameterizedTest(name = "epoll preferred: {0}")
    @ValueSource(booleans = {true, false})
    void threeMembersExchangeMessagesBothWays(boolean preferEpoll) throws Exception {
        Member[] m = new Member[3];
        for (int i = 0; i < 3; i++) {
            m[i] = members.start(i + 1, 0, b -> b.preferEpoll(preferEpoll));
        }
        if (!preferEpoll) {
            assertThat(m[0].transport().usesEpoll()).isFalse();
        }
        Members.mesh(m);
        int perLink = 200;
        for (int seq = 0; seq < perLink; seq++) {
            for (Member from : m) {
                for (Member to : m) {
                    if (from != to) {
                        from.transport().send(from.id() * 10 + to.id(), Samples.numbered(from.id(), to.id(), seq));
                    }
                }
            }
        }
        for (Member to : m) {
            eventually().until(() -> to.inbound().messages.size() == 2 * perLink);
        }
        for (Member to : m) {
            for (Member from : m) {
                if (from == to) {
                    continue;
                }
                List<RecordingInbound.Received> got = to.inbound().messages.stream()
                        .filter(r -> r.message().from() == from.id()).toList();
                assertThat(got).hasSize(perLink);
                for (int seq = 0; seq < perLink; seq++) {
                    assertThat(got.get(seq).message()).as("in order").isEqualTo(Samples.numbered(from.id(), to.id(), seq));
                    assertThat(got.get(seq).groupId()).isEqualTo(from.id() * 10 + to.id());
                }
                assertThat(got).allSatisfy(r -> assertThat(r.thread()).startsWith("cairn-n" + to.id() + "-io"));
            }
            TransportStats s = to.transport().stats();
            assertThat(s.messagesSent()).isEqualTo(2 * perLink);
            assertThat(s.messagesReceived()).isEqualTo(2 * perLink);
            assertThat(s.messagesDropped()).isZero();
            assertThat(s.badPeers()).isZero();
            assertThat(s.connectionsOpened()).isEqualTo(2);
            assertThat(s.bytesSent()).isPositive();
            assertThat(s.bytesReceived()).isPositive();
            assertThat(to.transport().inboundConnections()).as("one inbound connection per peer").isEqualTo(2);
        }
    }

    @Test
    void everyMessageTypeArrivesWhole() throws Exception {
        Member a = members.start(1);
        Member b = members.start(2);
        Members.mesh(a, b);
        for (MessageType type : MessageType.values()) {
            a.transport().send(5, Samples.full(type, 1, 2));
        }
        eventually().until(() -> b.inbound().messages.size() == MessageType.values().length);
        for (MessageType type : MessageType.values()) {
            assertThat(b.inbound().messages.get(type.ordinal()).message()).isEqualTo(Samples.full(type, 1, 2));
        }
    }

    @Test
    void dialsFromItsOwnListenAddress() throws Exception {
        assumeThat(bindable("127.0.0.2") && bindable("127.0.0.3")).as("127.0.0.2/3 on loopback").isTrue();
        Member a = members.start(Members.defaults(1, "127.0.0.2", 0), b -> b, new RecordingInbound());
        Member b = members.start(Members.defaults(2, "127.0.0.3", 0), c -> c, new RecordingInbound());
        Members.mesh(a, b);
        eventually().until(() -> b.transport().inboundConnections() == 1 && a.transport().inboundConnections() == 1);
        assertThat(host(b.transport().inboundRemoteAddresses().get(0))).isEqualTo("127.0.0.2");
        assertThat(host(a.transport().inboundRemoteAddresses().get(0))).isEqualTo("127.0.0.3");
    }

    private static String host(SocketAddress a) {
        return ((InetSocketAddress) a).getAddress().getHostAddress();
    }

    private static boolean bindable(String ip) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            return s.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void sendsWhileTheLoopIsBusyGoOutInOneFlushWithOneFramePerGroup() throws Exception {
        Member a = members.start(1);
        Member b = members.start(2);
        Members.mesh(a, b);
        CountDownLatch release = hold(a.transport(), 2);
        TransportStats before = a.transport().stats();
        int count = 1000;
        for (int i = 0; i < count; i++) {
            a.transport().send(1 + i % 2, Samples.numbered(1, 2, i));
        }
        release.countDown();
        eventually().until(() -> b.inbound().messages.size() == count);
        TransportStats after = a.transport().stats();
        assertThat(after.flushes() - before.flushes()).as("flushes").isEqualTo(1);
        assertThat(after.framesSent() - before.framesSent()).as("frames: one per group").isEqualTo(2);
        assertThat(after.messagesSent() - before.messagesSent()).isEqualTo(count);
        assertThat(b.transport().stats().framesReceived()).as("Hello and two batches").isEqualTo(3);
    }

    @Test
    void aFlushSplitsFramesAtTheFrameLimitAndDropsAMessageThatCannotFit() throws Exception {
        int frameMax = 64 << 10;
        Member a = members.start(1, 0, c -> c.frameBytesMax(frameMax).peerQueueBytesMax(1 << 20)
                .snapshotChunkBytes(16 << 10));
        Member b = members.start(2, 0, c -> c.frameBytesMax(frameMax).snapshotChunkBytes(16 << 10));
        Members.mesh(a, b);
        CountDownLatch release = hold(a.transport(), 2);
        TransportStats before = a.transport().stats();
        for (int i = 0; i < 40; i++) {
            a.transport().send(1, Samples.append(1, 2, 1, 8 << 10)); // about 8 KiB each: 320 KiB in all
        }
        a.transport().send(1, Samples.append(1, 2, 1, frameMax)); // alone over the limit
        release.countDown();
        eventually().until(() -> b.inbound().messages.size() == 40);
        TransportStats after = a.transport().stats();
        assertThat(after.flushes() - before.flushes()).isEqualTo(1);
        assertThat(after.framesSent() - before.framesSent()).as("7 messages fit in a frame").isEqualTo(6);
        assertThat(after.messagesDroppedOversize()).isEqualTo(1);
        assertThat(b.transport().stats().badPeers()).isZero();
    }

    @Test
    void aFullQueueDropsAndCountsWhatDoesNotFit() throws Exception {
        Member a = members.start(1, 0, c -> c.peerQueueMessagesMax(100));
        Member b = members.start(2);
        Members.mesh(a, b);
        CountDownLatch release = hold(a.transport(), 2);
        for (int i = 0; i < 150; i++) {
            a.transport().send(1, Samples.numbered(1, 2, i));
        }
        assertThat(a.transport().queuedMessages(2)).isEqualTo(100);
        assertThat(a.transport().stats().messagesDroppedQueueFull()).isEqualTo(50);
        release.countDown();
        eventually().until(() -> b.inbound().messages.size() == 100);
        assertThat(b.inbound().messages.get(99).message().commit()).as("the first 100 went out").isEqualTo(99);
        assertThat(a.transport().queuedMessages(2)).isZero();
    }

    @Test
    void theQueueIsBoundedInBytesToo() throws Exception {
        int frameMax = 64 << 10;
        Member a = members.start(1, 0, c -> c.frameBytesMax(frameMax).peerQueueBytesMax(frameMax)
                .snapshotChunkBytes(16 << 10));
        Member b = members.start(2, 0, c -> c.frameBytesMax(frameMax).snapshotChunkBytes(16 << 10));
        Members.mesh(a, b);
        CountDownLatch release = hold(a.transport(), 2);
        Message tenKib = Samples.append(1, 2, 1, 10 << 10);
        for (int i = 0; i < 10; i++) {
            a.transport().send(1, tenKib);
        }
        assertThat(a.transport().queuedMessages(2)).as("64 KiB hold six of about 10 KiB").isEqualTo(6);
        assertThat(a.transport().stats().messagesDroppedQueueFull()).isEqualTo(4);
        release.countDown();
        eventually().until(() -> b.inbound().messages.size() == 6);
    }

    @Test
    void messagesToAPeerThatIsDownAreDroppedAndNothingQueues() throws Exception {
        Member a = members.start(1);
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            deadPort = s.getLocalPort();
        }
        a.transport().setPeer(2, new InetSocketAddress("127.0.0.1", deadPort));
        a.transport().send(1, Samples.numbered(1, 3, 0)); // not even a known peer
        for (int i = 0; i < 10_000; i++) {
            a.transport().send(1, Samples.numbered(1, 2, i));
            assertThat(a.transport().queuedMessages(2)).isZero();
        }
        assertThat(a.transport().isConnected(2)).isFalse();
        assertThat(a.transport().stats().messagesDroppedDisconnected()).isEqualTo(10_001);
        assertThat(a.transport().stats().messagesSent()).isZero();
    }

    @Test
    void aSlowPeerFillsItsOwnBoundedQueueNotTheHeap() throws Exception {
        CountDownLatch unblock = new CountDownLatch(1);
        RecordingInbound blocking = new RecordingInbound() {
            @Override
            public void onMessage(long groupId, Message m) {
                super.onMessage(groupId, m);
                try {
                    unblock.await(Members.PATIENCE.toMillis(), TimeUnit.MILLISECONDS); // the peer stops reading
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        int frameMax = 1 << 20;
        Member a = members.start(Members.defaults(1, 0), c -> c.frameBytesMax(frameMax).peerQueueBytesMax(2 << 20)
                .writeBufferBytes(64 << 10, 256 << 10), new RecordingInbound());
        Member b = members.start(Members.defaults(2, 0), c -> c, blocking);
        Members.mesh(a, b);
        try {
            Message big = Samples.append(1, 2, 1, 64 << 10);
            long offered = 0;
            while (a.transport().stats().messagesDroppedQueueFull() == 0 && offered < 5000) { // 5000 x 64 KiB: 320 MiB
                a.transport().send(1, big);
                offered++;
            }
            assertThat(a.transport().stats().messagesDroppedQueueFull()).as("drops once the peer stalls").isPositive();
            assertThat(a.transport().queuedMessages(2)).as("2 MiB of 64 KiB messages").isLessThanOrEqualTo(32);
        } finally {
            unblock.countDown();
        }
        long before = b.inbound().messages.size();
        a.transport().send(1, Samples.numbered(1, 2, 7));
        eventually().until(() -> b.inbound().messages.size() > before);
        assertThat(a.transport().isConnected(2)).as("a slow peer is not disconnected").isTrue();
    }

    @Test
    void reconnectsWhenThePeerRestartsOnTheSamePort() throws Exception {
        Member a = members.start(1);
        Member b = members.start(2);
        int port = b.address().getPort();
        Members.mesh(a, b);
        a.transport().send(1, Samples.numbered(1, 2, 1));
        eventually().until(() -> b.inbound().messages.size() == 1);

        b.transport().close();
        eventually().until(() -> !a.transport().isConnected(2));
        a.transport().send(1, Samples.numbered(1, 2, 2));
        assertThat(a.transport().stats().messagesDroppedDisconnected()).isEqualTo(1);

        Member b2 = members.start(2, port, c -> c);
        eventually().until(() -> a.transport().isConnected(2));
        a.transport().send(1, Samples.numbered(1, 2, 3));
        eventually().until(() -> b2.inbound().messages.size() == 1);
        assertThat(b2.inbound().messages.get(0).message().commit()).isEqualTo(3);
        assertThat(a.transport().stats().reconnects()).isEqualTo(1);
        assertThat(a.transport().stats().connectionsOpened()).isEqualTo(2);
    }

    @Test
    void peersCanBeRemovedAndMoved() throws Exception {
        Member a = members.start(1);
        Member b = members.start(2);
        Members.mesh(a, b);

        a.transport().removePeer(2);
        a.transport().send(1, Samples.numbered(1, 2, 1));
        assertThat(a.transport().isConnected(2)).isFalse();
        assertThat(a.transport().stats().messagesDroppedDisconnected()).isEqualTo(1);
        eventually().until(() -> b.transport().inboundConnections() == 0);

        a.transport().setPeer(2, b.address());
        eventually().until(() -> a.transport().isConnected(2));
        a.transport().send(1, Samples.numbered(1, 2, 2));
        eventually().until(() -> b.inbound().messages.size() == 1);

        Member elsewhere = members.start(2); // member 2 moved to another port
        a.transport().setPeer(2, elsewhere.address());
        eventually().until(() -> a.transport().isConnected(2) && elsewhere.transport().inboundConnections() == 1);
        a.transport().send(1, Samples.numbered(1, 2, 3));
        eventually().until(() -> elsewhere.inbound().messages.size() == 1);
        assertThat(b.inbound().messages).hasSize(1);
        eventually().until(() -> b.transport().inboundConnections() == 0);

        a.transport().setPeer(1, a.address()); // itself: ignored
        assertThat(a.transport().isConnected(1)).isFalse();
    }

    @Test
    void aMessageFromAnotherMemberIsRefusedBeforeItCanGetUsDisconnected() throws Exception {
        Member a = members.start(1);
        assertThatThrownBy(() -> a.transport().send(1, Samples.numbered(3, 2, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from another member");
        assertThatThrownBy(() -> a.transport().sendSnapshot(1, Samples.numbered(1, 2, 1), null, ok -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SNAPSHOT");
    }

    @Test
    void closeIsIdempotentAndStopsEverything() throws Exception {
        Member a = members.start(1);
        Member b = members.start(2);
        Members.mesh(a, b);
        a.transport().close();
        a.transport().close();
        a.transport().send(1, Samples.numbered(1, 2, 1));
        assertThat(a.transport().isConnected(2)).isFalse();
        eventually().until(() -> b.transport().inboundConnections() == 0 && !b.transport().isConnected(1));
    }
}
