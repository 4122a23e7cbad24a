package io.cairn.bench.kv;

import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.LeaseGrantResponse;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.cairn.kv.proto.etcd.LeaseRevokeRequest;
import io.cairn.kv.server.EtcdLeaseGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lease keep-alives as a closed loop: {@link KvWorkloads#LEASES} leases granted up front, kept alive over one
 * {@code LeaseKeepAlive} stream per connection (lease {@code i} on stream {@code i mod streams}), each lease with
 * one keep-alive outstanding: its next request leaves when the answer to the last arrives. A keep-alive is a
 * {@link ClosedLoop} operation of "client" {@code i} (the lease), complete when the stream answers for that lease;
 * an answer with TTL 0 (the lease is gone) is unexpected.
 *
 * <p>A stream that fails fails the keep-alives waiting on it, and the next keep-alive on it opens a new stream.
 *
 * <p>Threads: answers arrive on the connections' event loops; a stream's sends are serialized by its lock (the
 * first round goes out from the main thread while answers already come back).
 */
final class LeaseKeepAlives {
    private final Connections connections;
    private final long[] ids;
    private final Map<Long, Integer> indexById = new HashMap<>();
    private final Stream[] streams;

    /** Grants the leases, spread over the connections. */
    LeaseKeepAlives(Connections connections, int leases) {
        this.connections = connections;
        this.ids = new long[leases];
        for (int i = 0; i < leases; i++) {
            LeaseGrantResponse r = ClientCalls.blockingUnaryCall(connections.channel(i), EtcdLeaseGrpc.GRANT,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    LeaseGrantRequest.newBuilder().setTTL(KvWorkloads.LEASE_TTL_SECONDS).build());
            if (!r.getError().isEmpty() || r.getID() == 0) {
                throw new IllegalStateException("lease grant refused: " + r);
            }
            ids[i] = r.getID();
            indexById.put(r.getID(), i);
        }
        streams = new Stream[connections.count()];
        for (int s = 0; s < streams.length; s++) {
            streams[s] = new Stream(s);
        }
    }

    /** The operation: one keep-alive of lease {@code client}. */
    ClosedLoop.Operation operation() {
        return lease -> streams[lease % streams.length].keepAlive(lease);
    }

    /** Revokes the leases (best effort: they expire anyway). */
    void revoke() {
        for (int i = 0; i < ids.length; i++) {
            try {
                ClientCalls.blockingUnaryCall(connections.channel(i), EtcdLeaseGrpc.REVOKE,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                        LeaseRevokeRequest.newBuilder().setID(ids[i]).build());
            } catch (RuntimeException e) {
                return; // the cluster goes away next; nothing depends on it
            }
        }
    }

    /** One LeaseKeepAlive stream and the keep-alives waiting for its answers. */
    private final class Stream {
        private final int index;
        private final Map<Integer, CompletableFuture<Boolean>> waiting = new HashMap<>();
        private StreamObserver<LeaseKeepAliveRequest> requests;

        Stream(int index) {
            this.index = index;
        }

        synchronized CompletableFuture<Boolean> keepAlive(int lease) {
            if (requests == null) {
                open();
            }
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            waiting.put(lease, answer);
            requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(ids[lease]).build());
            return answer;
        }

        private void open() {
            ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call = connections.channel(index)
                    .newCall(EtcdLeaseGrpc.KEEP_ALIVE, CallOptions.DEFAULT);
            requests = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
                @Override
                public void onNext(LeaseKeepAliveResponse r) {
                    Integer lease = indexById.get(r.getID());
                    CompletableFuture<Boolean> answer;
                    synchronized (Stream.this) {
                        answer = lease == null ? null : waiting.remove(lease);
                    }
                    if (answer != null) {
                        answer.complete(r.getTTL() > 0);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    failAll(t);
                }

                @Override
                public void onCompleted() {
                    failAll(new IllegalStateException("the server ended the keep-alive stream"));
                }
            });
        }

        private void failAll(Throwable t) {
            Map<Integer, CompletableFuture<Boolean>> failed;
            synchronized (this) {
                failed = new HashMap<>(waiting);
                waiting.clear();
                requests = null;
            }
            failed.values().forEach(f -> f.completeExceptionally(t));
        }
    }
}
