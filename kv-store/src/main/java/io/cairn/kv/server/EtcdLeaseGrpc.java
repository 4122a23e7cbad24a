package io.cairn.kv.server;

import com.google.protobuf.Message;
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
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC descriptors of etcd's {@code service Lease}, written by hand as {@link EtcdKvGrpc} is: four unary
 * methods and the bidirectional {@code LeaseKeepAlive} stream. Immutable; any thread.
 */
public final class EtcdLeaseGrpc {
    private EtcdLeaseGrpc() {}

    public static final String SERVICE_NAME = "etcdserverpb.Lease";

    public static final MethodDescriptor<LeaseGrantRequest, LeaseGrantResponse> GRANT = method("LeaseGrant",
            MethodType.UNARY, LeaseGrantRequest.getDefaultInstance(), LeaseGrantResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseRevokeRequest, LeaseRevokeResponse> REVOKE = method("LeaseRevoke",
            MethodType.UNARY, LeaseRevokeRequest.getDefaultInstance(), LeaseRevokeResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseKeepAliveRequest, LeaseKeepAliveResponse> KEEP_ALIVE = method(
            "LeaseKeepAlive", MethodType.BIDI_STREAMING, LeaseKeepAliveRequest.getDefaultInstance(),
            LeaseKeepAliveResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> TIME_TO_LIVE = method(
            "LeaseTimeToLive", MethodType.UNARY, LeaseTimeToLiveRequest.getDefaultInstance(),
            LeaseTimeToLiveResponse.getDefaultInstance());

    public static final MethodDescriptor<LeaseLeasesRequest, LeaseLeasesResponse> LEASES = method("LeaseLeases",
            MethodType.UNARY, LeaseLeasesRequest.getDefaultInstance(), LeaseLeasesResponse.getDefaultInstance());

    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME)
            .addMethod(GRANT).addMethod(REVOKE).addMethod(KEEP_ALIVE).addMethod(TIME_TO_LIVE).addMethod(LEASES)
            .build();

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(String name, MethodType type,
            Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, name))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }
}
