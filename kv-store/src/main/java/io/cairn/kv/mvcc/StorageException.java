package io.cairn.kv.mvcc;

/**
 * RocksDB failed under the store (an I/O error, a closed database, corruption). Not a refused request: the store
 * cannot go on safely, and the Raft runtime should stop applying to this replica.
 */
public final class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
