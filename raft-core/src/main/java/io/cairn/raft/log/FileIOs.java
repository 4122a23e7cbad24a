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

    /**
     * System property naming a control file whose content switches a {@link FaultFileIO} while the member runs
     * ({@code fail-syncs}, {@code fail-writes}, {@code full}; absent or empty: a working disk). For fault tests only.
     */
    public static final String DISK_FAULT_PROPERTY = "cairn.fault.disk";

    private FileIOs() {}

    /**
     * {@link NioFileIO}, wrapped in {@link UnsyncedInMemoryFileIO} when {@value #LOSE_UNSYNCED_PROPERTY} is true,
     * and then in a {@link FaultFileIO} when {@value #DISK_FAULT_PROPERTY} names a control file.
     */
    public static FileIO fromSystemProperties() {
        FileIO io = new NioFileIO();
        if (Boolean.getBoolean(LOSE_UNSYNCED_PROPERTY)) {
            LOG.warn("fault mode {}=true: unsynced log bytes stay in memory and a kill -9 loses them",
                    LOSE_UNSYNCED_PROPERTY);
            io = new UnsyncedInMemoryFileIO(io);
        }
        String control = System.getProperty(DISK_FAULT_PROPERTY);
        if (control != null && !control.isBlank()) {
            LOG.warn("fault mode {}={}: the log's disk fails as that file says", DISK_FAULT_PROPERTY, control);
            io = new FaultFileIO(io, java.nio.file.Path.of(control));
        }
        return io;
    }
}
