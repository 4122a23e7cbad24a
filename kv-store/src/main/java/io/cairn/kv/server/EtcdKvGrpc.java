package io.cairn.kv.server;

import com.google.protobuf.Message;
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
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC descriptors of etcd's {@code service KV} (rpc.proto), written by hand: protoc generates our messages,
 * but the gRPC code-generator plugin is not available here, so this class is what it would have produced for the
 * wire: the full method names ({@code etcdserverpb.KV/Range}, ...), unary, with protobuf marshallers for etcd's
 * messages. A server binds them with {@link KvGrpcService}; a client calls them through {@link KvClient}.
 *
 * <p>The names are the contract with every etcd client: they must stay byte for byte etcd's
 * ({@code EtcdKvGrpcTest} checks them, and etcdctl exercises them). Immutable; any thread.
 */
public final class EtcdKvGrpc {
    private EtcdKvGrpc() {}

    /** etcd's proto package and service name. */
    public static final String SERVICE_NAME = "etcdserverpb.KV";

    public static final MethodDescriptor<RangeRequest, RangeResponse> RANGE =
            unary("Range", RangeRequest.getDefaultInstance(), RangeResponse.getDefaultInstance());

    public static final MethodDescriptor<PutRequest, PutResponse> PUT =
            unary("Put", PutRequest.getDefaultInstance(), PutResponse.getDefaultInstance());

    public static final MethodDescriptor<DeleteRangeRequest, DeleteRangeResponse> DELETE_RANGE = unary(
            "DeleteRange", DeleteRangeRequest.getDefaultInstance(), DeleteRangeResponse.getDefaultInstance());

    public static final MethodDescriptor<TxnRequest, TxnResponse> TXN =
            unary("Txn", TxnRequest.getDefaultInstance(), TxnResponse.getDefaultInstance());

    public static final MethodDescriptor<CompactionRequest, CompactionResponse> COMPACT = unary(
            "Compact", CompactionRequest.getDefaultInstance(), CompactionResponse.getDefaultInstance());

    /** The service with its five methods, in rpc.proto's order. */
    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME)
            .addMethod(RANGE)
            .addMethod(PUT)
            .addMethod(DELETE_RANGE)
            .addMethod(TXN)
            .addMethod(COMPACT)
            .build();

    private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(
            String method, Q requestPrototype, R responsePrototype) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, method))
                .setRequestMarshaller(ProtoUtils.marshaller(requestPrototype))
                .setResponseMarshaller(ProtoUtils.marshaller(responsePrototype))
                .build();
    }
}
