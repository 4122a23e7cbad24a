package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import com.google.protobuf.Message;
import java.util.concurrent.CompletableFuture;

/**
 * What applying one command produced: etcd's response message ({@code PutResponse}, {@code DeleteRangeResponse},
 * {@code TxnResponse} or {@code CompactionResponse}, header revision filled in; cluster_id, member_id and
 * raft_term are the caller's), or the {@link KvException} that refused it; or nothing, for a command at or below
 * the applied index (a replay after restart, skipped).
 *
 * <p>{@link #completion()} completes when the answer may be sent: at once, except for a physical Compact, whose
 * completion waits until the compacted history is removed (etcd's {@code physical}). Immutable.
 */
public final class KvResult {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final long index;
    private final Message response;
    private final KvException error;
    private final CompletableFuture<Void> completion;

    private KvResult(long index, Message response, KvException error, CompletableFuture<Void> completion) {
        this.index = index;
        this.response = response;
        this.error = error;
        this.completion = completion;
    }

    static KvResult ok(long index, Message response, CompletableFuture<Void> completion) {
        return new KvResult(index, response, null, completion);
    }

    static KvResult ok(long index, Message response) {
        return new KvResult(index, response, null, DONE);
    }

    static KvResult refused(long index, KvException error) {
        return new KvResult(index, null, error, DONE);
    }

    static KvResult alreadyApplied(long index) {
        return new KvResult(index, null, null, DONE);
    }

    public long index() {
        return index;
    }

    /** True when the command was applied before (replayed after a restart) and skipped now. */
    public boolean skipped() {
        return response == null && error == null;
    }

    public boolean isError() {
        return error != null;
    }

    /** The etcd response, or null for a refused or skipped command. */
    public Message response() {
        return response;
    }

    /** The response as its type, e.g. {@code result.response(PutResponse.class)}. */
    public <T extends Message> T response(Class<T> type) {
        Invariants.check(response != null, "command %s has no response: %s", index, this);
        return type.cast(response);
    }

    /** The refusal, or null. */
    public KvException error() {
        return error;
    }

    public CompletableFuture<Void> completion() {
        return completion;
    }

    @Override
    public String toString() {
        return "KvResult{index=" + index + (error != null ? ", error=" + error
                : response != null ? ", " + response.getClass().getSimpleName() : ", skipped") + "}";
    }
}
