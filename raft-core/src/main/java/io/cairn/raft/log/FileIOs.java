package io.cairn.raft.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the {@link FileIO} a member runs on. */
public final class FileIOs {
    private static final Logger LOG = LoggerFactory.getLogger(FileIOs.class);

    /**
     * System property that turns on the fault mode: unsynced bytes stay in memory ({@link UnsyncedInMemoryFileIO}),
     * so that {@code kill -9} loses them as a power cut would. For crash tests only; never in production.
     */
    public static final String LOSE_UNSYNCED_PROPERTY = "cairn.fault.lose-unsynced";

    private FileIOs() {}

    /** {@link NioFileIO}, wrapped in {@link UnsyncedInMemoryFileIO} when {@value #LOSE_UNSYNCED_PROPERTY} is true. */
    public static FileIO fromSystemProperties() {
        if (Boolean.getBoolean(LOSE_UNSYNCED_PROPERTY)) {
            LOG.warn("fault mode {}=true: unsynced log bytes stay in memory and a kill -9 loses them",
                    LOSE_UNSYNCED_PROPERTY);
            return new UnsyncedInMemoryFileIO(new NioFileIO());
        }
        return new NioFileIO();
    }
}
