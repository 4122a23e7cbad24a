/**
 * The etcd v3 gRPC server over {@link io.cairn.kv.KvService}: what etcdctl, jetcd and other etcd clients talk to.
 *
 * <p>Tour: {@link io.cairn.kv.server.EtcdKvGrpc} holds the hand-written method descriptors of etcd's
 * {@code service KV} (the gRPC code generator is not available here); {@link io.cairn.kv.server.KvGrpcService}
 * binds them to a KvService (size check, admission, dispatch, answer); {@link io.cairn.kv.server.GrpcErrors}
 * is the one translation between {@link io.cairn.kv.mvcc.KvException} and gRPC status, both ways;
 * {@link io.cairn.kv.server.KvClient} is a KvService over a gRPC channel (a follower forwarding to its leader,
 * tests); {@link io.cairn.kv.server.KvGrpcServer} is the Netty server with its limits in
 * {@link io.cairn.kv.server.KvServerLimits}. Watch, Lease, Cluster, Maintenance and Auth are to come.
 */
package io.cairn.kv.server;
