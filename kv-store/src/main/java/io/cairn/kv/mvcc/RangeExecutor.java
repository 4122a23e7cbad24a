package io.cairn.kv.mvcc;

import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeRequest.SortOrder;
import io.cairn.kv.proto.etcd.RangeRequest.SortTarget;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * etcd's Range over a {@link Scanner}: revision checks, limit, filters, sort, count, keys-only, exactly as etcd's
 * {@code executeRange} behaves.
 *
 * <p>The etcd rules reproduced here, some of them surprising: {@code count} is every live key in the range at the
 * revision read, before the min/max revision filters and whatever the limit. When the order is the default
 * (order NONE, or ascending by key) and no revision filter is set, only {@code limit + 1} keys are fetched (in key
 * order) to learn {@code more}; so a request with a non-KEY target and order NONE sorts ascending by that target
 * only the first {@code limit + 1} keys, as etcd does. Otherwise everything in range is fetched, filtered, sorted
 * and then cut at {@code limit}. Ties in a sort keep key order. The header revision is the current revision, not
 * the one read.
 *
 * <p>Collected keys and values are bounded by {@link KvLimits#rangeResponseBytesMax()}.
 */
final class RangeExecutor {
    private final Scanner scanner;
    private final KvLimits limits;

    RangeExecutor(Scanner scanner, KvLimits limits) {
        this.scanner = scanner;
        this.limits = limits;
    }

    /** Refuses a read revision the store cannot serve: above {@code current}, or below {@code compacted}. */
    static long readRevision(long requested, long current, long compacted) {
        long revision = requested <= 0 ? current : requested;
        if (revision > current) {
            throw KvErrors.futureRevision();
        }
        if (revision < compacted) {
            throw KvErrors.compacted();
        }
        return revision;
    }

    RangeResponse execute(RangeRequest r, long currentRevision, long compactedRevision) {
        long revision = readRevision(r.getRevision(), currentRevision, compactedRevision);
        KeyInterval interval = KeyInterval.of(r.getKey(), r.getRangeEnd());
        long fetchMax = fetchLimit(r);
        List<KeyValue> kvs = new ArrayList<>();
        long[] countAndBytes = new long[2];
        scanner.scan(interval, revision, currentRevision, (key, kv) -> {
            countAndBytes[0]++;
            if (!r.getCountOnly() && (fetchMax == 0 || kvs.size() < fetchMax)) {
                countAndBytes[1] += key.length + kv.value().length;
                if (countAndBytes[1] > limits.rangeResponseBytesMax()) {
                    throw KvErrors.rangeTooLarge(limits.rangeResponseBytesMax());
                }
                kvs.add(kv.toKeyValue(key));
            }
            return true;
        });
        List<KeyValue> kept = filter(kvs, r);
        sort(kept, r);
        RangeResponse.Builder out = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(currentRevision))
                .setCount(countAndBytes[0]);
        if (r.getLimit() > 0 && kept.size() > r.getLimit()) {
            kept = kept.subList(0, (int) r.getLimit());
            out.setMore(true);
        }
        for (KeyValue kv : kept) {
            out.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return out.build();
    }

    private static boolean defaultOrdering(SortTarget target, SortOrder order) {
        return order == SortOrder.NONE || (target == SortTarget.KEY && order == SortOrder.ASCEND);
    }

    private static boolean hasRevisionFilters(RangeRequest r) {
        return r.getMinModRevision() != 0 || r.getMaxModRevision() != 0 || r.getMinCreateRevision() != 0
                || r.getMaxCreateRevision() != 0;
    }

    /** How many kvs to collect (0: all): one more than the limit, to learn {@code more}. */
    private static long fetchLimit(RangeRequest r) {
        long limit = r.getLimit();
        if (!defaultOrdering(r.getSortTarget(), r.getSortOrder()) || hasRevisionFilters(r)) {
            limit = 0;
        }
        return limit > 0 && limit < Long.MAX_VALUE ? limit + 1 : Math.max(limit, 0);
    }

    private static List<KeyValue> filter(List<KeyValue> kvs, RangeRequest r) {
        if (!hasRevisionFilters(r)) {
            return kvs;
        }
        Predicate<KeyValue> keep = kv -> (r.getMaxModRevision() == 0 || kv.getModRevision() <= r.getMaxModRevision())
                && (r.getMinModRevision() == 0 || kv.getModRevision() >= r.getMinModRevision())
                && (r.getMaxCreateRevision() == 0 || kv.getCreateRevision() <= r.getMaxCreateRevision())
                && (r.getMinCreateRevision() == 0 || kv.getCreateRevision() >= r.getMinCreateRevision());
        List<KeyValue> out = new ArrayList<>(kvs.size());
        for (KeyValue kv : kvs) {
            if (keep.test(kv)) {
                out.add(kv);
            }
        }
        return out;
    }

    private static void sort(List<KeyValue> kvs, RangeRequest r) {
        SortOrder order = r.getSortOrder();
        if (r.getSortTarget() != SortTarget.KEY && order == SortOrder.NONE) {
            order = SortOrder.ASCEND;
        }
        if (defaultOrdering(r.getSortTarget(), order)) {
            return;
        }
        Comparator<KeyValue> ascending = switch (r.getSortTarget()) {
            case KEY -> (a, b) -> ByteStrings.compare(a.getKey(), b.getKey());
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> (a, b) -> ByteStrings.compare(a.getValue(), b.getValue());
            case UNRECOGNIZED -> throw KvErrors.invalidSortOption();
        };
        // List.sort is stable: equal targets stay in key order, in both directions.
        kvs.sort(order == SortOrder.DESCEND ? (a, b) -> ascending.compare(b, a) : ascending);
    }
}
