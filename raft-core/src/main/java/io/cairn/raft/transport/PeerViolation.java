package io.cairn.raft.transport;

import io.netty.handler.codec.DecoderException;

/**
 * A peer broke the protocol: bytes that do not parse, a frame over the limit, no Hello, a message the core's
 * types refuse, a snapshot chunk out of order. The connection is closed and logged as a bad peer; the member
 * goes on serving everyone else. A {@link DecoderException} so that Netty's decoders pass it on unwrapped.
 */
final class PeerViolation extends DecoderException {
    private static final long serialVersionUID = 1L;

    PeerViolation(String reason) {
        super(reason);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // a peer's mistake, not ours: the stack says nothing and costs an allocation per bad frame
    }
}
