package io.cairn.jepsen.procs;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.member.MemberClient;
import io.cairn.raft.member.proto.MemberStatus;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While three member processes serve, other connections to their peer ports send random bytes, oversized
 * frames and frames without a Hello. Each such peer is disconnected; the group keeps committing throughout.
 */
class PeerGarbageTest {
    @TempDir
    Path dir;

    @Test
    void garbageOnPeerPortsDoesNotStopTheGroup() throws Exception {
        try (MemberProcesses procs = new MemberProcesses(dir, 3, List.of("-Xmx256m"));
                MemberClient client = new MemberClient(procs.clientAddresses(), 1)) {
            procs.startAll("--tick-ms", "20");
            awaitFirstCommit(client);
            long before = commitFor(client, 1_000, "before");
            assertThat(before).as("proposals committed before the attack").isPositive();

            Thread attacker = new Thread(() -> attack(procs));
            attacker.start();
            long during = commitFor(client, 3_000, "during");
            attacker.join(30_000);

            long after = commitFor(client, 1_000, "after");
            assertThat(during).as("proposals committed during the attack").isPositive();
            assertThat(after).as("proposals committed after the attack").isPositive();
            for (long id : procs.ids()) {
                assertThat(procs.alive(id)).as("member %d still running", id).isTrue();
            }
        }
    }

    /** Sends each member's peer port random bytes, a huge frame length, and a frame without a Hello. */
    private static void attack(MemberProcesses procs) {
        Random random = new Random(42);
        for (int round = 0; round < 10; round++) {
            for (long id : procs.ids()) {
                for (int kind = 0; kind < 3; kind++) {
                    try (Socket s = new Socket()) {
                        s.connect(procs.peerAddress(id), 1_000);
                        OutputStream out = s.getOutputStream();
                        byte[] bytes = switch (kind) {
                            case 0 -> randomBytes(random, 4096);
                            case 1 -> ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(0).array();
                            default -> ByteBuffer.allocate(20).putInt(16).put(randomBytes(random, 16)).array();
                        };
                        out.write(bytes);
                        out.flush();
                        s.setSoTimeout(2_000);
                        s.getInputStream().read(); // the member closes the connection (or we time out)
                    } catch (Exception e) {
                        // refused, reset or closed: all fine, the member threw us out
                    }
                }
            }
        }
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static long commitFor(MemberClient client, long millis, String phase) throws Exception {
        AtomicLong acked = new AtomicLong();
        long end = System.nanoTime() + millis * 1_000_000L;
        int i = 0;
        while (System.nanoTime() < end) {
            var outcome = client.put(phase + "-" + i++, new byte[] {7}, 5_000).get(10, TimeUnit.SECONDS);
            if (outcome.status() == MemberStatus.OK) {
                acked.incrementAndGet();
            }
        }
        return acked.get();
    }

    /** Waits (up to 90 s) until the members, just started, commit a first put: three JVMs start slowly on a loaded machine. */
    static void awaitFirstCommit(MemberClient client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (client.put("ready", new byte[] {1}, 5_000).get(10, TimeUnit.SECONDS).status() != MemberStatus.OK) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the members committed nothing in 90 s after starting");
            }
            Thread.sleep(100);
        }
    }
}
