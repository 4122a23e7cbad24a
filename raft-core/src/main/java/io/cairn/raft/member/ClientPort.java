package io.cairn.raft.member;

import io.cairn.raft.member.proto.MemberRequest;
import io.cairn.raft.member.proto.MemberResponse;
import io.cairn.raft.member.proto.MemberStatus;
import io.cairn.raft.server.RaftException;
import io.cairn.raft.server.RaftGroup;
import io.cairn.raft.transport.IoFlavor;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client port of {@code cairn raft member}: puts, deletes and linearizable gets on the replicated map, over
 * length-delimited protobuf frames ({@code cairn_member.proto}). Requests are pipelined: answers carry the
 * request id and leave as soon as each is ready. A member that does not lead answers NOT_LEADER with the
 * leader's client address, so clients find the leader in one hop.
 */
public final class ClientPort implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientPort.class);
    /** Client frames are small; anything larger is refused. */
    static final int FRAME_MAX_BYTES = 4 << 20;

    private static final IoFlavor IO = IoFlavor.choose(true);
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, IO.ioHandlerFactory());
    private final Channel channel;

    /** The groups a member serves (each with its map), and its log writer's counters for the stats request. */
    public record Served(Map<Long, RaftGroup> groups, Map<Long, ReplicatedMap> maps, LongSupplier fsyncs,
            LongSupplier fsyncsShared) {}

    /**
     * Listens on {@code address}, serving the groups of {@code served}; {@code clientAddressOf} gives the client
     * address of a member (for NOT_LEADER answers).
     */
    public ClientPort(InetSocketAddress address, Served served, LongFunction<String> clientAddressOf)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(IO.serverChannelClass())
                .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ProtoFrames.Decoder<>(MemberRequest.parser(), FRAME_MAX_BYTES),
                                new Handler(served, clientAddressOf));
                    }
                });
        this.channel = b.bind(address).sync().channel();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * One connection. Puts and deletes read in one burst are proposed together, per group
     * ({@link RaftGroup#proposeAllHere}: a follower answers NOT_LEADER with the leader's address), when the
     * burst ends; answers, completed on the apply threads, queue up and
     * leave encoded in one buffer, with one write and one flush, per drain of the queue on the connection's event
     * loop.
     */
    private static final class Handler extends SimpleChannelInboundHandler<MemberRequest> {
        /** Writes gathered from one read burst; a burst is bounded by the channel's read buffer. */
        private static final int BATCH_MAX = 1024;

        private final Served served;
        private final LongFunction<String> clientAddressOf;
        /** Per group, the writes of this burst and their commands. */
        private final Map<Long, List<MemberRequest>> writes = new java.util.HashMap<>();
        private final Map<Long, List<byte[]>> commands = new java.util.HashMap<>();
        private int pendingWrites;
        private final Queue<MemberResponse> answers = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean drainScheduled = new AtomicBoolean();
        private ChannelHandlerContext ctx;

        Handler(Served served, LongFunction<String> clientAddressOf) {
            this.served = served;
            this.clientAddressOf = clientAddressOf;
        }

        private void write(long groupId, MemberRequest req, byte[] command) {
            writes.computeIfAbsent(groupId, g -> new ArrayList<>()).add(req);
            commands.computeIfAbsent(groupId, g -> new ArrayList<>()).add(command);
            pendingWrites++;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MemberRequest req) {
            try {
                serve(req);
            } catch (IllegalArgumentException e) { // a key too long for a command
                answer(MemberResponse.newBuilder().setId(req.getId()).setStatus(MemberStatus.ERROR)
                        .setError(e.getMessage()).build());
            }
        }

        private void serve(MemberRequest req) {
            long groupId = req.getGroup() == 0 ? 1 : req.getGroup();
            RaftGroup raft = served.groups().get(groupId);
            ReplicatedMap map = served.maps().get(groupId);
            if (raft == null && req.getOpCase() != MemberRequest.OpCase.STATS) {
                answer(MemberResponse.newBuilder().setId(req.getId()).setStatus(MemberStatus.ERROR)
                        .setError("this member serves no group " + Long.toUnsignedString(groupId)).build());
                return;
            }
            switch (req.getOpCase()) {
                case PUT -> write(groupId, req, ReplicatedMap.put(req.getPut().getKey(), req.getPut().getValue()));
                case DELETE -> write(groupId, req, ReplicatedMap.delete(req.getDelete().getKey()));
                case STATS -> answer(ok(req.getId()).setFsyncs(served.fsyncs().getAsLong())
                        .setFsyncsShared(served.fsyncsShared().getAsLong()).build());
                case GET -> (req.getGet().getSerializable()
                        ? CompletableFuture.completedFuture(map.get(req.getGet().getKey()))
                        : raft.read(() -> map.get(req.getGet().getKey()))).whenComplete((v, error) -> {
                            if (error != null) {
                                answer(failure(req.getId(), error));
                                return;
                            }
                            MemberResponse.Builder r = ok(req.getId()).setFound(v != null);
                            answer((v == null ? r : r.setValue(ByteString.copyFrom(v))).build());
                        });
                case DIGEST -> answer(ok(req.getId()).setSize(map.size())
                        .setAppliedIndex(raft.status().appliedIndex()).setLeaderId(raft.status().leader())
                        .setValue(ByteString.copyFrom(map.digest())).build());
                case OP_NOT_SET -> answer(MemberResponse.newBuilder().setId(req.getId())
                        .setStatus(MemberStatus.ERROR).setError("a request needs an operation").build());
            }
            if (pendingWrites >= BATCH_MAX) {
                proposeWrites();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            proposeWrites();
            ctx.fireChannelReadComplete();
        }

        private void proposeWrites() {
            if (pendingWrites == 0) {
                return;
            }
            for (Map.Entry<Long, List<MemberRequest>> e : writes.entrySet()) {
                List<MemberRequest> requests = e.getValue();
                List<byte[]> batch = commands.get(e.getKey());
                RaftGroup raft = served.groups().get(e.getKey());
                List<CompletableFuture<Object>> results = raft.proposeAllHere(batch);
                for (int i = 0; i < results.size(); i++) {
                    long id = requests.get(i).getId();
                    byte[] command = batch.get(i);
                    results.get(i).whenComplete((prev, error) -> {
                        if (error != null && batch.size() > 1 && tooLarge(error)) {
                            // Too large together: alone, only a command that is itself too large fails.
                            raft.proposeHere(command).whenComplete((p, alone) -> answer(alone == null ? ok(id).build()
                                    : failure(id, alone)));
                            return;
                        }
                        answer(error == null ? ok(id).build() : failure(id, error));
                    });
                }
            }
            writes.clear();
            commands.clear();
            pendingWrites = 0;
        }

        private static boolean tooLarge(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            return cause instanceof RaftException re && re.reason() == RaftException.Reason.TOO_LARGE;
        }

        /** Queues an answer (from any thread); the first one queued schedules a drain on the event loop. */
        private void answer(MemberResponse r) {
            answers.add(r);
            if (drainScheduled.compareAndSet(false, true)) {
                ctx.channel().eventLoop().execute(this::drain);
            }
        }

        private void drain() {
            drainScheduled.set(false);
            if (!ctx.channel().isActive()) {
                answers.clear(); // the client is gone: nobody to answer
                return;
            }
            List<MemberResponse> out = new ArrayList<>();
            MemberResponse r;
            while ((r = answers.poll()) != null) {
                out.add(r);
            }
            if (!out.isEmpty()) {
                ctx.writeAndFlush(ProtoFrames.encodeAll(ctx.alloc(), out), ctx.voidPromise());
            }
        }

        private static MemberResponse.Builder ok(long id) {
            return MemberResponse.newBuilder().setId(id).setStatus(MemberStatus.OK);
        }

        private MemberResponse failure(long id, Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            MemberResponse.Builder r = MemberResponse.newBuilder().setId(id);
            if (!(cause instanceof RaftException re)) {
                return r.setStatus(MemberStatus.ERROR).setError(String.valueOf(cause)).build();
            }
            MemberStatus status = switch (re.reason()) {
                case NOT_LEADER, TRANSFERRING, CLOSED -> MemberStatus.NOT_LEADER;
                case OVERLOADED -> MemberStatus.OVERLOADED;
                case LOST -> MemberStatus.LOST;
                case UNKNOWN_OUTCOME -> MemberStatus.UNKNOWN;
                default -> MemberStatus.ERROR;
            };
            r.setStatus(status).setError(re.getMessage()).setLeaderId(re.leaderHint());
            String leader = re.leaderHint() == 0 ? null : clientAddressOf.apply(re.leaderHint());
            return (leader == null ? r : r.setLeaderAddress(leader)).build();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.info("client {} disconnected: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /** Parses {@code id=host:peerPort[:clientPort],...}. */
    public static Map<Long, String[]> parsePeers(String spec) {
        Map<Long, String[]> out = new java.util.TreeMap<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("peer '" + p + "' is not id=host:peerPort[:clientPort]");
            }
            String[] hostPorts = p.substring(eq + 1).split(":");
            if (hostPorts.length < 2 || hostPorts.length > 3) {
                throw new IllegalArgumentException("peer '" + p + "' is not id=host:peerPort[:clientPort]");
            }
            out.put(Long.parseLong(p.substring(0, eq)), hostPorts);
        }
        return out;
    }
}
