package io.cairn.kv.server;

import com.google.protobuf.ByteString;
import io.cairn.kv.KvStore;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.proto.etcd.AlarmRequest;
import io.cairn.kv.proto.etcd.AlarmResponse;
import io.cairn.kv.proto.etcd.HashKVRequest;
import io.cairn.kv.proto.etcd.HashResponse;
import io.cairn.kv.proto.etcd.SnapshotResponse;
import io.cairn.kv.proto.health.HealthCheckRequest;
import io.cairn.kv.proto.health.HealthCheckResponse;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Maintenance service and the standard gRPC health service on one member's {@link KvStore}.
 *
 * <ul>
 *   <li>Status: this member's view at once (what {@code etcdctl endpoint status} prints).
 *   <li>Alarm: list, raise and disarm alarms through the log ({@link KvStore#alarm}); a member raises NOSPACE
 *       itself when a write would pass its space quota ({@link KvStore#setSpaceQuota}).
 *   <li>Hash and HashKV: CRC-32C of the store's keys, values and revisions (equal on members with equal data).
 *   <li>Defragment: RocksDB rewrites its files without deleted and compacted data.
 *   <li>Snapshot: the store packed into a file in the data directory's scratch space and ended as etcd ends its
 *       stream ({@link #appendChecksum}), then streamed in 32 KiB
 *       blobs as the client's flow control allows (nothing else is buffered), with the bytes remaining in each; the
 *       file is deleted when the stream ends however it ends. {@code etcdctl snapshot save} writes the stream to a
 *       file; {@code cairn kv snapshot restore} reads it.
 *   <li>MoveLeader: to the leader, which hands leadership to the target.
 *   <li>grpc.health.v1 Check: SERVING while the member runs and knows a leader, NOT_SERVING otherwise (as etcd 3.5
 *       does; 3.4 always answers SERVING).
 * </ul>
 *
 * <p>Threads: calls arrive on gRPC's transport thread and never block; long work runs on the store's maintenance
 * thread; a snapshot's blobs are sent from gRPC's on-ready callbacks.
 */
final class MaintenanceGrpcService {
    private static final Logger log = LoggerFactory.getLogger(MaintenanceGrpcService.class);
    /** Bytes per SnapshotResponse blob (etcd's size). */
    static final int SNAPSHOT_BLOB_BYTES = 32 * 1024;

    private final KvStore store;
    private final Path scratch;

    MaintenanceGrpcService(KvStore store, Path scratch) {
        this.store = store;
        this.scratch = scratch;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(EtcdMaintenanceGrpc.SERVICE)
                .addMethod(EtcdMaintenanceGrpc.STATUS, ServerCalls.asyncUnaryCall((request, out) -> GrpcCalls.answer(
                        () -> CompletableFuture.completedFuture(store.maintenanceStatus()), out, log)))
                .addMethod(EtcdMaintenanceGrpc.ALARM, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(() -> store.alarm(request), out, log)))
                .addMethod(EtcdMaintenanceGrpc.HASH_KV, ServerCalls.asyncUnaryCall((request, out) -> GrpcCalls.answer(
                        asAdmin(() -> store.hashKv(request)), out, log)))
                .addMethod(EtcdMaintenanceGrpc.HASH, ServerCalls.asyncUnaryCall((request, out) -> GrpcCalls.answer(
                        asAdmin(() -> store.hashKv(HashKVRequest.getDefaultInstance()).thenApply(h -> HashResponse
                                .newBuilder().setHeader(h.getHeader()).setHash(h.getHash()).build())), out, log)))
                .addMethod(EtcdMaintenanceGrpc.DEFRAGMENT, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(asAdmin(store::defragment), out, log)))
                .addMethod(EtcdMaintenanceGrpc.MOVE_LEADER, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(() -> store.moveLeader(request), out, log)))
                .addMethod(EtcdMaintenanceGrpc.SNAPSHOT, ServerCalls.asyncServerStreamingCall(
                        (request, out) -> snapshot((ServerCallStreamObserver<SnapshotResponse>) out)))
                .build();
    }

    /**
     * {@code call} once the caller (the current call's token) may administer the cluster: etcd's
     * {@code authMaintenanceServer} asks the root role of Defragment, Snapshot, Hash and HashKV while auth is enabled.
     * Take it on the thread gRPC calls the method on.
     */
    private <T> java.util.function.Supplier<CompletableFuture<T>> asAdmin(
            java.util.function.Supplier<CompletableFuture<T>> call) {
        String token = AuthMetadata.token();
        return () -> store.auth().checkAdmin(token).exceptionallyCompose(
                e -> CompletableFuture.failedFuture(asEtcdMaintenanceAnswers(e))).thenCompose(v -> call.get());
    }

    /**
     * etcd 3.4's maintenance server hands its auth store's own errors to gRPC unconverted, so etcdctl prints e.g. "rpc
     * error: code = Unknown desc = auth: permission denied": the same here, text and code.
     */
    static Throwable asEtcdMaintenanceAnswers(Throwable error) {
        Throwable e = GrpcErrors.unwrap(error);
        if (!(e instanceof io.cairn.kv.mvcc.KvException kv)) {
            return e;
        }
        String raw = switch (kv.getMessage()) {
            case io.cairn.kv.mvcc.KvErrors.PERMISSION_DENIED -> "auth: permission denied";
            case io.cairn.kv.mvcc.KvErrors.USER_EMPTY -> "auth: user name is empty";
            case io.cairn.kv.mvcc.KvErrors.USER_NOT_FOUND -> "auth: user not found";
            case io.cairn.kv.mvcc.KvErrors.INVALID_AUTH_TOKEN -> "auth: invalid auth token";
            default -> null;
        };
        return raw == null ? kv : new io.cairn.kv.mvcc.KvException(io.cairn.kv.mvcc.KvException.Code.UNKNOWN, raw);
    }

    ServerServiceDefinition healthDefinition() {
        return ServerServiceDefinition.builder(EtcdMaintenanceGrpc.HEALTH_SERVICE)
                .addMethod(EtcdMaintenanceGrpc.HEALTH_CHECK, ServerCalls.asyncUnaryCall(this::check))
                .build();
    }

    private void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
        if (!request.getService().isEmpty()) {
            out.onError(Status.NOT_FOUND.withDescription("unknown service " + request.getService())
                    .asRuntimeException());
            return;
        }
        boolean serving = store.failure() == null && store.hasLeader();
        out.onNext(HealthCheckResponse.newBuilder().setStatus(serving ? HealthCheckResponse.ServingStatus.SERVING
                : HealthCheckResponse.ServingStatus.NOT_SERVING).build());
        out.onCompleted();
    }

    private void snapshot(ServerCallStreamObserver<SnapshotResponse> out) {
        // gRPC takes the stream's callbacks only now, during the call; the stream they drive comes later
        java.util.concurrent.atomic.AtomicReference<Streamer> streamer = new java.util.concurrent.atomic.AtomicReference<>();
        Path file;
        try {
            Files.createDirectories(scratch);
            file = Files.createTempFile(scratch, "etcd-snapshot-", ".cairnsnap");
            Files.delete(file); // the store creates it
        } catch (IOException e) {
            out.onError(Status.INTERNAL.withDescription("cannot make a snapshot file in " + scratch + ": " + e)
                    .asRuntimeException());
            return;
        }
        out.setOnReadyHandler(() -> {
            Streamer s = streamer.get();
            if (s != null) {
                s.run();
            }
        });
        out.setOnCancelHandler(() -> {
            Streamer s = streamer.get();
            if (s != null) {
                s.cancel();
            }
            deleteQuietly(file);
        });
        String token = AuthMetadata.token();
        store.auth().checkAdmin(token).thenCompose(v -> store.snapshot(file)).whenComplete((ok, error) -> {
            if (error != null) {
                deleteQuietly(file);
                GrpcCalls.send(out, log, () -> out.onError(GrpcErrors.toStatus(error).asRuntimeException()));
                return;
            }
            if (out.isCancelled()) {
                deleteQuietly(file);
                return;
            }
            try {
                appendChecksum(file);
                Streamer s = new Streamer(out, file);
                streamer.set(s);
                s.run(); // the stream may be ready already, in which case no on-ready callback comes
            } catch (IOException e) {
                deleteQuietly(file);
                GrpcCalls.send(out, log, () -> out.onError(Status.INTERNAL.withDescription("cannot read the snapshot: " + e)
                        .asRuntimeException()));
            }
        });
    }

    /**
     * Ends a packed snapshot as etcd ends its snapshot stream, which {@code etcdctl snapshot save} checks: zero bytes up
     * to a multiple of 512, then the SHA-256 of everything before it (so the stream's length is 32 more than a multiple
     * of 512). {@code cairn kv snapshot restore} checks the hash and reads the archive before the padding.
     */
    static void appendChecksum(Path file) throws IOException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        long size = Files.size(file);
        byte[] padding = new byte[(int) ((512 - size % 512) % 512)];
        sha.update(padding);
        try (java.io.OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            out.write(padding);
            out.write(sha.digest());
        }
    }

    /** Sends a packed snapshot file blob by blob whenever gRPC says the client can take more; deletes it at the end. */
    private final class Streamer implements Runnable {
        private final ServerCallStreamObserver<SnapshotResponse> out;
        private final Path file;
        private final InputStream in;
        private final byte[] buffer = new byte[SNAPSHOT_BLOB_BYTES];
        private final io.cairn.kv.proto.etcd.ResponseHeader header = store.header(store.revision());
        private long remaining;
        private boolean done;

        Streamer(ServerCallStreamObserver<SnapshotResponse> out, Path file) throws IOException {
            this.out = out;
            this.file = file;
            this.remaining = Files.size(file);
            this.in = Files.newInputStream(file);
        }

        synchronized void cancel() {
            if (!done) {
                finish();
            }
        }

        @Override
        public synchronized void run() {
            try {
                while (!done && out.isReady()) {
                    int n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, remaining));
                    if (n <= 0 && remaining > 0) {
                        throw new IOException("the snapshot file ended " + remaining + " bytes early");
                    }
                    remaining -= n;
                    out.onNext(SnapshotResponse.newBuilder().setHeader(header)
                            .setRemainingBytes(remaining).setBlob(ByteString.copyFrom(buffer, 0, n)).build());
                    if (remaining == 0) {
                        finish();
                        out.onCompleted();
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (!done) {
                    finish();
                    GrpcCalls.send(out, log, () -> out.onError(Status.INTERNAL.withDescription("snapshot stream failed: " + e)
                            .asRuntimeException()));
                }
            }
        }

        private void finish() {
            done = true;
            try {
                in.close();
            } catch (IOException e) {
                log.debug("closing {}: {}", file, e.toString());
            }
            deleteQuietly(file);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not delete the snapshot file {}: {}", file, e.toString());
        }
    }
}
