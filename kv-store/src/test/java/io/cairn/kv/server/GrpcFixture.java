package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cairn.kv.KvService;
import io.cairn.kv.mvcc.KvException;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Servers on 127.0.0.1 ephemeral ports, grpc-java channels to them and temporary stores, all closed (newest first)
 * by {@link #close()}.
 */
final class GrpcFixture implements AutoCloseable {
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** The refusal a call failed with, after KvClient's translation; fails the test if it did not fail so. */
    static KvException refusal(CompletableFuture<?> call) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(30, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(KvException.class);
        return (KvException) e.getCause();
    }

    static InetSocketAddress loopbackEphemeral() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    KvGrpcServer server(KvService kv, KvServerLimits limits) throws IOException {
        return server(List.of(loopbackEphemeral()), kv, limits);
    }

    KvGrpcServer server(List<InetSocketAddress> listen, KvService kv, KvServerLimits limits) throws IOException {
        KvGrpcServer server = KvGrpcServer.start(listen, kv, limits);
        opened.push(server);
        return server;
    }

    /** A server over a fresh {@link TestOnlyMvccKvService} with the default limits. */
    KvGrpcServer storeServer() throws IOException {
        return server(store(), KvServerLimits.DEFAULTS);
    }

    /** A single-member {@link io.cairn.kv.KvStore} in a temporary directory. */
    io.cairn.kv.KvStore kvStore() throws IOException {
        Path dir = Files.createTempDirectory("kv-store-test-");
        opened.push(() -> deleteTree(dir));
        io.cairn.kv.KvStore kv = io.cairn.kv.KvStore.open(dir);
        opened.push(kv);
        return kv;
    }

    /** A server of etcd's KV, Watch and Lease services over {@code kv}. */
    KvGrpcServer watchServer(io.cairn.kv.KvStore kv, KvServerLimits limits) throws IOException {
        KvGrpcServer server = KvGrpcServer.start(List.of(loopbackEphemeral()), kv, limits);
        opened.push(server);
        return server;
    }

    TestOnlyMvccKvService store() throws IOException {
        Path dir = Files.createTempDirectory("kv-grpc-test-");
        opened.push(() -> deleteTree(dir));
        TestOnlyMvccKvService store = new TestOnlyMvccKvService(dir.resolve("store"));
        opened.push(store);
        return store;
    }

    ManagedChannel channel(InetSocketAddress to) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(to).usePlaintext().build();
        opened.push(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        return channel;
    }

    ManagedChannel channel(KvGrpcServer server) {
        return channel(server.addresses().get(0));
    }

    KvClient client(KvGrpcServer server) {
        return new KvClient(channel(server), CALL_TIMEOUT);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IOException("closing a test resource failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
