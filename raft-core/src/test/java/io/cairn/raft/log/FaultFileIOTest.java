package io.cairn.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk-fault test hook: what fails in each mode, and a control file switching it while files are open. */
class FaultFileIOTest {
    @TempDir
    Path dir;

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aControlFileSwitchesTheFaultWhileAFileIsOpen() throws Exception {
        Path control = dir.resolve("disk.fault");
        FaultFileIO io = new FaultFileIO(new NioFileIO(), control);
        Path file = dir.resolve("log");
        try (FileHandle h = io.open(file, true)) {
            h.write(bytes("ok"), 0);
            h.force();
            Files.writeString(control, "fail-syncs\n");
            await().atMost(Duration.ofSeconds(2)).until(() -> io.mode() == FaultFileIO.Mode.FAIL_SYNCS);
            h.write(bytes("!!"), 2); // writes still work: only the sync fails
            assertThatThrownBy(h::force).isInstanceOf(IOException.class).hasMessageContaining("fsync of " + file)
                    .hasMessageContaining("EIO");
            assertThatThrownBy(() -> io.syncDirectory(dir)).hasMessageContaining("EIO");
            Files.writeString(control, "fail-writes");
            await().atMost(Duration.ofSeconds(2)).until(() -> io.mode() == FaultFileIO.Mode.FAIL_WRITES);
            assertThatThrownBy(() -> h.write(bytes("x"), 0)).hasMessageContaining("write of " + file);
            assertThatThrownBy(() -> h.truncate(0)).hasMessageContaining("truncate of " + file);
            Files.delete(control);
            await().atMost(Duration.ofSeconds(2)).until(() -> io.mode() == FaultFileIO.Mode.WORKING);
            h.write(bytes("x"), 0);
            h.force();
        }
        assertThat(Files.readString(file)).isEqualTo("xk!!");
    }

    @Test
    void aFullDiskRefusesGrowingAndNewFilesButNotOverwriting() throws Exception {
        FaultFileIO io = new FaultFileIO(new NioFileIO());
        Path file = dir.resolve("segment");
        try (FileHandle h = io.open(file, true)) {
            h.write(bytes("0123456789"), 0); // preallocated, as a log segment is
            io.setMode(FaultFileIO.Mode.FULL);
            h.write(bytes("ab"), 4);
            h.force();
            assertThatThrownBy(() -> h.write(bytes("abc"), 9)).hasMessageContaining("ENOSPC");
            assertThatThrownBy(() -> h.truncate(20)).hasMessageContaining("ENOSPC");
            assertThatThrownBy(() -> io.open(dir.resolve("next-segment"), true)).hasMessageContaining("ENOSPC");
        }
        assertThat(Files.readString(file)).isEqualTo("0123ab6789");
    }

    @Test
    void aSystemPropertyPutsTheHookAroundTheMembersFiles() {
        System.setProperty(FileIOs.DISK_FAULT_PROPERTY, dir.resolve("control").toString());
        try {
            assertThat(FileIOs.fromSystemProperties()).isInstanceOf(FaultFileIO.class);
        } finally {
            System.clearProperty(FileIOs.DISK_FAULT_PROPERTY);
        }
    }
}
