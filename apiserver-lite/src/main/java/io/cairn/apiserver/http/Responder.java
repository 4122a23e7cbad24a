package io.cairn.apiserver.http;

/** Where a request's answer goes: one whole body, or a stream of chunks (a watch). Any thread. */
public interface Responder {
    void respond(int code, String contentType, byte[] body);

    /** A warning for the client, sent with the answer (HTTP {@code Warning: 299 - "..."}); in-process callers drop it. */
    default void warn(String message) {
    }

    /** Starts a streamed answer (HTTP 200); chunks follow through the returned stream. */
    Stream stream(String contentType);

    interface Stream {
        /**
         * Sends one chunk; false when the receiver is too far behind (its buffer is over its bound) or gone: the
         * caller then ends the stream.
         */
        boolean send(byte[] chunk);

        /** Sends a chunk of the stream's initial state: not counted against the lag bound (false once it is gone). */
        default boolean sendInitial(byte[] chunk) {
            return send(chunk);
        }

        void end();

        /** Runs {@code r} once when the stream ends from either side. */
        void onClose(Runnable r);

        /** Runs {@code r} after {@code millis} unless the stream has ended (for timeouts and bookmarks). */
        void schedule(long millis, Runnable r);
    }
}
