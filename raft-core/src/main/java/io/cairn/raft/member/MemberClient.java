package io.cairn.raft.member;

import com.google.protobuf.ByteString;
import io.cairn.raft.member.proto.DeleteOp;
import io.cairn.raft.member.proto.DigestOp;
import io.cairn.raft.member.proto.GetOp;
import io.cairn.raft.member.proto.MemberRequest;
import io.cairn.raft.member.proto.MemberResponse;
import io.cairn.raft.member.proto.MemberStatus;
import io.cairn.raft.member.proto.PutOp;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of {@code cairn raft member}'s client port, for the benchmark and the multi-process tests: one
 * connection per member, pipelined requests correlated by id, a timeout on each. {@link #put} follows
 * NOT_LEADER answers to the leader and retries elsewhere when a member is unreachable, within its deadline.
 * Thread-safe.
 */
public final class MemberClient implements AutoCloseable {
    private static final io.cairn.raft.transport.IoFlavor IO = io.cairn.raft.transport.IoFlavor.choose(true);
    private final EventLoopGroup group;
    private final List<InetSocketAddress> members;
    /** One connection per member: the connect in flight or done, shared by every request that needs it. */
    private final Map<String, CompletableFuture<Channel>> channels = new ConcurrentHashMap<>();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    /** One timer sweeps every request's deadline, instead of one scheduled task per request. */
    private final io.netty.util.concurrent.ScheduledFuture<?> sweeper;

    private record Pending(CompletableFuture<MemberResponse> future, long deadlineNanos, InetSocketAddress member) {}
    private final AtomicLong ids = new AtomicLong();
    /** Per group, the member that answered the last put there. */
    private final Map<Long, InetSocketAddress> leaderGuess = new ConcurrentHashMap<>();

    public MemberClient(List<InetSocketAddress> members, int ioThreads) {
        this.members = List.copyOf(members);
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, IO.ioHandlerFactory());
        this.sweeper = group.scheduleAtFixedRate(this::expire, 50, 50, TimeUnit.MILLISECONDS);
    }

    private void expire() {
        long now = System.nanoTime();
        for (Pending p : pending.values()) {
            if (now - p.deadlineNanos() >= 0) {
                p.future().completeExceptionally(new TimeoutException("no answer from " + p.member()));
            }
        }
    }

    /** Sends one request to {@code member}; fails after {@code timeoutMillis} without an answer. */
    public CompletableFuture<MemberResponse> send(InetSocketAddress member, MemberRequest.Builder request,
            long timeoutMillis) {
        long id = ids.incrementAndGet();
        MemberRequest req = request.setId(id).build();
        CompletableFuture<MemberResponse> f = new CompletableFuture<>();
        pending.put(id, new Pending(f, System.nanoTime() + timeoutMillis * 1_000_000L, member));
        f.whenComplete((r, e) -> pending.remove(id));
        channel(member).whenComplete((ch, error) -> {
            if (error != null) {
                f.completeExceptionally(error);
                return;
            }
            outbox(ch).send(req, f);
        });
        return f;
    }

    /** Result of a write: OK, LOST (certainly not applied) or UNKNOWN (maybe applied), with the member used. */
    public record Outcome(MemberStatus status, String detail) {}

    /**
     * Puts {@code key=value} through the leader, following redirects and retrying while it is certain nothing
     * was applied, until {@code deadlineMillis} from now. The outcome is UNKNOWN as soon as a request may have
     * reached a member and no answer came: it is not sent again, so it takes effect at most once.
     */
    public CompletableFuture<Outcome> put(String key, byte[] value, long deadlineMillis) {
        return put(1, key, value, deadlineMillis);
    }

    /** {@link #put(String, byte[], long)} into Raft group {@code group} of the members. */
    public CompletableFuture<Outcome> put(long group, String key, byte[] value, long deadlineMillis) {
        MemberRequest.Builder req = MemberRequest.newBuilder().setGroup(group)
                .setPut(PutOp.newBuilder().setKey(key).setValue(ByteString.copyFrom(value)));
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        attempt(req, System.nanoTime() + deadlineMillis * 1_000_000L,
                leaderGuess.getOrDefault(group, members.get(0)), false, result);
        return result;
    }

    /** The member's log writer counters: data syncs, and those shared by more than one group. */
    public CompletableFuture<MemberResponse> stats(InetSocketAddress member) {
        return send(member, MemberRequest.newBuilder().setStats(io.cairn.raft.member.proto.StatsOp.getDefaultInstance()),
                5_000);
    }

    private void attempt(MemberRequest.Builder req, long deadlineNanos, InetSocketAddress target, boolean maybeSent,
            CompletableFuture<Outcome> result) {
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
            result.complete(new Outcome(maybeSent ? MemberStatus.UNKNOWN : MemberStatus.LOST, "deadline passed"));
            return;
        }
        send(target, req.clone(), Math.min(left, 2_000)).whenComplete((r, error) -> {
            if (error != null) {
                // No answer: the request may have reached the member (and been proposed) or not. A put is not
                // idempotent (another client's write may land between two copies of it), so it is sent again only
                // when it certainly never left (the connection was refused), as etcd's client retries mutations.
                boolean reached = !(error instanceof java.net.ConnectException)
                        && !(error.getCause() instanceof java.net.ConnectException);
                if (reached) {
                    result.complete(new Outcome(MemberStatus.UNKNOWN, "no answer from " + target + ": " + error));
                } else {
                    retryLater(req, deadlineNanos, next(target), maybeSent, result);
                }
                return;
            }
            switch (r.getStatus()) {
                case OK -> {
                    leaderGuess.put(req.getGroup() == 0 ? 1 : req.getGroup(), target);
                    result.complete(new Outcome(MemberStatus.OK, ""));
                }
                case NOT_LEADER, OVERLOADED -> retryLater(req, deadlineNanos, r.getLeaderAddress().isEmpty() ? next(target)
                        : parse(r.getLeaderAddress()), maybeSent, result);
                case LOST -> result.complete(new Outcome(maybeSent ? MemberStatus.UNKNOWN : MemberStatus.LOST,
                        r.getError()));
                default -> result.complete(new Outcome(MemberStatus.UNKNOWN, r.getError()));
            }
        });
    }

    private void retryLater(MemberRequest.Builder req, long deadlineNanos, InetSocketAddress target, boolean maybeSent,
            CompletableFuture<Outcome> result) {
        group.schedule(() -> attempt(req, deadlineNanos, target, maybeSent, result), 20, TimeUnit.MILLISECONDS);
    }

    private InetSocketAddress next(InetSocketAddress current) {
        int i = members.indexOf(current);
        return members.get((i + 1) % members.size());
    }

    private static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** A member's own view of a key, without a read index (serializable). */
    public CompletableFuture<MemberResponse> localGet(InetSocketAddress member, String key) {
        return send(member, MemberRequest.newBuilder().setGet(GetOp.newBuilder().setKey(key).setSerializable(true)),
                5_000);
    }

    /** A linearizable read through {@code member}. */
    public CompletableFuture<MemberResponse> get(InetSocketAddress member, String key) {
        return send(member, MemberRequest.newBuilder().setGet(GetOp.newBuilder().setKey(key)), 5_000);
    }

    public CompletableFuture<MemberResponse> delete(InetSocketAddress member, String key) {
        return send(member, MemberRequest.newBuilder().setDelete(DeleteOp.newBuilder().setKey(key)), 5_000);
    }

    /** A digest of the member's whole map (size, applied index, hash of contents). */
    public CompletableFuture<MemberResponse> digest(InetSocketAddress member) {
        return send(member, MemberRequest.newBuilder().setDigest(DigestOp.getDefaultInstance()), 5_000);
    }

    /**
     * The member's connection, dialling it once if there is none: requests sent while it connects wait for that
     * same connection (each dialling its own would close the others' when it won the race, losing requests).
     */
    private CompletableFuture<Channel> channel(InetSocketAddress member) {
        String key = member.toString();
        while (true) {
            CompletableFuture<Channel> current = channels.get(key);
            if (current != null && (!current.isDone()
                    || (!current.isCompletedExceptionally() && current.join().isActive()))) {
                return current;
            }
            CompletableFuture<Channel> fresh = new CompletableFuture<>();
            if (current == null ? channels.putIfAbsent(key, fresh) == null : channels.replace(key, current, fresh)) {
                connect(member, fresh);
                return fresh;
            }
        }
    }

    private void connect(InetSocketAddress member, CompletableFuture<Channel> f) {
        ChannelFuture connect = new Bootstrap().group(group).channel(IO.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        // requests sent while answers are being read (a closed loop's next request) leave in
                        // one flush when the read ends
                        c.pipeline().addLast(new ProtoFrames.Decoder<>(MemberResponse.parser(),
                                ClientPort.FRAME_MAX_BYTES), new Responses());
                    }
                }).connect(member);
        connect.addListener(c -> {
            if (c.isSuccess()) {
                f.complete(connect.channel());
            } else {
                f.completeExceptionally(c.cause());
            }
        });
    }

    private static final io.netty.util.AttributeKey<Outbox> OUTBOX = io.netty.util.AttributeKey.valueOf("cairn.outbox");

    private static Outbox outbox(Channel ch) {
        Outbox o = ch.attr(OUTBOX).get();
        if (o == null) {
            Outbox fresh = new Outbox(ch);
            o = ch.attr(OUTBOX).setIfAbsent(fresh);
            o = o == null ? fresh : o;
        }
        return o;
    }

    /**
     * A connection's requests waiting for the next write: whatever was sent meanwhile (a closed loop's next
     * requests, sent from the callbacks of the answers just read) leaves in one buffer with one flush.
     */
    private static final class Outbox {
        private final Channel ch;
        private record Queued(MemberRequest request, CompletableFuture<MemberResponse> future) {}

        private final java.util.Queue<Queued> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicBoolean scheduled = new java.util.concurrent.atomic.AtomicBoolean();

        Outbox(Channel ch) {
            this.ch = ch;
        }

        void send(MemberRequest req, CompletableFuture<MemberResponse> f) {
            queue.add(new Queued(req, f));
            if (scheduled.compareAndSet(false, true)) {
                ch.eventLoop().execute(this::flush);
            }
        }

        private void flush() {
            scheduled.set(false);
            List<MemberRequest> out = new java.util.ArrayList<>();
            List<CompletableFuture<MemberResponse>> futures = new java.util.ArrayList<>();
            Queued q;
            while ((q = queue.poll()) != null) {
                out.add(q.request());
                futures.add(q.future());
            }
            if (out.isEmpty()) {
                return;
            }
            ch.writeAndFlush(ProtoFrames.encodeAll(ch.alloc(), out)).addListener(w -> {
                if (!w.isSuccess()) {
                    futures.forEach(f -> f.completeExceptionally(w.cause()));
                }
            });
        }
    }

    private final class Responses extends SimpleChannelInboundHandler<MemberResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MemberResponse r) {
            Pending p = pending.get(r.getId());
            if (p != null) {
                p.future().complete(r);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        sweeper.cancel(false);
        channels.values().forEach(f -> f.thenAccept(Channel::close));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
