package io.cairn.kv.server;

import io.cairn.kv.proto.etcd.MemberAddRequest;
import io.cairn.kv.proto.etcd.MemberAddResponse;
import io.cairn.kv.proto.etcd.MemberListRequest;
import io.cairn.kv.proto.etcd.MemberListResponse;
import io.cairn.kv.proto.etcd.MemberPromoteRequest;
import io.cairn.kv.proto.etcd.MemberPromoteResponse;
import io.cairn.kv.proto.etcd.MemberRemoveRequest;
import io.cairn.kv.proto.etcd.MemberRemoveResponse;
import io.cairn.kv.proto.etcd.MemberUpdateRequest;
import io.cairn.kv.proto.etcd.MemberUpdateResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;

/**
 * The gRPC descriptors of etcd's {@code service Cluster}, written by hand as {@link EtcdKvGrpc} is (the full method
 * names are what etcdctl and jetcd call: {@code etcdserverpb.Cluster/MemberList} and so on). Immutable; any thread.
 */
public final class EtcdClusterGrpc {
    private EtcdClusterGrpc() {}

    public static final String SERVICE_NAME = "etcdserverpb.Cluster";

    public static final MethodDescriptor<MemberAddRequest, MemberAddResponse> MEMBER_ADD =
            unary("MemberAdd", MemberAddRequest.getDefaultInstance(), MemberAddResponse.getDefaultInstance());

    public static final MethodDescriptor<MemberRemoveRequest, MemberRemoveResponse> MEMBER_REMOVE =
            unary("MemberRemove", MemberRemoveRequest.getDefaultInstance(), MemberRemoveResponse.getDefaultInstance());

    public static final MethodDescriptor<MemberUpdateRequest, MemberUpdateResponse> MEMBER_UPDATE =
            unary("MemberUpdate", MemberUpdateRequest.getDefaultInstance(), MemberUpdateResponse.getDefaultInstance());

    public static final MethodDescriptor<MemberListRequest, MemberListResponse> MEMBER_LIST =
            unary("MemberList", MemberListRequest.getDefaultInstance(), MemberListResponse.getDefaultInstance());

    public static final MethodDescriptor<MemberPromoteRequest, MemberPromoteResponse> MEMBER_PROMOTE =
            unary("MemberPromote", MemberPromoteRequest.getDefaultInstance(),
                    MemberPromoteResponse.getDefaultInstance());

    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME)
            .addMethod(MEMBER_ADD).addMethod(MEMBER_REMOVE).addMethod(MEMBER_UPDATE).addMethod(MEMBER_LIST)
            .addMethod(MEMBER_PROMOTE).build();

    private static <Q extends com.google.protobuf.Message, R extends com.google.protobuf.Message>
            MethodDescriptor<Q, R> unary(String name, Q request, R response) {
        return GrpcCalls.method(SERVICE_NAME, name, MethodType.UNARY, request, response);
    }
}
