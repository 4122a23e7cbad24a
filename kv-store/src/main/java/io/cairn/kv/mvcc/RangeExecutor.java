package io.cairn.kv.mvcc;

import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeRequest.SortOrder;
import io.cairn.kv.proto.etcd.RangeRequest.SortTarget;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>Values: the scan visits keys with their {@link KvMeta} only; filters and sorts other than by value need
 * nothing else, so values are read from history after the limit is applied, for the kvs returned and no others,
 * and not at all for keys_only or count_only. A sort by value reads the values of every kv it sorts (all of the
 * range unless the order is NONE, see above), as etcd does.
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
        List<Scanner.Hit> hits = new ArrayList<>();
        long count = scanner.scan(KeyInterval.of(r.getKey(), r.getRangeEnd()), revision, currentRevision,
                visitMax(r), collector(hits));
        List<Scanner.Hit> kept = filter(hits, r);
        Map<Scanner.Hit, byte[]> values = new IdentityHashMap<>();
        if (r.getSortTarget() == SortTarget.VALUE) {
            putValues(values, kept); // a sort by value needs the value of every kv it sorts
        }
        sort(kept, r, values);
        RangeResponse.Builder out = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(currentRevision))
                .setCount(count);
        if (r.getLimit() > 0 && kept.size() > r.getLimit()) {
            kept = kept.subList(0, (int) r.getLimit());
            out.setMore(true);
        }
        if (!r.getKeysOnly()) {
            putValues(values, kept.stream().filter(h -> !values.containsKey(h)).toList());
        }
        for (Scanner.Hit h : kept) {
            out.addKvs(h.meta().toKeyValue(h.key(), r.getKeysOnly() ? null : values.get(h)));
        }
        return out.build();
    }

    /**
     * Collects what the scan visits, within {@link KvLimits#rangeResponseBytesMax()} of keys and values (the
     * values' sizes are in their metadata: the limit applies to every kv collected, read or not).
     */
    private Scanner.Visitor collector(List<Scanner.Hit> hits) {
        long[] bytes = {0};
        return (key, meta) -> {
            bytes[0] += key.length + meta.valueSize();
            if (bytes[0] > limits.rangeResponseBytesMax()) {
                throw KvErrors.rangeTooLarge(limits.rangeResponseBytesMax());
            }
            hits.add(new Scanner.Hit(key, meta));
            return true;
        };
    }

    private void putValues(Map<Scanner.Hit, byte[]> values, List<Scanner.Hit> hits) {
        List<byte[]> read = scanner.values(hits);
        for (int i = 0; i < hits.size(); i++) {
            values.put(hits.get(i), read.get(i));
        }
    }

    /** How many kvs the scan visits (the rest it only counts): none for count_only, else {@link #fetchLimit}. */
    private static long visitMax(RangeRequest r) {
        if (r.getCountOnly()) {
            return 0;
        }
        long fetch = fetchLimit(r);
        return fetch == 0 ? Long.MAX_VALUE : fetch;
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

    private static List<Scanner.Hit> filter(List<Scanner.Hit> hits, RangeRequest r) {
        if (!hasRevisionFilters(r)) {
            return hits;
        }
        Predicate<KvMeta> keep = kv -> (r.getMaxModRevision() == 0 || kv.modRevision() <= r.getMaxModRevision())
                && (r.getMinModRevision() == 0 || kv.modRevision() >= r.getMinModRevision())
                && (r.getMaxCreateRevision() == 0 || kv.createRevision() <= r.getMaxCreateRevision())
                && (r.getMinCreateRevision() == 0 || kv.createRevision() >= r.getMinCreateRevision());
        List<Scanner.Hit> out = new ArrayList<>(hits.size());
        for (Scanner.Hit h : hits) {
            if (keep.test(h.meta())) {
                out.add(h);
            }
        }
        return out;
    }

    /** Sorts {@code hits} as etcd does; a sort by value finds every value in {@code values}. */
    private static void sort(List<Scanner.Hit> hits, RangeRequest r, Map<Scanner.Hit, byte[]> values) {
        SortOrder order = r.getSortOrder();
        if (r.getSortTarget() != SortTarget.KEY && order == SortOrder.NONE) {
            order = SortOrder.ASCEND;
        }
        if (defaultOrdering(r.getSortTarget(), order)) {
            return;
        }
        Comparator<Scanner.Hit> ascending = switch (r.getSortTarget()) {
            case KEY -> (a, b) -> Keys.compare(a.key(), b.key());
            case VERSION -> Comparator.comparingLong(h -> h.meta().version());
            case CREATE -> Comparator.comparingLong(h -> h.meta().createRevision());
            case MOD -> Comparator.comparingLong(h -> h.meta().modRevision());
            case VALUE -> (a, b) -> Keys.compare(values.get(a), values.get(b));
            case UNRECOGNIZED -> throw KvErrors.invalidSortOption();
        };
        // List.sort is stable: equal targets stay in key order, in both directions.
        hits.sort(order == SortOrder.DESCEND ? (a, b) -> ascending.compare(b, a) : ascending);
    }
}
