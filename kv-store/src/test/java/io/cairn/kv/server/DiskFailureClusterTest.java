package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.raft.log.FileIOs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fatal-error policy on real processes (decision 0016, issue 12): three {@code cairn kv} members, each started
 * with the disk-fault hook ({@code -Dcairn.fault.disk}); while clients write through every member, the leader's
 * fsyncs start failing. The leader must exit non-zero naming the cause and the file, another member must lead and
 * serve writes within a few election timeouts, and every write acknowledged (before or after the failure) must be
 * there. Restarted on a working disk, the failed member catches up.
 */
class DiskFailureClusterTest {
    private static final Pattern LISTENING = Pattern.compile("member (-?\\d+) listening on");
    private static final Pattern SEES_LEADER = Pattern.compile("sees leader (-?\\d+) in term (\\d+)");

    @TempDir
    Path dir;
    private KvProcesses cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Path control(int i) {
        return dir.resolve("kv" + i + ".disk-fault");
    }

    private void start(int i) throws Exception {
        cluster.start(i, List.of("-D" + FileIOs.DISK_FAULT_PROPERTY + "=" + control(i),
                // who leads, from the members' own logs (etcd's Status service comes with kv-store III)
                "-Dorg.slf4j.simpleLogger.log.io.cairn.raft.server.GroupRuntime=info",
                "-Dorg.slf4j.simpleLogger.log.io.cairn.raft.server.RaftServer=info"), cluster.flags(i));
    }

    private KvClient kv(int member) {
        return new KvClient(cluster.channel(member), Duration.ofSeconds(5));
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                .build();
    }

    /** The member the processes' logs last agree leads (the highest term any of them saw a leader in). */
    private int leaderFromLogs() throws Exception {
        Map<Long, Integer> byId = new TreeMap<>();
        long bestTerm = -1;
        long leaderId = -1;
        for (int i = 1; i <= 3; i++) {
            String log = cluster.log(i);
            Matcher m = LISTENING.matcher(log);
            if (m.find()) {
                byId.put(Long.parseLong(m.group(1)), i);
            }
            Matcher l = SEES_LEADER.matcher(log);
            while (l.find()) {
                long term = Long.parseLong(l.group(2));
                if (term > bestTerm) {
                    bestTerm = term;
                    leaderId = Long.parseLong(l.group(1));
                }
            }
        }
        Integer member = byId.get(leaderId);
        return member == null ? -1 : member;
    }

    @Test
    void whenTheLeadersFsyncFailsItExitsAndTheOthersServeEveryAcknowledgedWrite() throws Exception {
        cluster = new KvProcesses(dir.resolve("cluster"), 3);
        for (int i = 1; i <= 3; i++) {
            start(i);
        }
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.isEmpty()) {
            try {
                kv(1).put(put("first", "1")).get(6, TimeUnit.SECONDS);
                acknowledged.put("first", "1");
            } catch (Exception e) {
                assertThat(System.nanoTime()).as("a first write: " + e).isLessThan(deadline);
                Thread.sleep(200);
            }
        }
        int leader = leaderFromLogs();
        assertThat(leader).as("the leader, from the members' logs").isBetween(1, 3);

        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            for (int n = 0; writing.get() && n < 100_000; n++) {
                String key = "k" + n;
                try {
                    kv(1 + n % 3).put(put(key, "v" + n)).get(6, TimeUnit.SECONDS);
                    acknowledged.put(key, "v" + n);
                } catch (Exception e) {
                    // refused, or of unknown outcome: may or may not be there
                }
            }
        }, "writer");
        writer.start();
        Thread.sleep(1_000);
        Files.writeString(control(leader), "fail-syncs");
        long failedAt = System.nanoTime();

        Process failed = cluster.process(leader);
        assertThat(failed.waitFor(20, TimeUnit.SECONDS)).as("the leader stops itself").isTrue();
        assertThat(failed.exitValue()).isEqualTo(70);
        String log = cluster.log(leader);
        assertThat(log).contains("cairn kv: fatal:").contains("fsync of").contains("EIO");

        int other = leader % 3 + 1;
        String afterKey = null;
        while (afterKey == null) {
            try {
                kv(other).put(put("after-failure", "yes")).get(6, TimeUnit.SECONDS);
                afterKey = "after-failure";
                acknowledged.put(afterKey, "yes");
            } catch (Exception e) {
                assertThat(System.nanoTime() - failedAt).as("a new leader serves writes: " + e)
                        .isLessThan(TimeUnit.SECONDS.toNanos(30));
                Thread.sleep(100);
            }
        }
        long recoveredMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt);
        System.out.printf("writes served again %d ms after the leader's fsyncs began to fail%n", recoveredMillis);
        Thread.sleep(1_000);
        writing.set(false);
        writer.join(30_000);

        for (int m = 1; m <= 3; m++) {
            if (m == leader) {
                continue;
            }
            Map<String, String> held = new TreeMap<>();
            kv(m).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("\0"))
                    .setRangeEnd(ByteString.copyFromUtf8("\0")).build()).get(10, TimeUnit.SECONDS).getKvsList()
                    .forEach(kv -> held.put(kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8()));
            assertThat(held).as("member %d holds every acknowledged write (%d of them; writes again after %d ms)", m,
                    acknowledged.size(), recoveredMillis).containsAllEntriesOf(acknowledged);
        }

        Files.delete(control(leader)); // a working disk again
        start(leader);
        long catchUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                long count = kv(leader).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("after-failure"))
                        .setSerializable(true).build()).get(6, TimeUnit.SECONDS).getKvsCount();
                if (count == 1) {
                    break;
                }
            } catch (Exception e) {
                // still starting
            }
            assertThat(System.nanoTime()).as("the restarted member catches up").isLessThan(catchUp);
            Thread.sleep(200);
        }
    }
}
