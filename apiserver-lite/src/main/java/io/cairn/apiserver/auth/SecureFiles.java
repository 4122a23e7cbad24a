package io.cairn.apiserver.auth;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writing small secret files (keys, certificates, kubeconfigs) so that a crash never leaves half of one.
 *
 * <p>The bytes go to a temporary file in the target's directory, created with its final permissions from the start
 * (so a private key is never readable by others, not even for a moment), are forced to disk, and the file is then
 * renamed over the target atomically; finally the directory is forced so the rename itself survives a crash. A reader
 * sees either the old file or the new one, never a torn one.
 *
 * <p>Where the file system has no POSIX permissions (Windows) the permissions are skipped. Stateless; thread-safe as
 * far as the file system is (two writers of one target: the last rename wins).
 */
public final class SecureFiles {
    /** rw------- : private keys and kubeconfigs. */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** rw-r--r-- : certificates, which are public. */
    public static final Set<PosixFilePermission> PUBLIC_READ = PosixFilePermissions.fromString("rw-r--r--");
    /** rwx------ : the directory that holds private keys. */
    public static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private SecureFiles() {}

    /** True when this JVM's default file system supports POSIX permissions. */
    public static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Replaces {@code target} by {@code data} atomically and durably, with {@code permissions} (where supported).
     * {@code target}'s directory must exist.
     */
    public static void writeAtomically(Path target, byte[] data, Set<PosixFilePermission> permissions)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = posix()
                ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(permissions))
                : Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            if (posix()) {
                // createTempFile's permissions are reduced by the umask; set them exactly (never wider than asked).
                Files.setPosixFilePermissions(tmp, permissions);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        fsyncDirectory(dir);
    }

    /** Creates {@code dir} (and parents) if missing; a directory this call creates gets {@code permissions}. */
    public static void createDirectory(Path dir, Set<PosixFilePermission> permissions) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Files.createDirectories(dir);
        if (posix()) {
            Files.setPosixFilePermissions(dir, permissions);
        }
    }

    /** The file's POSIX permissions, or null where the file system has none. */
    public static Set<PosixFilePermission> permissionsOf(Path file) throws IOException {
        return posix() ? Files.getPosixFilePermissions(file) : null;
    }

    /** fsync of a directory (raft-core's): makes the entries created or renamed in it durable; skipped off POSIX. */
    static void fsyncDirectory(Path dir) throws IOException {
        if (posix()) {
            io.cairn.raft.log.NioFileIO.fsyncDirectory(dir);
        }
    }
}
