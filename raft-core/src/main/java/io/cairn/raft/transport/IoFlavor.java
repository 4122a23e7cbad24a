package io.cairn.raft.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native epoll when the platform has it, NIO otherwise: the I/O handler factory, channel classes and the
 * epoll-only TCP_USER_TIMEOUT option.
 *
 * <p>The epoll classes are looked up by name rather than imported: raft-core's build has the native epoll
 * artifact at run time only (the Netty BOM scopes it so), and a member on a platform without it (macOS,
 * aarch64 without the jar) must still start. When anything about epoll cannot be loaded, NIO it is.
 */
public record IoFlavor(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannelClass,
        Class<? extends SocketChannel> socketChannelClass, ChannelOption<Integer> tcpUserTimeout) {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    private static final String EPOLL = "io.netty.channel.epoll.";

    /** Native epoll if {@code preferEpoll} and the platform has it, NIO otherwise. */
    public static IoFlavor choose(boolean preferEpoll) {
        if (preferEpoll) {
            IoFlavor epoll = epoll();
            if (epoll != null) {
                return epoll;
            }
        }
        return new IoFlavor("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class,
                null);
    }

    @SuppressWarnings("unchecked")
    private static IoFlavor epoll() {
        try {
            Class<?> epoll = Class.forName(EPOLL + "Epoll");
            if (!(Boolean) epoll.getMethod("isAvailable").invoke(null)) {
                LOG.debug("native epoll is not available: {}",
                        String.valueOf(epoll.getMethod("unavailabilityCause").invoke(null)));
                return null;
            }
            IoHandlerFactory factory = (IoHandlerFactory) Class.forName(EPOLL + "EpollIoHandler")
                    .getMethod("newFactory").invoke(null);
            Class<? extends ServerChannel> server = (Class<? extends ServerChannel>) Class.forName(
                    EPOLL + "EpollServerSocketChannel");
            Class<? extends SocketChannel> socket = (Class<? extends SocketChannel>) Class.forName(
                    EPOLL + "EpollSocketChannel");
            ChannelOption<Integer> userTimeout = (ChannelOption<Integer>) Class.forName(EPOLL + "EpollChannelOption")
                    .getField("TCP_USER_TIMEOUT").get(null);
            return new IoFlavor("epoll", factory, server, socket, userTimeout);
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            LOG.debug("native epoll cannot be loaded: {}", e.toString());
            return null;
        }
    }
}
