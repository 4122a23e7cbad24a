package io.cairn.kv;

import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.LeaseGrantResponse;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.cairn.kv.proto.etcd.LeaseLeasesResponse;
import io.cairn.kv.proto.etcd.LeaseRevokeRequest;
import io.cairn.kv.proto.etcd.LeaseRevokeResponse;
import io.cairn.kv.proto.etcd.LeaseTimeToLiveRequest;
import io.cairn.kv.proto.etcd.LeaseTimeToLiveResponse;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Lease service as Cairn serves it, in etcd's messages; {@link KvStore} is the implementation. Futures fail
 * with a {@link io.cairn.kv.mvcc.KvException} carrying etcd's code and text. Every method returns at once; any
 * thread.
 */
public interface LeaseService {
    CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request);

    CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request);

    /** A grant from the caller an etcd auth token names (null: none); a service without auth ignores it. */
    default CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request, String token) {
        return leaseGrant(request);
    }

    /** A revoke from the caller an etcd auth token names (null: none); a service without auth ignores it. */
    default CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request, String token) {
        return leaseRevoke(request);
    }

    /** One keep-alive (the gRPC stream sends one per request). */
    CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request);

    CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request);

    CompletableFuture<LeaseLeasesResponse> leaseLeases();
}
