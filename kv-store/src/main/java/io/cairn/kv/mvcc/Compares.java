package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.Compare;
import java.util.List;

/**
 * etcd's Txn compares, evaluated against the store as the Txn found it.
 *
 * <p>A compare over a range holds when every live key in it satisfies it; over no key at all it compares a
 * zero-valued key (version, revisions and lease 0), except that a VALUE compare on no key is false (etcd: "nil ==
 * empty string in grpc; no way to represent missing value"). A compare whose {@code target_union} names another
 * field than its target compares against 0 (or the empty value), as in etcd. Only a VALUE compare reads values
 * (from history, one key at a time, stopping at the first key that fails).
 */
final class Compares {
    private Compares() {}

    /** True when every compare holds in {@code scanner}'s current state at {@code revision}. */
    static boolean all(List<Compare> compares, Scanner scanner, long revision) {
        for (Compare c : compares) {
            if (!holds(c, scanner, revision)) {
                return false;
            }
        }
        return true;
    }

    static boolean holds(Compare c, Scanner scanner, long revision) {
        boolean[] any = {false};
        boolean[] allHold = {true};
        scanner.scan(KeyInterval.of(c.getKey(), c.getRangeEnd()), revision, revision, (key, kv) -> {
            any[0] = true;
            byte[] value = c.getTarget() == Compare.CompareTarget.VALUE ? scanner.value(key, kv) : null;
            if (!holds(c, kv, value)) {
                allHold[0] = false;
                return false;
            }
            return true;
        });
        if (!any[0]) {
            return c.getTarget() != Compare.CompareTarget.VALUE && holds(c, null, null);
        }
        return allHold[0];
    }

    /**
     * One key against the compare; {@code kv} null stands for the zero-valued key. {@code value} is the key's
     * value, read only for a VALUE compare (null otherwise).
     */
    private static boolean holds(Compare c, KvMeta kv, byte[] value) {
        int result = switch (c.getTarget()) {
            case VALUE -> {
                ByteString want = c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue()
                        : ByteString.EMPTY;
                yield ByteStrings.compare(kv == null ? ByteString.EMPTY : ByteStrings.wrap(value), want);
            }
            case CREATE -> Long.compare(kv == null ? 0 : kv.createRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
            case MOD -> Long.compare(kv == null ? 0 : kv.modRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
            case VERSION -> Long.compare(kv == null ? 0 : kv.version(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
            case LEASE -> Long.compare(kv == null ? 0 : kv.lease(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
            case UNRECOGNIZED -> 0;
        };
        return switch (c.getResult()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
            case UNRECOGNIZED -> true;
        };
    }
}
