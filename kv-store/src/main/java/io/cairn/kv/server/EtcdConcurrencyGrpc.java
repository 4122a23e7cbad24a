package io.cairn.kv.server;

import com.google.protobuf.Message;
import io.cairn.kv.proto.v3election.CampaignRequest;
import io.cairn.kv.proto.v3election.CampaignResponse;
import io.cairn.kv.proto.v3election.LeaderRequest;
import io.cairn.kv.proto.v3election.LeaderResponse;
import io.cairn.kv.proto.v3election.ProclaimRequest;
import io.cairn.kv.proto.v3election.ProclaimResponse;
import io.cairn.kv.proto.v3election.ResignRequest;
import io.cairn.kv.proto.v3election.ResignResponse;
import io.cairn.kv.proto.v3lock.LockRequest;
import io.cairn.kv.proto.v3lock.LockResponse;
import io.cairn.kv.proto.v3lock.UnlockRequest;
import io.cairn.kv.proto.v3lock.UnlockResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC descriptors of etcd's {@code v3lockpb.Lock} and {@code v3electionpb.Election} services, written by hand as
 * {@link EtcdKvGrpc} is. Immutable; any thread.
 */
public final class EtcdConcurrencyGrpc {
    private EtcdConcurrencyGrpc() {}

    public static final String LOCK_SERVICE_NAME = "v3lockpb.Lock";
    public static final String ELECTION_SERVICE_NAME = "v3electionpb.Election";

    public static final MethodDescriptor<LockRequest, LockResponse> LOCK = method(LOCK_SERVICE_NAME, "Lock",
            MethodType.UNARY, LockRequest.getDefaultInstance(), LockResponse.getDefaultInstance());
    public static final MethodDescriptor<UnlockRequest, UnlockResponse> UNLOCK = method(LOCK_SERVICE_NAME, "Unlock",
            MethodType.UNARY, UnlockRequest.getDefaultInstance(), UnlockResponse.getDefaultInstance());
    public static final ServiceDescriptor LOCK_SERVICE = ServiceDescriptor.newBuilder(LOCK_SERVICE_NAME)
            .addMethod(LOCK).addMethod(UNLOCK).build();

    public static final MethodDescriptor<CampaignRequest, CampaignResponse> CAMPAIGN = method(ELECTION_SERVICE_NAME,
            "Campaign", MethodType.UNARY, CampaignRequest.getDefaultInstance(), CampaignResponse.getDefaultInstance());
    public static final MethodDescriptor<ProclaimRequest, ProclaimResponse> PROCLAIM = method(ELECTION_SERVICE_NAME,
            "Proclaim", MethodType.UNARY, ProclaimRequest.getDefaultInstance(), ProclaimResponse.getDefaultInstance());
    public static final MethodDescriptor<LeaderRequest, LeaderResponse> LEADER = method(ELECTION_SERVICE_NAME,
            "Leader", MethodType.UNARY, LeaderRequest.getDefaultInstance(), LeaderResponse.getDefaultInstance());
    public static final MethodDescriptor<LeaderRequest, LeaderResponse> OBSERVE = method(ELECTION_SERVICE_NAME,
            "Observe", MethodType.SERVER_STREAMING, LeaderRequest.getDefaultInstance(),
            LeaderResponse.getDefaultInstance());
    public static final MethodDescriptor<ResignRequest, ResignResponse> RESIGN = method(ELECTION_SERVICE_NAME,
            "Resign", MethodType.UNARY, ResignRequest.getDefaultInstance(), ResignResponse.getDefaultInstance());
    public static final ServiceDescriptor ELECTION_SERVICE = ServiceDescriptor.newBuilder(ELECTION_SERVICE_NAME)
            .addMethod(CAMPAIGN).addMethod(PROCLAIM).addMethod(LEADER).addMethod(OBSERVE).addMethod(RESIGN).build();

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(String service, String name,
            MethodType type, Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }
}
