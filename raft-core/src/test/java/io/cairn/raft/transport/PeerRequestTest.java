package io.cairn.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.raft.transport.Members.Member;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer requests on real transports on loopback: a question on a member's peer port gets its application's answer
 * (or its failure, a refusal, a timeout) and the connection closes; the member goes on exchanging Raft messages.
 */
class PeerRequestTest {
    @TempDir
    Path dir;

    private Members members;
    private PeerRequestClient client;

    @BeforeEach
    void setUp() {
        members = new Members(dir);
        client = new PeerRequestClient("test", null, 1 << 20);
    }

    @AfterEach
    void tearDown() {
        client.close();
        members.close();
    }

    private static PeerRequestHandler echoOrFail() {
        return (kind, body) -> switch (kind) {
            case "echo" -> CompletableFuture.completedFuture(("echo:" + new String(body, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8));
            case "never" -> new CompletableFuture<>();
            case "big" -> CompletableFuture.completedFuture(new byte[8192]);
            case "throw" -> throw new IllegalStateException("handler threw");
            default -> CompletableFuture.failedFuture(new IllegalArgumentException("no such question: " + kind));
        };
    }

    private byte[] ask(Member m, String kind, String body) throws Exception {
        return client.send(m.address(), kind, body.getBytes(StandardCharsets.UTF_8), 5_000).get(10, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<byte[]> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the request succeeded");
    }

    @Test
    void aQuestionGetsItsAnswerAndTheMemberKeepsExchangingMessages() throws Exception {
        Member a = members.start(1, 0, b -> b.peerRequests(echoOrFail()));
        Member b = members.start(2);
        Members.mesh(a, b);
        assertThat(new String(ask(a, "echo", "hello"), StandardCharsets.UTF_8)).isEqualTo("echo:hello");
        assertThat(new String(ask(a, "echo", "again"), StandardCharsets.UTF_8)).isEqualTo("echo:again");
        b.transport().send(1, Samples.numbered(2, 1, 7));
        Members.eventually().until(() -> a.inbound().messages.size() == 1);
        Members.eventually().until(() -> a.transport().inboundConnections() == 1); // the requests' connections closed
        assertThat(a.transport().stats().badPeers()).isZero();
    }

    @Test
    void failuresOfTheApplicationComeBackWithTheirText() {
        Member a = start(1, echoOrFail(), 5_000);
        assertThat(failure(client.send(a.address(), "what", new byte[0], 5_000)))
                .isInstanceOf(PeerRequestException.class).hasMessageContaining("no such question: what");
        assertThat(failure(client.send(a.address(), "throw", new byte[0], 5_000)))
                .isInstanceOf(PeerRequestException.class).hasMessageContaining("handler threw");
    }

    @Test
    void anAnswerThatTakesTooLongIsAnsweredTimedOut() {
        Member a = start(1, echoOrFail(), 200);
        assertThat(failure(client.send(a.address(), "never", new byte[0], 5_000)))
                .isInstanceOf(PeerRequestException.class).hasMessageContaining("timed out");
    }

    @Test
    void theCallerGivesUpAfterItsOwnTimeout() {
        Member a = start(1, echoOrFail(), 60_000);
        long started = System.nanoTime();
        assertThat(failure(client.send(a.address(), "never", new byte[0], 300)))
                .isInstanceOf(PeerRequestException.class).hasMessageContaining("no answer");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
    }

    @Test
    void anAnswerLargerThanTheCallerTakesFailsTheRequest() {
        Member a = start(1, echoOrFail(), 5_000);
        try (PeerRequestClient small = new PeerRequestClient("test", null, 4096)) {
            assertThat(failure(small.send(a.address(), "big", new byte[0], 5_000)))
                    .isInstanceOf(PeerRequestException.class);
        }
    }

    @Test
    void aMemberWithoutAHandlerOrOfAnotherClusterRefuses() {
        Member plain = start(1, null, 5_000);
        assertThat(failure(client.send(plain.address(), "echo", new byte[0], 5_000)))
                .hasMessageContaining("answers no peer requests");
        Member a = start(2, echoOrFail(), 5_000);
        try (PeerRequestClient other = new PeerRequestClient("other", null, 1 << 20)) {
            assertThat(failure(other.send(a.address(), "echo", new byte[0], 5_000)))
                    .hasMessageContaining("cluster 'other', we are 'test'");
        }
    }

    @Test
    void anUnreachableMemberFailsTheRequest() throws Exception {
        int port = LoopbackPorts.free();
        assertThat(failure(client.send(new InetSocketAddress("127.0.0.1", port), "echo", new byte[0], 2_000)))
                .isInstanceOf(PeerRequestException.class).hasMessageContaining("cannot reach");
    }

    @Test
    void aRequestOverTheHelloLimitIsNotSent() {
        Member a = start(1, echoOrFail(), 5_000);
        assertThat(failure(client.send(a.address(), "echo", new byte[NettyTransportConfig.HELLO_FRAME_BYTES_MAX],
                5_000))).hasMessageContaining("over the limit");
    }

    @Test
    void requestsTravelOverMutualTls() throws Exception {
        PeerTls tls = new PeerTls(file("member1.pem"), file("member1.key"), file("ca.pem"));
        Member a = members.start(1, 0, b -> b.tls(tls).peerRequests(echoOrFail()));
        try (PeerRequestClient secure = new PeerRequestClient("test", new PeerTls(file("member2.pem"),
                file("member2.key"), file("ca.pem")), 1 << 20)) {
            assertThat(new String(secure.send(a.address(), "echo", "x".getBytes(StandardCharsets.UTF_8), 5_000)
                    .get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8)).isEqualTo("echo:x");
        }
        assertThatThrownBy(() -> ask(a, "echo", "plain")).isInstanceOf(ExecutionException.class);
    }

    private static Path file(String name) throws URISyntaxException {
        return Path.of(PeerRequestTest.class.getResource("/tls/" + name).toURI());
    }

    private Member start(long id, PeerRequestHandler handler, long timeoutMillis) {
        try {
            return members.start(id, 0, b -> b.peerRequests(handler).peerRequestTimeoutMillis(timeoutMillis));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
