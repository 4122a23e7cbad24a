package io.cairn.raft.transport;

import java.util.concurrent.CompletableFuture;

/**
 * What a member's application answers on its peer port besides Raft: questions that a process which is not a
 * member yet may ask (etcd's new member asks a peer {@code GET /members} to learn its own id), and requests that
 * only the leader can decide (etcd forwards a learner's promotion to the leader's peer port). The transport hands
 * each {@code PbPeerRequest} to {@link #handle} and writes back one {@code PbPeerResponse} with its result.
 *
 * <p>Called on the connection's event loop: an implementation must not block. It answers from memory, or starts
 * the work elsewhere and completes the future later; the transport gives up after
 * {@link NettyTransportConfig#peerRequestTimeoutMillis} and answers "timed out". A future that fails is answered
 * with the failure's message as the error; the caller sees it as a {@link PeerRequestException}.
 */
@FunctionalInterface
public interface PeerRequestHandler {
    /**
     * The answer to question {@code kind} with arguments {@code body}; {@code kind} and both encodings are the
     * application's own. A kind the application does not serve should fail the future, saying so.
     */
    CompletableFuture<byte[]> handle(String kind, byte[] body);
}
