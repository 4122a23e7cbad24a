package io.cairn.raft.transport;

/**
 * A peer request that got no answer: the peer could not be reached, closed the connection, refused the request
 * (another cluster, another wire version, nobody serves its kind), or its application failed it; the message says
 * which, naming the peer.
 */
public final class PeerRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PeerRequestException(String message) {
        super(message);
    }

    public PeerRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
