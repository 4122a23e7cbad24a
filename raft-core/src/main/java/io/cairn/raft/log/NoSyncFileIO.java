package io.cairn.raft.log;

import java.nio.file.Path;

/**
 * A {@link FileIO} whose syncs do nothing: for measuring how fast the rest of the system is without the disk's
 * sync latency ({@code cairn bench raft --upper}). A member on it loses acknowledged writes on a power cut, so it
 * is never a choice for real data.
 */
public final class NoSyncFileIO extends ForwardingFileIO {
    public NoSyncFileIO(FileIO base) {
        super(base);
    }

    @Override
    protected FileHandle wrap(Path path, FileHandle opened) {
        return new Handle(opened) {
            @Override
            public void force() {
                // the point of this FileIO
            }
        };
    }

    @Override
    public void syncDirectory(Path dir) {
        // the point of this FileIO
    }
}
