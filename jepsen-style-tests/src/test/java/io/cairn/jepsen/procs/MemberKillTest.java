package io.cairn.jepsen.procs;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.member.MemberClient;
import io.cairn.raft.member.proto.MemberResponse;
import io.cairn.raft.member.proto.MemberStatus;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code cairn raft member} processes on loopback, with the fault mode that keeps unsynced bytes in memory
 * (so {@code kill -9} loses them, as a power cut would). Clients propose continuously while the leader is killed
 * with {@code kill -9} and restarted, several times. At the end every acknowledged proposal is in every
 * member's applied state, and the members' states are identical.
 */
class MemberKillTest {
    private static final int KILLS = 4;

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void acknowledgedProposalsSurviveRepeatedKillsOfTheLeader() throws Exception {
        try (MemberProcesses procs = new MemberProcesses(dir, 3,
                List.of("-Xmx256m", "-Dcairn.fault.lose-unsynced=true"));
                MemberClient client = new MemberClient(procs.clientAddresses(), 2)) {
            String[] args = {"--tick-ms", "20", "--snapshot-entries", "500"};
            procs.startAll(args);
            PeerGarbageTest.awaitFirstCommit(client);
            Set<String> acked = ConcurrentHashMap.newKeySet();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong keys = new AtomicLong();
            List<CompletableFuture<Void>> writers = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                writers.add(done);
                write(client, keys, acked, running, done);
            }
            for (int k = 0; k < KILLS; k++) {
                Thread.sleep(1_500);
                long leader = leaderOf(client, procs);
                procs.kill(leader);
                Thread.sleep(800);
                procs.start(leader, args);
            }
            Thread.sleep(1_500);
            running.set(false);
            CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(acked.size()).as("proposals acknowledged during the kills").isGreaterThan(100);

            List<MemberResponse> digests = converged(client, procs);
            assertThat(digests).extracting(MemberResponse::getValue).as("identical states").containsOnly(
                    digests.get(0).getValue());
            for (long id : procs.ids()) {
                for (String key : acked) {
                    MemberResponse r = client.localGet(procs.clientAddress(id), key).get(10, TimeUnit.SECONDS);
                    assertThat(r.getFound()).as("member %d holds acknowledged key %s", id, key).isTrue();
                }
            }
        }
    }

    private static void write(MemberClient client, AtomicLong keys, Set<String> acked, AtomicBoolean running,
            CompletableFuture<Void> done) {
        if (!running.get()) {
            done.complete(null);
            return;
        }
        String key = "k" + keys.incrementAndGet();
        client.put(key, new byte[] {1, 2, 3}, 5_000).whenComplete((outcome, error) -> {
            if (error == null && outcome.status() == MemberStatus.OK) {
                acked.add(key);
            }
            write(client, keys, acked, running, done);
        });
    }

    /** The member that the others name as leader. */
    private static long leaderOf(MemberClient client, MemberProcesses procs) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (long id : procs.ids()) {
                try {
                    MemberResponse r = client.digest(procs.clientAddress(id)).get(2, TimeUnit.SECONDS);
                    if (r.getLeaderId() != 0) {
                        return r.getLeaderId();
                    }
                } catch (Exception e) {
                    // that member is down or slow: ask another
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader within 30 s");
    }

    /** Waits until every member has applied the same index, then returns their digests. */
    private static List<MemberResponse> converged(MemberClient client, MemberProcesses procs) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        List<MemberResponse> last = List.of();
        while (System.nanoTime() < deadline) {
            List<MemberResponse> now = new ArrayList<>();
            for (long id : procs.ids()) {
                InetSocketAddress a = procs.clientAddress(id);
                try {
                    now.add(client.digest(a).get(5, TimeUnit.SECONDS));
                } catch (Exception e) {
                    now.clear(); // a restarted member is still starting: ask again
                    break;
                }
            }
            if (now.isEmpty()) {
                Thread.sleep(200);
                continue;
            }
            boolean same = now.stream().map(MemberResponse::getAppliedIndex).distinct().count() == 1
                    && now.stream().map(MemberResponse::getValue).distinct().count() == 1;
            if (same) {
                return now;
            }
            last = now;
            Thread.sleep(200);
        }
        throw new AssertionError("members did not converge: " + last);
    }
}
