package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test hook: a {@link FileIO} whose disk can be made to fail while the member runs. In {@link Mode#FAIL_SYNCS}
 * every sync fails (EIO), in {@link Mode#FAIL_WRITES} every write, truncation and sync, in {@link Mode#FULL} every
 * write that would grow a file fails with ENOSPC (overwriting allocated bytes still works, as on a full file
 * system). The errors name the file.
 *
 * <p>A test or the simulator sets the mode with {@link #setMode}. A member process started with
 * {@code -Dcairn.fault.disk=<control file>} (see {@link FileIOs}) reads its mode from that file instead, so a
 * test switches the fault on from outside by writing {@code fail-syncs}, {@code fail-writes} or {@code full}
 * into it (and off by deleting it). Never in production.
 */
public final class FaultFileIO extends ForwardingFileIO {
    private static final Logger LOG = LoggerFactory.getLogger(FaultFileIO.class);
    /** How often the control file is looked at, at most. */
    private static final long CONTROL_CHECK_NANOS = 20_000_000L;

    /** What the disk does. */
    public enum Mode {
        WORKING, FAIL_SYNCS, FAIL_WRITES, FULL;

        /** The name used in a control file: {@code fail-syncs}, ... */
        public String flag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Mode parse(String text) {
            String t = text.strip();
            if (t.isEmpty()) {
                return WORKING;
            }
            for (Mode m : values()) {
                if (m.flag().equals(t)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown disk fault '" + t + "' (working, fail-syncs, fail-writes, full)");
        }
    }

    private final Path control;
    private final LongSupplier nanos;
    private volatile Mode mode = Mode.WORKING;
    private volatile long checkedAt;
    private volatile boolean checkedOnce;

    /** A fault disk over {@code base}, switched by {@link #setMode}. */
    public FaultFileIO(FileIO base) {
        this(base, null);
    }

    /** A fault disk over {@code base} whose mode is the content of {@code control} (working while it is absent). */
    public FaultFileIO(FileIO base, Path control) {
        super(base);
        this.control = control;
        this.nanos = System::nanoTime;
    }

    public void setMode(Mode m) {
        mode = m;
    }

    public Mode mode() {
        if (control != null) {
            long now = nanos.getAsLong();
            if (!checkedOnce || now - checkedAt >= CONTROL_CHECK_NANOS) {
                checkedAt = now;
                checkedOnce = true;
                Mode m = readControl();
                if (m != mode) {
                    LOG.warn("disk fault mode is now {} (from {})", m.flag(), control);
                    mode = m;
                }
            }
        }
        return mode;
    }

    private Mode readControl() {
        try {
            return Files.exists(control) ? Mode.parse(Files.readString(control, StandardCharsets.UTF_8)) : Mode.WORKING;
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("cannot read the disk fault control file {}: {}", control, e.toString());
            return mode;
        }
    }

    /** How many operations this disk failed on purpose so far. */
    public long injectedFailures() {
        return injectedFailures.get();
    }

    private final java.util.concurrent.atomic.AtomicLong injectedFailures = new java.util.concurrent.atomic.AtomicLong();

    private IOException eio(String what, Path path) {
        injectedFailures.incrementAndGet();
        return new IOException(what + " of " + path + " failed: Input/output error (EIO, injected disk fault)");
    }

    private IOException enospc(Path path) {
        injectedFailures.incrementAndGet();
        return new IOException("write to " + path + " failed: No space left on device (ENOSPC, injected disk fault)");
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        Mode m = mode();
        if (m == Mode.FAIL_SYNCS || m == Mode.FAIL_WRITES) {
            throw eio("sync", dir);
        }
        super.syncDirectory(dir);
    }

    @Override
    public FileHandle open(Path path, boolean create) throws IOException {
        if (create && mode() == Mode.FULL && !base.exists(path)) {
            throw enospc(path);
        }
        return super.open(path, create);
    }

    @Override
    protected FileHandle wrap(Path path, FileHandle opened) {
        return new Handle(opened) {
            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                Mode m = mode();
                if (m == Mode.FAIL_WRITES) {
                    throw eio("write", path);
                }
                if (m == Mode.FULL && position + src.remaining() > base.size()) {
                    throw enospc(path);
                }
                return super.write(src, position);
            }

            @Override
            public void force() throws IOException {
                Mode m = mode();
                if (m == Mode.FAIL_SYNCS || m == Mode.FAIL_WRITES) {
                    throw eio("fsync", path);
                }
                super.force();
            }

            @Override
            public void truncate(long size) throws IOException {
                Mode m = mode();
                if (m == Mode.FAIL_WRITES) {
                    throw eio("truncate", path);
                }
                if (m == Mode.FULL && size > base.size()) {
                    throw enospc(path);
                }
                super.truncate(size);
            }
        };
    }
}
