package io.cairn.kv.mvcc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.raft.core.Invariants;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The membership records in the meta column family (decision 0023): {@code member/<id>} holds a member's etcd
 * {@link Member} message, {@code memberremoved/<id>} marks an ID that was removed. IDs are big-endian, so records
 * come in unsigned ID order, as etcd lists members.
 *
 * <p>Reads go through the view given (the apply thread's write batch, or a reader's snapshot); writes go into the
 * command's batch through {@link WriteTxn}. Each record is checked when read: its key and its ID agree. One thread,
 * as its view.
 */
final class MemberTable {
    private final KvSource source;
    private final Columns columns;

    MemberTable(KvSource source, Columns columns) {
        this.source = source;
        this.columns = columns;
    }

    /** Member {@code id}'s record, or null. */
    Member get(long id) {
        byte[] v = source.get(columns.meta, Keys.memberKey(id));
        return v == null ? null : decode(id, v);
    }

    boolean removed(long id) {
        return source.get(columns.meta, Keys.memberRemovedKey(id)) != null;
    }

    /** Every record and every removed ID. */
    MemberRecords all() {
        List<Member> members = new ArrayList<>();
        scan(Keys.META_MEMBER_PREFIX, (id, value) -> members.add(decode(id, value)));
        Set<Long> removed = new HashSet<>();
        scan(Keys.META_MEMBER_REMOVED_PREFIX, (id, value) -> removed.add(id));
        return new MemberRecords(members, removed);
    }

    /** Deletes every membership record and removal mark of the store into {@code batch} (a restore's new cluster). */
    static void clearInto(org.rocksdb.WriteBatchWithIndex batch, Columns columns) throws org.rocksdb.RocksDBException {
        columns.deletePrefixInto(batch, columns.meta, Keys.META_MEMBER_PREFIX);
        columns.deletePrefixInto(batch, columns.meta, Keys.META_MEMBER_REMOVED_PREFIX);
    }

    private void scan(byte[] prefix, java.util.function.BiConsumer<Long, byte[]> visitor) {
        source.forEachWithPrefix(columns.meta, prefix, (k, value) -> {
            Invariants.check(k.length == prefix.length + 8, "membership key of %s bytes", k.length);
            visitor.accept(Keys.getLong(k, prefix.length), value);
        });
    }

    private static Member decode(long id, byte[] value) {
        Member m;
        try {
            m = Member.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("the record of member " + Long.toHexString(id) + " does not parse", e);
        }
        Invariants.check(m.getID() == id, "record of member %s holds ID %s", Long.toHexString(id),
                Long.toHexString(m.getID()));
        return m;
    }
}
