package io.cairn.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watcher on a member that falls so far behind that it catches up by installing a snapshot of the leader's store:
 * the watcher goes on from the new store's revision log without a gap when that log still holds its next revision,
 * and ends with {@code compact_revision} when the leader compacted past it. Never a silent skip.
 */
class WatchAcrossSnapshotInstallTest {
    private static final InetSocketAddress NOWHERE = new InetSocketAddress("127.0.0.1", 1);

    @TempDir
    Path dir;

    private static void cutOff(KvCluster c, long id, boolean cut) {
        for (Map.Entry<Long, KvStore> e : c.members().entrySet()) {
            if (e.getKey() != id) {
                e.getValue().setPeer(id, cut ? NOWHERE : c.peerAddress(id));
                c.member(id).setPeer(e.getKey(), cut ? NOWHERE : c.peerAddress(e.getKey()));
            }
        }
    }

    private static double installs(KvStore member) {
        var counter = member.metrics().find("cairn.raft.events").tag("event", "snapshot-installed").counter();
        return counter == null ? 0 : counter.count();
    }

    /** Writes enough for the others to snapshot and drop their log past what the cut-off member has. */
    private static void writeThroughSnapshots(KvStore via, String prefix) throws Exception {
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 30; i++) {
                via.blocking().put(prefix + round + "/" + i, "v");
            }
            Thread.sleep(1_300); // the store's flush: the log may then be compacted below the snapshot
        }
    }

    @Test
    void aWatcherContinuesAfterItsMemberInstallsASnapshotOrEndsWithTheCompactRevision() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 20)) {
            long leader = c.awaitLeader();
            long follower = leader == 3 ? 2 : 3;
            KvStore f = c.member(follower);
            long first = c.member(leader).blocking().put("k/start", "0").getHeader().getRevision();
            WatchTest.Recorder watcher = new WatchTest.Recorder(Long.MAX_VALUE);
            f.watch(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("k/"))
                    .setRangeEnd(ByteString.copyFromUtf8("k0")).setStartRevision(first).build()).subscribe(watcher);
            assertThat(watcher.awaitEvents(1)).isNotEmpty();

            cutOff(c, follower, true);
            writeThroughSnapshots(c.member(leader), "k/a");
            double before = installs(f);
            cutOff(c, follower, false);
            await().atMost(Duration.ofSeconds(30)).until(() -> installs(f) > before);
            List<Event> events = new ArrayList<>();
            for (WatchResponse r : watcher.awaitEvents(60)) {
                events.addAll(r.getEventsList());
            }
            List<Long> revisions = events.stream().map(e -> e.getKv().getModRevision()).toList();
            assertThat(revisions).as("every revision after the first, without a gap")
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(first + 1, first + 60)
                            .boxed().toList());

            cutOff(c, follower, true);
            writeThroughSnapshots(c.member(leader), "k/b");
            long compactAt = c.member(leader).revision();
            c.member(leader).blocking().compact(CompactionRequest.newBuilder().setRevision(compactAt).build());
            writeThroughSnapshots(c.member(leader), "other/");
            double again = installs(f);
            cutOff(c, follower, false);
            await().atMost(Duration.ofSeconds(30)).until(() -> installs(f) > again);
            WatchResponse end = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (end == null && System.nanoTime() < deadline) {
                WatchResponse r = watcher.responses.poll(1, TimeUnit.SECONDS);
                if (r != null && r.getCanceled()) {
                    end = r;
                } else if (r != null) {
                    assertThat(r.getEventsList()).as("no event of the compacted revisions").isEmpty();
                }
            }
            assertThat(end).as("the watcher was ended").isNotNull();
            assertThat(end.getCompactRevision()).isEqualTo(compactAt);
        }
    }
}
