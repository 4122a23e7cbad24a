package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import io.cairn.kv.proto.mvcc.Event;
import io.cairn.kv.proto.mvcc.KeyValue;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The writes of one command: every change it makes carries revision {@code beginRevision + 1}, and the revision
 * moves only if something changed (etcd's {@code storeTxnWrite}).
 *
 * <p>A put writes the key's new version's metadata to {@code current} ({@link KvMeta}, no value), the version
 * with its value to {@code history} at the new revision ({@link HistoryRecord}), and a PUT event to
 * {@code revlog}; a delete removes the key from {@code current}, writes a tombstone to {@code history}
 * and a DELETE event (key and mod_revision only, as etcd's watchers see it). Events of one revision are numbered
 * in order ({@code sub}).
 *
 * <p>Invariant: {@link #revision()} is {@code beginRevision} until the first change, {@code beginRevision + 1}
 * after. Apply thread only.
 */
final class WriteTxn {
    private final Columns columns;
    private final WriteBatchWithIndex batch;
    private final Scanner scanner;
    final long beginRevision;
    private int changes;
    private long bytesWritten;

    WriteTxn(Columns columns, WriteBatchWithIndex batch, Scanner scanner, long beginRevision) {
        this.columns = columns;
        this.batch = batch;
        this.scanner = scanner;
        this.beginRevision = beginRevision;
    }

    /** The revision a read inside this command sees as current. */
    long revision() {
        return changes > 0 ? beginRevision + 1 : beginRevision;
    }

    boolean changed() {
        return changes > 0;
    }

    /** Bytes of keys and values this command put into the batch. */
    long bytesWritten() {
        return bytesWritten;
    }

    /** Writes {@code key}'s next version (its previous one is {@code prev}, null if absent); returns the revision. */
    long put(byte[] key, KvMeta prev, byte[] value, long lease) {
        long rev = beginRevision + 1;
        KvMeta next = prev == null
                ? KvMeta.created(rev, lease, value.length)
                : prev.next(rev, lease, value.length);
        write(columns.current, key, next.encode());
        write(columns.history, Keys.historyKey(key, rev), HistoryRecord.live(next, value));
        event(Event.newBuilder().setType(Event.EventType.PUT).setKv(next.toKeyValue(key, value)).build());
        long oldLease = prev == null ? 0 : prev.lease();
        if (oldLease != lease) {
            if (oldLease != 0) {
                remove(columns.meta, Keys.leaseAttachmentKey(oldLease, key));
            }
            if (lease != 0) {
                write(columns.meta, Keys.leaseAttachmentKey(lease, key), new byte[0]);
            }
        }
        return rev;
    }

    /** Deletes the live key {@code key}, attached to {@code lease} (0: none). */
    void delete(byte[] key, long lease) {
        long rev = beginRevision + 1;
        remove(columns.current, key);
        if (lease != 0) {
            remove(columns.meta, Keys.leaseAttachmentKey(lease, key));
        }
        write(columns.history, Keys.historyKey(key, rev), HistoryRecord.tombstone(rev));
        KeyValue kv = KeyValue.newBuilder().setKey(ByteStrings.wrap(key)).setModRevision(rev).build();
        event(Event.newBuilder().setType(Event.EventType.DELETE).setKv(kv).build());
    }

    /** Records lease {@code id} with its TTL (no revision: a lease is not a key). */
    void grantLease(long id, long ttlSeconds) {
        write(columns.meta, Keys.leaseKey(id), Keys.longBytes(ttlSeconds));
    }

    /** Removes lease {@code id}'s record; its keys must have been deleted first. */
    void removeLease(long id) {
        remove(columns.meta, Keys.leaseKey(id));
    }

    /** Raises alarm {@code type} of member {@code memberId} (no revision: an alarm is not a key). */
    void raiseAlarm(long memberId, int type) {
        write(columns.meta, Keys.alarmKey(memberId, type), new byte[0]);
    }

    /** Disarms alarm {@code type} of member {@code memberId}. */
    void disarmAlarm(long memberId, int type) {
        remove(columns.meta, Keys.alarmKey(memberId, type));
    }

    /** Writes member {@code id}'s record (no revision: membership is not a key). */
    void putMember(long id, byte[] record) {
        write(columns.meta, Keys.memberKey(id), record);
    }

    /** Removes member {@code id}'s record and marks its ID removed for good. */
    void removeMember(long id) {
        remove(columns.meta, Keys.memberKey(id));
        write(columns.meta, Keys.memberRemovedKey(id), new byte[0]);
    }

    /** Writes an auth record of the meta column family (no revision: auth is not a key). */
    void putAuth(byte[] metaKey, byte[] value) {
        write(columns.meta, metaKey, value);
    }

    /** Removes an auth record of the meta column family. */
    void removeAuth(byte[] metaKey) {
        remove(columns.meta, metaKey);
    }

    private void remove(ColumnFamilyHandle cf, byte[] key) {
        try {
            batch.delete(cf, key);
        } catch (RocksDBException e) {
            throw new StorageException("batch delete failed", e);
        }
        bytesWritten += key.length;
    }

    private void event(Event e) {
        write(columns.revlog, Keys.revlogKey(beginRevision + 1, changes), e.toByteArray());
        changes++;
        Invariants.check(changes > 0, "event count overflow in revision %s", beginRevision + 1);
    }

    private void write(ColumnFamilyHandle cf, byte[] key, byte[] value) {
        try {
            batch.put(cf, key, value);
        } catch (RocksDBException e) {
            throw new StorageException("batch put failed", e);
        }
        bytesWritten += key.length + value.length;
    }

    Scanner scanner() {
        return scanner;
    }
}
