package io.cairn.kv.server;

import com.google.protobuf.Message;
import io.cairn.kv.KvService;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.CompactionResponse;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@link KvService} whose every method answers with one function of the request: a refusal, a bug, a future
 * that never completes, a response. For the tests of the gRPC layer's own behaviour.
 */
final class StubKvService implements KvService {
    private final Function<Message, CompletableFuture<? extends Message>> answer;

    StubKvService(Function<Message, CompletableFuture<? extends Message>> answer) {
        this.answer = answer;
    }

    @SuppressWarnings("unchecked")
    private <R extends Message> CompletableFuture<R> answer(Message request) {
        return (CompletableFuture<R>) answer.apply(request);
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        return answer(request);
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return answer(request);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return answer(request);
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return answer(request);
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return answer(request);
    }
}
