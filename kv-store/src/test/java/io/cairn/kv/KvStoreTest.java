package io.cairn.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded KV store as a program uses it: a single member opened in one line, and three members in one
 * JVM (real logs, sockets and RocksDB) where any member serves any request.
 */
class KvStoreTest {
    @TempDir
    Path dir;

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /**
     * Leases live in the store: after a restart the lease is there with its keys, it lives its TTL from the restart
     * (nobody keeps it alive), and then it expires and takes its key with it.
     */
    @Test
    void aLeaseAndItsKeysComeBackAfterARestartAndThenExpire() throws Exception {
        long id;
        try (KvStore kv = KvStore.open(dir)) {
            id = kv.leaseGrant(io.cairn.kv.proto.etcd.LeaseGrantRequest.newBuilder().setTTL(3).build())
                    .get(10, java.util.concurrent.TimeUnit.SECONDS).getID();
            kv.blocking().put(io.cairn.kv.proto.etcd.PutRequest.newBuilder().setKey(bs("held")).setValue(bs("x"))
                    .setLease(id).build());
        }
        try (KvStore kv = KvStore.open(dir)) {
            var ttl = kv.leaseTimeToLive(io.cairn.kv.proto.etcd.LeaseTimeToLiveRequest.newBuilder().setID(id)
                    .setKeys(true).build()).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(ttl.getGrantedTTL()).isEqualTo(3);
            assertThat(ttl.getTTL()).isBetween(1L, 3L);
            assertThat(ttl.getKeysList()).containsExactly(bs("held"));
            assertThat(kv.blocking().get("held").orElseThrow().getLease()).isEqualTo(id);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(3 + 1 + 2))
                    .until(() -> kv.blocking().get("held").isEmpty());
            assertThat(kv.leaseLeases().get(10, java.util.concurrent.TimeUnit.SECONDS).getLeasesCount()).isZero();
        }
    }

    @Test
    void aSingleMemberStoreKeepsItsDataAcrossARestart() throws Exception {
        try (KvStore kv = KvStore.open(dir)) {
            assertThat(kv.revision()).isEqualTo(1);
            assertThat(kv.blocking().put("a", "1").getHeader().getRevision()).isEqualTo(2);
            assertThat(kv.blocking().put("a", "2").getHeader().getRevision()).isEqualTo(3);
            assertThat(kv.blocking().get("a").orElseThrow().getVersion()).isEqualTo(2);
            assertThat(kv.blocking().delete("a")).isEqualTo(1);
            assertThat(kv.blocking().put("b", "x").getHeader().getMemberId()).isEqualTo(1);
        }
        try (KvStore kv = KvStore.open(dir)) {
            assertThat(kv.blocking().get("a")).isEmpty();
            assertThat(kv.blocking().get("b").orElseThrow().getValue().toStringUtf8()).isEqualTo("x");
            assertThat(kv.revision()).isEqualTo(5);
            // a read at an old revision still sees the deleted key
            var old = kv.blocking().range(RangeRequest.newBuilder().setKey(bs("a")).setRevision(3).build());
            assertThat(old.getKvs(0).getValue().toStringUtf8()).isEqualTo("2");
        }
    }

    @Test
    void badInputGetsEtcdsErrorAndChangesNothing() throws Exception {
        try (KvStore kv = KvStore.open(dir)) {
            assertThatThrownBy(() -> kv.blocking().put("", "v")).isInstanceOf(KvException.class)
                    .hasMessage("etcdserver: key is not provided");
            TxnRequest duplicate = TxnRequest.newBuilder()
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("k"))))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs("k"))))
                    .build();
            assertThatThrownBy(() -> kv.blocking().txn(duplicate)).isInstanceOf(KvException.class)
                    .hasMessage("etcdserver: duplicate key given in txn request");
            assertThatThrownBy(() -> kv.blocking().range(RangeRequest.newBuilder().setKey(bs("k")).setRevision(99)
                    .build())).isInstanceOf(KvException.class)
                    .hasMessage("etcdserver: mvcc: required revision is a future revision")
                    .matches(e -> ((KvException) e).code() == KvException.Code.OUT_OF_RANGE);
            PutRequest huge = PutRequest.newBuilder().setKey(bs("big")).setValue(ByteString.copyFrom(new byte[2 << 20]))
                    .build();
            assertThatThrownBy(() -> kv.blocking().put(huge)).isInstanceOf(KvException.class)
                    .hasMessage("etcdserver: request is too large");
            assertThat(kv.revision()).isEqualTo(1);
        }
    }

    @Test
    void anyMemberServesWritesAndLinearizableReads() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 1_000)) {
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            long other = 6 - leader - follower;
            KvStore f = c.member(follower);
            var put = f.blocking().put("k", "from a follower");
            assertThat(put.getHeader().getMemberId()).isEqualTo(follower);
            assertThat(put.getHeader().getClusterId()).isEqualTo(42);
            assertThat(put.getHeader().getRaftTerm()).isPositive();
            // the write is acknowledged: a linearizable read through any other member sees it
            assertThat(c.member(other).blocking().get("k").orElseThrow().getValue().toStringUtf8())
                    .isEqualTo("from a follower");
            Compare absent = Compare.newBuilder().setKey(bs("lock")).setTarget(Compare.CompareTarget.CREATE)
                    .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0).build();
            TxnRequest grab = TxnRequest.newBuilder().addCompare(absent).addSuccess(RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(bs("lock")).setValue(bs("owner")))).build();
            TxnResponse first = c.member(other).blocking().txn(grab);
            TxnResponse second = c.member(leader).blocking().txn(grab);
            assertThat(first.getSucceeded()).isTrue();
            assertThat(second.getSucceeded()).isFalse();
        }
    }

    /**
     * A client whose write is in flight when the leader dies gets its result or an error, never a silent success
     * for something that was not committed: every write acknowledged through a follower is on the new leader.
     */
    @Test
    void writesInFlightWhenTheLeaderDiesAreAcknowledgedOnlyIfCommitted() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 1_000)) {
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            KvStore f = c.member(follower);
            f.blocking().put("warm", "up");
            List<CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                writes.add(f.put(PutRequest.newBuilder().setKey(bs("w" + i)).setValue(bs("v")).build()));
                if (i == 150) {
                    c.stop(leader);
                }
            }
            List<String> acknowledged = new ArrayList<>();
            for (int i = 0; i < writes.size(); i++) {
                try {
                    writes.get(i).get(20, TimeUnit.SECONDS);
                    acknowledged.add("w" + i);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(KvException.class);
                    assertThat(((KvException) e.getCause()).code()).isEqualTo(KvException.Code.UNAVAILABLE);
                }
            }
            // a client that retries its unknown writes gets through once a new leader is elected
            for (int i = 0; i < 20; i++) {
                for (int attempt = 0; ; attempt++) {
                    try {
                        f.blocking().put("after" + i, "v");
                        acknowledged.add("after" + i);
                        break;
                    } catch (KvException e) {
                        assertThat(e.code()).isEqualTo(KvException.Code.UNAVAILABLE);
                        assertThat(attempt).as("attempts of write %d", i).isLessThan(20);
                    }
                }
            }
            long next = c.awaitLeader();
            for (String k : acknowledged) {
                assertThat(c.member(next).blocking().get(k)).as(k).isPresent();
            }
        }
    }

    @Test
    void aNewMemberCatchesUpFromASnapshotOfTheStore() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 50)) {
            long leader = c.awaitLeader();
            for (int i = 0; i < 300; i++) {
                c.member(leader).blocking().put("k" + i, "v" + i);
            }
            Thread.sleep(1_500); // the store's flush, after which the log below the snapshot goes
            c.member(leader).blocking().put("after", "flush");
            KvStore fresh = c.addFresh(4);
            c.awaitCaughtUp(4);
            RangeRequest all = RangeRequest.newBuilder().setKey(bs("k")).setRangeEnd(bs("l")).setSerializable(true)
                    .setCountOnly(true).build();
            assertThat(fresh.blocking().range(all).getCount()).isEqualTo(300);
            assertThat(fresh.metrics().find("cairn.raft.events").tag("event", "snapshot-installed").counter().count())
                    .as("installed a snapshot").isPositive();
            assertThat(fresh.revision()).isEqualTo(c.member(leader).revision());
        }
    }

    /** A Txn without writes is served as a read (after a read index), not appended to the log as etcd would not. */
    @Test
    void aReadOnlyTxnIsAReadNotALogEntry() throws Exception {
        try (KvStore kv = KvStore.open(dir)) {
            kv.blocking().put("r", "1");
            io.cairn.kv.proto.etcd.TxnRequest readOnly = io.cairn.kv.proto.etcd.TxnRequest.newBuilder()
                    .addCompare(io.cairn.kv.proto.etcd.Compare.newBuilder().setKey(ByteString.copyFromUtf8("r"))
                            .setTarget(io.cairn.kv.proto.etcd.Compare.CompareTarget.VALUE)
                            .setValue(ByteString.copyFromUtf8("1")))
                    .addSuccess(io.cairn.kv.proto.etcd.RequestOp.newBuilder().setRequestRange(
                            io.cairn.kv.proto.etcd.RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("r"))))
                    .build();
            Thread.sleep(200); // the status the raft loop publishes settles
            long lastIndex = kv.status().commitIndex();
            io.cairn.kv.proto.etcd.TxnResponse r = kv.blocking().txn(readOnly);
            Thread.sleep(200);
            assertThat(r.getSucceeded()).isTrue();
            assertThat(r.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8()).isEqualTo("1");
            assertThat(r.getHeader().getRevision()).isEqualTo(kv.revision());
            assertThat(kv.status().commitIndex()).as("nothing appended").isEqualTo(lastIndex);
        }
    }

    /**
     * Honest outcomes at the etcd API (robustness row 33): a proposal that may still take effect (appended before
     * its member stopped, its leader changed, a forward whose answer was lost) is etcd's UNAVAILABLE "leader changed",
     * a lost entry the same, a stopped member "server stopped"; never INTERNAL, never a plain failure.
     */
    @Test
    void anOutcomeThatMayStillTakeEffectIsAnsweredAsEtcdDoes() {
        for (io.cairn.raft.server.RaftException.Reason reason : List.of(
                io.cairn.raft.server.RaftException.Reason.UNKNOWN_OUTCOME,
                io.cairn.raft.server.RaftException.Reason.LOST,
                io.cairn.raft.server.RaftException.Reason.TRANSFERRING)) {
            KvException e = KvStore.toKv(new java.util.concurrent.CompletionException(
                    new io.cairn.raft.server.RaftException(reason, "member 2 stopped itself", 0)));
            assertThat(e.code()).as("%s", reason).isEqualTo(KvException.Code.UNAVAILABLE);
            assertThat(e.getMessage()).as("%s", reason).isEqualTo("etcdserver: leader changed");
        }
        KvException closed = KvStore.toKv(new io.cairn.raft.server.RaftException(
                io.cairn.raft.server.RaftException.Reason.CLOSED, "group 1 is closed", 0));
        assertThat(closed.code()).isEqualTo(KvException.Code.UNAVAILABLE);
        assertThat(closed.getMessage()).isEqualTo("etcdserver: server stopped");
        KvException timeout = KvStore.toKv(new java.util.concurrent.TimeoutException());
        assertThat(timeout.getMessage()).isEqualTo("etcdserver: request timed out");
    }
}
