package io.cairn.apiserver.storage;

/** A store request that failed; {@link Kind} says how the API server answers it. */
public final class StorageException extends RuntimeException {
    public enum Kind {
        /** The revision asked for is compacted away (HTTP 410). */
        COMPACTED,
        /** The request is over the store's size limit (HTTP 413). */
        TOO_LARGE,
        /** No leader, closed, overloaded: try again (HTTP 503). */
        UNAVAILABLE,
        /** Not answered in time: a write may or may not have happened (HTTP 504). */
        TIMEOUT,
        /** Anything else (HTTP 500). */
        INTERNAL
    }

    private final Kind kind;

    public StorageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
