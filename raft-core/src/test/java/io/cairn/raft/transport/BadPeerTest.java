package io.cairn.raft.transport;

import static io.cairn.raft.transport.Members.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.transport.Members.Member;
import io.cairn.raft.transport.proto.PbFrame;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's proof for the transport: raw sockets send random bytes, oversized frames, garbage after a valid
 * Hello, an impersonating batch and plain silence to a member's peer port, while that member and another
 * keep exchanging messages. Every attacking connection is closed by the victim and counted as a bad peer; the
 * real link is never dropped and messages keep flowing both ways throughout.
 */
class BadPeerTest {
    private static final int FRAME_MAX = 256 << 10;
    private static final long HELLO_TIMEOUT_MILLIS = 300;
    private static final int ATTACK_ROUNDS = 3;
    private static final AtomicLong ATTACKER_IDS = new AtomicLong(100);

    @TempDir
    Path dir;

    private Members members;
    private final ExecutorService attackers = Executors.newFixedThreadPool(3);

    @BeforeEach
    void setUp() {
        members = new Members(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        attackers.shutdownNow();
        attackers.awaitTermination(10, TimeUnit.SECONDS);
        members.close();
    }

    /** One way to misbehave: writes to a connected socket. */
    private interface Attack {
        void write(OutputStream out) throws IOException;
    }

    private static byte[] frame(PbFrame f) throws IOException {
        byte[] body = f.toByteArray();
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(body.length);
        d.write(body);
        return b.toByteArray();
    }

    /** A valid Hello, each from a member id of its own (so no attacker replaces another's connection). */
    private static byte[] hello() throws IOException {
        return frame(WireCodec.hello(ATTACKER_IDS.incrementAndGet(), 2, "test"));
    }

    private static List<Attack> attacks(long seed) {
        Random random = new Random(seed);
        List<Attack> list = new ArrayList<>();
        list.add(out -> { // random bytes
            byte[] junk = new byte[64 << 10];
            random.nextBytes(junk);
            out.write(junk);
        });
        list.add(out -> new DataOutputStream(out).writeInt(Integer.MAX_VALUE)); // oversized before Hello
        list.add(out -> { // oversized after a valid Hello
            out.write(hello());
            new DataOutputStream(out).writeInt(FRAME_MAX + 1);
            out.write(new byte[8 << 10]);
        });
        list.add(out -> { // a frame of the right length that does not parse
            out.write(hello());
            byte[] junk = new byte[1000];
            random.nextBytes(junk);
            junk[0] = (byte) 0xFF;
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(junk.length);
            d.write(junk);
        });
        list.add(out -> { // a batch that claims to come from the real peer
            out.write(hello());
            out.write(frame(WireCodec.batch(1, List.of(WireCodec.toPb(Samples.numbered(1, 2, 666))))));
        });
        list.add(out -> { }); // connects and says nothing
        return list;
    }

    /** Runs an attack on a fresh connection and reports whether the victim closed it. */
    private static boolean closedByVictim(InetSocketAddress victim, Attack attack) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(victim, 5000);
            s.setSoTimeout((int) Members.PATIENCE.toMillis());
            try {
                attack.write(s.getOutputStream());
                s.getOutputStream().flush();
                InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // the victim writes nothing on an inbound connection; drain whatever it is until closed
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset while we were writing: closed as well
            }
        }
    }

    @Test
    void garbageAndOversizedFramesDisconnectTheSenderWhileTheGroupKeepsTalking() throws Exception {
        Member a = members.start(1, 0, c -> c.frameBytesMax(FRAME_MAX).helloTimeoutMillis(HELLO_TIMEOUT_MILLIS));
        Member victim = members.start(2, 0, c -> c.frameBytesMax(FRAME_MAX).helloTimeoutMillis(HELLO_TIMEOUT_MILLIS));
        Members.mesh(a, victim);

        List<Future<Boolean>> outcomes = new ArrayList<>();
        int attackCount = 0;
        for (int round = 0; round < ATTACK_ROUNDS; round++) {
            for (Attack attack : attacks(round)) {
                outcomes.add(attackers.submit(() -> closedByVictim(victim.address(), attack)));
                attackCount++;
            }
        }

        // the real members talk both ways, one round trip at a time, until every attack is over
        int exchanged = 0;
        while (exchanged < 20 || !outcomes.stream().allMatch(Future::isDone)) {
            int seq = exchanged;
            a.transport().send(1, Samples.numbered(1, 2, seq));
            victim.transport().send(1, Samples.numbered(2, 1, seq));
            eventually().until(() -> victim.inbound().countFrom(1) == seq + 1 && a.inbound().countFrom(2) == seq + 1);
            exchanged++;
        }

        for (Future<Boolean> f : outcomes) {
            assertThat(f.get()).as("the victim closed the attacking connection").isTrue();
        }
        TransportStats s = victim.transport().stats();
        assertThat(s.badPeers()).isEqualTo(attackCount);
        int rounds = exchanged;
        assertThat(victim.inbound().messages).as("nothing forged was delivered")
                .allSatisfy(r -> assertThat(r.message().commit()).isLessThan(rounds));
        assertThat(a.transport().stats().reconnects()).as("the real link never dropped").isZero();
        assertThat(victim.transport().stats().reconnects()).isZero();
        eventually().until(() -> victim.transport().inboundConnections() == 1);

        // and a newcomer is still served
        Member c = members.start(3);
        Members.mesh(a, victim, c);
        c.transport().send(1, Samples.numbered(3, 2, 0));
        eventually().until(() -> victim.inbound().countFrom(3) == 1);
    }

    @Test
    void inboundConnectionsAreCapped() throws Exception {
        Member victim = members.start(2, 0, c -> c.inboundConnectionsMax(2).helloTimeoutMillis(10_000));
        try (Socket first = new Socket(); Socket second = new Socket(); Socket third = new Socket()) {
            first.connect(victim.address(), 5000);
            second.connect(victim.address(), 5000);
            eventually().until(() -> victim.transport().inboundConnections() == 2);
            third.connect(victim.address(), 5000);
            third.setSoTimeout((int) Members.PATIENCE.toMillis());
            assertThat(third.getInputStream().read()).as("the third is closed at once").isEqualTo(-1);
            assertThat(victim.transport().inboundConnections()).isEqualTo(2);
        }
        eventually().until(() -> victim.transport().inboundConnections() == 0);
    }
}
