package io.cairn.kv.server;

import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.LeaseGrantResponse;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.cairn.kv.proto.etcd.LeaseLeasesRequest;
import io.cairn.kv.proto.etcd.LeaseLeasesResponse;
import io.cairn.kv.proto.etcd.LeaseRevokeRequest;
import io.cairn.kv.proto.etcd.LeaseRevokeResponse;
import io.cairn.kv.proto.etcd.LeaseTimeToLiveRequest;
import io.cairn.kv.proto.etcd.LeaseTimeToLiveResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;

/**
 * The gRPC descriptors of etcd's {@code service Lease}, written by hand as {@link EtcdKvGrpc} is: four unary
 * methods and the bidirectional {@code LeaseKeepAlive} stream. Immutable; any thread.
 */
public final class EtcdLeaseGrpc {
    private EtcdLeaseGrpc() {}

    public static final String SERVICE_NAME = "etcdserverpb.Lease";

    public static final MethodDescriptor<LeaseGrantRequest, LeaseGrantResponse> GRANT = GrpcCalls.method(
            SERVICE_NAME, "LeaseGrant", MethodType.UNARY, LeaseGrantRequest.getDefaultInstance(),
            LeaseGrantResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseRevokeRequest, LeaseRevokeResponse> REVOKE = GrpcCalls.method(
            SERVICE_NAME, "LeaseRevoke", MethodType.UNARY, LeaseRevokeRequest.getDefaultInstance(),
            LeaseRevokeResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KEEP_ALIVE = GrpcCalls.method(
            SERVICE_NAME, "LeaseKeepAlive", MethodType.BIDI_STREAMING, LeaseKeepAliveRequest.getDefaultInstance(),
            LeaseKeepAliveResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> TIME_TO_LIVE =
            GrpcCalls.method(SERVICE_NAME, "LeaseTimeToLive", MethodType.UNARY,
                    LeaseTimeToLiveRequest.getDefaultInstance(), LeaseTimeToLiveResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseLeasesRequest, LeaseLeasesResponse> LEASES = GrpcCalls.method(
            SERVICE_NAME, "LeaseLeases", MethodType.UNARY, LeaseLeasesRequest.getDefaultInstance(),
            LeaseLeasesResponse.getDefaultInstance());

    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME)
            .addMethod(GRANT).addMethod(REVOKE).addMethod(KEEP_ALIVE).addMethod(TIME_TO_LIVE).addMethod(LEASES)
            .build();
}
