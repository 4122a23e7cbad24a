package io.cairn.raft.transport;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection's handlers do when something goes wrong, in one place so every path logs alike: a peer
 * that broke the protocol is counted and logged once (one WARN line with this member, the peer's address,
 * its member id when known, and the reason) and disconnected; a connection that merely failed (reset,
 * refused, timed out) is closed with a DEBUG line; anything else is a bug of ours, logged with its stack.
 * Never rethrows: nothing a peer does may reach an event loop's own error handling.
 */
final class PeerErrors {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    /** Set on a channel once it has been reported, so a connection is reported at most once. */
    private static final AttributeKey<Boolean> REPORTED = AttributeKey.valueOf("cairn.reported");

    private PeerErrors() {}

    /** Disconnects {@code ch}, whose peer broke the protocol. Safe from any thread. */
    static void badPeer(Channel ch, long localId, long peerId, String reason, Counters counters) {
        if (ch.attr(REPORTED).setIfAbsent(Boolean.TRUE) == null) {
            counters.badPeers.increment();
            LOG.warn("n{}: disconnecting bad peer {} ({}): {}", localId, address(ch), member(peerId), reason);
        }
        ch.close();
    }

    /** Handles an exception that reached the end of a connection's pipeline. */
    static void caught(Channel ch, Throwable cause, long localId, long peerId, Counters counters) {
        javax.net.ssl.SSLException tls = sslCause(cause);
        if (cause instanceof PeerViolation) {
            badPeer(ch, localId, peerId, cause.getMessage(), counters);
        } else if (tls != null) {
            badPeer(ch, localId, peerId, "TLS handshake failed: " + tls.getMessage(), counters);
        } else if (cause instanceof IOException) {
            LOG.debug("n{}: connection {} ({}) failed: {}", localId, address(ch), member(peerId), cause.toString());
            ch.close();
        } else if (ch.attr(REPORTED).setIfAbsent(Boolean.TRUE) == null) {
            LOG.error("n{}: unexpected error on connection {} ({}); closing it", localId, address(ch), member(peerId),
                    cause);
            ch.close();
        } else {
            ch.close();
        }
    }

    /** The handshake failure behind {@code t} (a certificate refused, or no TLS at all), or null. */
    private static javax.net.ssl.SSLException sslCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof javax.net.ssl.SSLHandshakeException || c instanceof io.netty.handler.ssl.NotSslRecordException) {
                return (javax.net.ssl.SSLException) c;
            }
        }
        return null;
    }

    static String member(long peerId) {
        return peerId == 0 ? "member unknown" : "member " + Long.toUnsignedString(peerId);
    }

    private static SocketAddress address(Channel ch) {
        SocketAddress a = ch.remoteAddress();
        return a != null ? a : ch.localAddress();
    }
}
