package io.cairn.kv.mvcc;

import io.cairn.kv.proto.etcd.AlarmMember;
import io.cairn.kv.proto.etcd.AlarmType;
import io.cairn.raft.core.Invariants;
import java.util.ArrayList;
import java.util.List;

/**
 * The raised alarms in the meta column family: {@code alarm/<member id><type>} (both big-endian, empty value) for
 * each member and alarm type raised, as etcd's alarm store keeps them. Raised and disarmed through the log
 * ({@code KvCommand.alarm}), so every member holds the same alarms at the same index and refuses the same writes
 * while NOSPACE is raised.
 *
 * <p>Reads go through the view given (the apply thread's write batch, or a reader's snapshot). One thread, as its
 * view.
 */
final class AlarmTable {
    private final KvSource source;
    private final Columns columns;

    AlarmTable(KvSource source, Columns columns) {
        this.source = source;
        this.columns = columns;
    }

    boolean raised(long memberId, AlarmType type) {
        return source.get(columns.meta, Keys.alarmKey(memberId, type.getNumber())) != null;
    }

    /** Every raised alarm, by member ID (unsigned) and then type. */
    List<AlarmMember> all() {
        List<AlarmMember> alarms = new ArrayList<>();
        byte[] prefix = Keys.META_ALARM_PREFIX;
        source.forEachWithPrefix(columns.meta, prefix, (k, value) -> {
            Invariants.check(k.length == prefix.length + 16, "alarm key of %s bytes", k.length);
            AlarmType type = AlarmType.forNumber((int) Keys.getLong(k, prefix.length + 8));
            Invariants.check(type != null, "alarm key of an unknown type");
            alarms.add(AlarmMember.newBuilder().setMemberID(Keys.getLong(k, prefix.length)).setAlarm(type).build());
        });
        return alarms;
    }

    /** Deletes every raised alarm of the store into {@code batch} (a restore's new cluster). */
    static void clearInto(org.rocksdb.WriteBatchWithIndex batch, Columns columns)
            throws org.rocksdb.RocksDBException {
        columns.deletePrefixInto(batch, columns.meta, Keys.META_ALARM_PREFIX);
    }

    /** Whether any member raised {@code type}. */
    boolean any(AlarmType type) {
        return all().stream().anyMatch(a -> a.getAlarm() == type);
    }
}
