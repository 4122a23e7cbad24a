package io.cairn.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real file system behind {@link FileIO}, and the system property that chooses the fault mode. */
class NioFileIOTest {
    @TempDir
    Path dir;

    private final NioFileIO io = new NioFileIO();

    @AfterEach
    void clearProperty() {
        System.clearProperty(FileIOs.LOSE_UNSYNCED_PROPERTY);
    }

    @Test
    void positionalWritesReadsTruncationAndSyncs() throws IOException {
        Path file = dir.resolve("f");
        try (FileHandle h = io.open(file, true)) {
            ByteBuffer data = ByteBuffer.allocateDirect(10_000);
            for (int i = 0; i < 10_000; i++) {
                data.put((byte) i);
            }
            data.flip();
            assertThat(h.write(data, 100)).isEqualTo(10_000);
            assertThat(data.hasRemaining()).isFalse();
            h.force();
            assertThat(h.size()).isEqualTo(10_100);
            ByteBuffer one = ByteBuffer.allocate(1);
            h.read(one, 100 + 300);
            assertThat(one.get(0)).isEqualTo((byte) 300);
            h.truncate(50);
            h.force();
            assertThat(h.size()).isEqualTo(50);
            assertThat(h.read(ByteBuffer.allocate(1), 50)).isEqualTo(-1);
        }
        io.syncDirectory(dir);
        assertThatThrownBy(() -> io.open(dir.resolve("absent"), false)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void directoryOperations() throws IOException {
        Path sub = dir.resolve("a/b");
        io.createDirectories(sub);
        Files.writeString(sub.resolve("2"), "two");
        Files.writeString(sub.resolve("1"), "one");
        Files.createDirectory(sub.resolve("not-a-file"));
        assertThat(io.list(sub)).containsExactly(sub.resolve("1"), sub.resolve("2"));
        io.rename(sub.resolve("1"), sub.resolve("2"));
        assertThat(Files.readString(sub.resolve("2"))).isEqualTo("one");
        assertThat(io.exists(sub.resolve("1"))).isFalse();
        io.delete(sub.resolve("2"));
        assertThat(io.list(sub)).isEmpty();
        io.syncDirectory(sub);
    }

    @Test
    void theFaultModeIsChosenByASystemProperty() {
        assertThat(FileIOs.fromSystemProperties()).isInstanceOf(NioFileIO.class);
        System.setProperty(FileIOs.LOSE_UNSYNCED_PROPERTY, "true");
        assertThat(FileIOs.fromSystemProperties()).isInstanceOfSatisfying(UnsyncedInMemoryFileIO.class,
                u -> assertThat(u.durable()).isInstanceOf(NioFileIO.class));
    }
}
