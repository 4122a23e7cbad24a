package io.cairn.kv.server;

import io.cairn.kv.proto.etcd.AlarmRequest;
import io.cairn.kv.proto.etcd.AlarmResponse;
import io.cairn.kv.proto.etcd.DefragmentRequest;
import io.cairn.kv.proto.etcd.DefragmentResponse;
import io.cairn.kv.proto.etcd.HashKVRequest;
import io.cairn.kv.proto.etcd.HashKVResponse;
import io.cairn.kv.proto.etcd.HashRequest;
import io.cairn.kv.proto.etcd.HashResponse;
import io.cairn.kv.proto.etcd.MoveLeaderRequest;
import io.cairn.kv.proto.etcd.MoveLeaderResponse;
import io.cairn.kv.proto.etcd.SnapshotRequest;
import io.cairn.kv.proto.etcd.SnapshotResponse;
import io.cairn.kv.proto.etcd.StatusRequest;
import io.cairn.kv.proto.etcd.StatusResponse;
import io.cairn.kv.proto.health.HealthCheckRequest;
import io.cairn.kv.proto.health.HealthCheckResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;

/**
 * The gRPC descriptors of etcd's {@code service Maintenance} and of the standard {@code grpc.health.v1.Health},
 * written by hand as {@link EtcdKvGrpc} is. Immutable; any thread.
 */
public final class EtcdMaintenanceGrpc {
    private EtcdMaintenanceGrpc() {}

    public static final String SERVICE_NAME = "etcdserverpb.Maintenance";
    public static final String HEALTH_SERVICE_NAME = "grpc.health.v1.Health";

    public static final MethodDescriptor<AlarmRequest, AlarmResponse> ALARM = GrpcCalls.method(SERVICE_NAME, "Alarm",
            MethodType.UNARY, AlarmRequest.getDefaultInstance(), AlarmResponse.getDefaultInstance());

    public static final MethodDescriptor<StatusRequest, StatusResponse> STATUS = GrpcCalls.method(SERVICE_NAME, "Status",
            MethodType.UNARY, StatusRequest.getDefaultInstance(), StatusResponse.getDefaultInstance());

    public static final MethodDescriptor<DefragmentRequest, DefragmentResponse> DEFRAGMENT = GrpcCalls.method(SERVICE_NAME,
            "Defragment", MethodType.UNARY, DefragmentRequest.getDefaultInstance(),
            DefragmentResponse.getDefaultInstance());

    public static final MethodDescriptor<HashRequest, HashResponse> HASH = GrpcCalls.method(SERVICE_NAME, "Hash",
            MethodType.UNARY, HashRequest.getDefaultInstance(), HashResponse.getDefaultInstance());

    public static final MethodDescriptor<HashKVRequest, HashKVResponse> HASH_KV = GrpcCalls.method(SERVICE_NAME, "HashKV",
            MethodType.UNARY, HashKVRequest.getDefaultInstance(), HashKVResponse.getDefaultInstance());

    public static final MethodDescriptor<SnapshotRequest, SnapshotResponse> SNAPSHOT = GrpcCalls.method(SERVICE_NAME,
            "Snapshot", MethodType.SERVER_STREAMING, SnapshotRequest.getDefaultInstance(),
            SnapshotResponse.getDefaultInstance());

    public static final MethodDescriptor<MoveLeaderRequest, MoveLeaderResponse> MOVE_LEADER = GrpcCalls.method(SERVICE_NAME,
            "MoveLeader", MethodType.UNARY, MoveLeaderRequest.getDefaultInstance(),
            MoveLeaderResponse.getDefaultInstance());

    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME)
            .addMethod(ALARM).addMethod(STATUS).addMethod(DEFRAGMENT).addMethod(HASH).addMethod(HASH_KV)
            .addMethod(SNAPSHOT).addMethod(MOVE_LEADER).build();

    public static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> HEALTH_CHECK = GrpcCalls.method(
            HEALTH_SERVICE_NAME, "Check", MethodType.UNARY, HealthCheckRequest.getDefaultInstance(),
            HealthCheckResponse.getDefaultInstance());

    public static final ServiceDescriptor HEALTH_SERVICE = ServiceDescriptor.newBuilder(HEALTH_SERVICE_NAME)
            .addMethod(HEALTH_CHECK).build();
}
