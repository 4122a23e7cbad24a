package io.cairn.kv.server;

import io.cairn.kv.proto.etcd.WatchRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The gRPC descriptor of etcd's {@code service Watch}, written by hand as {@link EtcdKvGrpc} is: one bidirectional
 * streaming method, {@code etcdserverpb.Watch/Watch}. Immutable; any thread.
 */
public final class EtcdWatchGrpc {
    private EtcdWatchGrpc() {}

    public static final String SERVICE_NAME = "etcdserverpb.Watch";

    public static final MethodDescriptor<WatchRequest, WatchResponse> WATCH =
            MethodDescriptor.<WatchRequest, WatchResponse>newBuilder()
                    .setType(MethodType.BIDI_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE_NAME, "Watch"))
                    .setRequestMarshaller(ProtoUtils.marshaller(WatchRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(WatchResponse.getDefaultInstance()))
                    .build();

    public static final ServiceDescriptor SERVICE = ServiceDescriptor.newBuilder(SERVICE_NAME).addMethod(WATCH).build();
}
