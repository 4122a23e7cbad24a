package io.cairn.kv.watch;

import io.cairn.kv.mvcc.KeyInterval;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.mvcc.Event;

/**
 * What one watch asks for, as etcd's {@code WatchCreateRequest} says it: a key, a range or every key from one on;
 * the first revision to report (inclusive; 0: from the next write); filters; whether events carry the previous
 * version; whether it wants periodic progress notifications. Immutable.
 */
public record WatchSpec(KeyInterval keys, long startRevision, boolean noPut, boolean noDelete, boolean prevKv,
        boolean progressNotify) {

    public static WatchSpec of(WatchCreateRequest r) {
        boolean noPut = false;
        boolean noDelete = false;
        for (WatchCreateRequest.FilterType f : r.getFiltersList()) {
            noPut |= f == WatchCreateRequest.FilterType.NOPUT;
            noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
        }
        return new WatchSpec(KeyInterval.of(r.getKey(), r.getRangeEnd()), r.getStartRevision(), noPut, noDelete,
                r.getPrevKv(), r.getProgressNotify());
    }

    /** Whether this watch reports {@code e}: its key is in range and no filter drops its type. */
    boolean wants(Event e) {
        boolean put = e.getType() == Event.EventType.PUT;
        return (put ? !noPut : !noDelete) && keys.contains(e.getKv().getKey());
    }
}
