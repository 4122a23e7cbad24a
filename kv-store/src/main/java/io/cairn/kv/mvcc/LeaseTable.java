package io.cairn.kv.mvcc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * The leases of the store, in the meta column family, so that they are replicated with every write, survive a
 * restart and travel in snapshots: {@code lease/<id>} holds a lease's granted TTL in seconds, and
 * {@code leasekey/<id><key>} says that {@code key} is attached to it (the key's {@link KvMeta} names its lease
 * too; the two always agree). Expiry is not here: it is time, which only the leader keeps (see
 * {@code io.cairn.kv.lease.Lessor}).
 *
 * <p>Reads go through the view given (the apply thread's write batch, or a reader's snapshot); writes go into
 * the command's batch through {@link WriteTxn}. One thread, as its view.
 */
final class LeaseTable {
    private final KvSource source;
    private final Columns columns;

    LeaseTable(KvSource source, Columns columns) {
        this.source = source;
        this.columns = columns;
    }

    /** The lease's granted TTL in seconds, or -1 if there is no such lease. */
    long ttl(long id) {
        byte[] v = source.get(columns.meta, Keys.leaseKey(id));
        return v == null ? -1 : Keys.bytesLong(v);
    }

    boolean exists(long id) {
        return id != 0 && ttl(id) >= 0;
    }

    /** The keys attached to lease {@code id}, in key order. */
    List<byte[]> keys(long id) {
        byte[] prefix = Keys.leaseAttachmentPrefix(id);
        List<byte[]> out = new ArrayList<>();
        try (RocksIterator it = source.iterator(columns.meta)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length < prefix.length || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                out.add(Arrays.copyOfRange(k, prefix.length, k.length));
            }
            Scanner.checkStatus(it);
        }
        return out;
    }

    /** Every lease: {id, granted TTL}, in id order (as unsigned bytes, so negative ids last). */
    List<long[]> all() {
        byte[] prefix = Keys.META_LEASE_PREFIX;
        List<long[]> out = new ArrayList<>();
        try (RocksIterator it = source.iterator(columns.meta)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] k = it.key();
                if (k.length != prefix.length + 8 || !Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length)) {
                    break;
                }
                out.add(new long[] {Keys.getLong(k, prefix.length), Keys.bytesLong(it.value())});
            }
            Scanner.checkStatus(it);
        }
        return out;
    }
}
