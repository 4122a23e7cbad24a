package io.cairn.kv.watch;

import io.cairn.kv.proto.etcd.ResponseHeader;

/**
 * What a watch server needs from the member it runs on: its {@link WatchHub}, its revision, the response header
 * etcd sends (cluster, member, Raft term, and the given revision), and whether it knows a leader (etcd's
 * {@code hasleader} streams end when it does not). {@code KvStore} is one. Any thread.
 */
public interface WatchBackend {
    WatchHub watchHub();

    /** The member's applied revision now. */
    long revision();

    ResponseHeader header(long revision);

    boolean hasLeader();

    /** The member's election timeout: how often a watch server checks for a leader. */
    long electionTimeoutMillis();

    /**
     * Whether the caller an etcd auth token names (null: none) may create {@code request}: completes with null, or with
     * the refusal the watch is canceled with (decision 0024). A backend without auth allows every watch.
     */
    default java.util.concurrent.CompletableFuture<io.cairn.kv.mvcc.KvException> watchRefusal(
            io.cairn.kv.proto.etcd.WatchCreateRequest request, String token) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
}
