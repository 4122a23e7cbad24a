package io.cairn.kv;

import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import io.cairn.kv.watch.EventLog;
import com.google.protobuf.ByteString;

/**
 * The watch hub's view of a member's state: whichever {@link MvccStore} the state machine holds now (a snapshot
 * install swaps it), read under the state machine's read lock. Any thread.
 */
final class StoreEventLog implements EventLog {
    private final KvStateMachine stateMachine;

    StoreEventLog(KvStateMachine stateMachine) {
        this.stateMachine = stateMachine;
    }

    @Override
    public long revision() {
        return stateMachine.read(MvccStore::revision);
    }

    @Override
    public long compactedRevision() {
        return stateMachine.read(MvccStore::compactedRevision);
    }

    @Override
    public Batch events(long fromRevision, int eventsMax) {
        MvccStore.EventsRead r = stateMachine.read(s -> s.eventsRead(fromRevision, eventsMax));
        return new Batch(r.events(), r.revision());
    }

    @Override
    public KeyValue versionAt(byte[] key, long revision) {
        if (revision <= 0) {
            return null;
        }
        try {
            RangeResponse r = stateMachine.read(s -> s.range(RangeRequest.newBuilder()
                    .setKey(ByteString.copyFrom(key)).setRevision(revision).build()));
            return r.getKvsCount() == 0 ? null : r.getKvs(0);
        } catch (KvException e) {
            if (KvErrors.COMPACTED.equals(e.getMessage())) {
                return null; // history before the compaction point is gone; etcd sends no prev_kv then either
            }
            throw e;
        }
    }
}
