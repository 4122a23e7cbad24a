package io.cairn.bench.kv;

import io.cairn.kv.server.KvClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC connections of {@code bench compare}'s client, laid out as etcd 3.4's own benchmark tool lays out its
 * {@code --conns} and {@code --clients} when {@code --target-leader} is off (its default): connection {@code i}
 * dials the single endpoint {@code i mod n} of the {@code n} given, and client {@code j} sends every request on
 * connection {@code j mod connections}. So with 100 connections and three members each member gets 34, 33 and 33
 * connections, and a connection's requests all go to one member (a follower forwards writes to its leader, as with
 * etcd). One connection is one grpc-java {@link ManagedChannel} (one HTTP/2 connection, requests multiplexed on it).
 *
 * <p>Answers run on the channel's own event loop ({@code directExecutor}): the closed loops only record a number and
 * send the next request there, and a hand-off to another thread per answer would cost the client CPU it shares
 * with the members. Every call carries a deadline ({@link #CALL_TIMEOUT}).
 *
 * <p>Immutable after construction; any thread.
 */
final class Connections implements AutoCloseable {
    /** Deadline of every call: a request lost with a member fails the client's loop instead of stalling it. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** Clients per connection, as {@code --conns=100 --clients=1000} of etcd's benchmark. */
    static final int CLIENTS_PER_CONNECTION = 10;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<KvClient> kvs = new ArrayList<>();

    Connections(List<InetSocketAddress> endpoints, int count) {
        for (int i = 0; i < count; i++) {
            InetSocketAddress e = endpoints.get(i % endpoints.size());
            ManagedChannel channel = NettyChannelBuilder.forAddress(e.getHostString(), e.getPort()).usePlaintext()
                    .directExecutor().build();
            channels.add(channel);
            kvs.add(new KvClient(channel, CALL_TIMEOUT));
        }
    }

    /** The connections for {@code clients} clients: one per {@link #CLIENTS_PER_CONNECTION}, at least one. */
    static int forClients(int clients) {
        return Math.max(1, (clients + CLIENTS_PER_CONNECTION - 1) / CLIENTS_PER_CONNECTION);
    }

    int count() {
        return channels.size();
    }

    /** The connection client {@code client} uses. */
    ManagedChannel channel(int client) {
        return channels.get(client % channels.size());
    }

    /** An etcd KV client on client {@code client}'s connection. */
    KvClient kv(int client) {
        return kvs.get(client % kvs.size());
    }

    @Override
    public void close() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels) {
            c.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
