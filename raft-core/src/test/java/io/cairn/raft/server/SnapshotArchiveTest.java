package io.cairn.raft.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotArchiveTest {
    @TempDir
    Path tmp;

    private byte[] packSample() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("CURRENT"), "MANIFEST-000007\n");
        Files.createDirectories(src.resolve("sub/deeper"));
        byte[] big = new byte[300_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Files.write(src.resolve("sub/deeper/000012.sst"), big);
        Files.write(src.resolve("empty"), new byte[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotArchive.pack(src, out);
        return out.toByteArray();
    }

    @Test
    void aDirectoryTreeRoundTrips() throws IOException {
        byte[] archive = packSample();
        Path dst = tmp.resolve("dst");
        SnapshotArchive.unpack(new ByteArrayInputStream(archive), dst);
        assertThat(dst.resolve("CURRENT")).hasContent("MANIFEST-000007");
        assertThat(Files.readAllBytes(dst.resolve("sub/deeper/000012.sst")))
                .isEqualTo(Files.readAllBytes(tmp.resolve("src/sub/deeper/000012.sst")));
        assertThat(dst.resolve("empty")).isEmptyFile();
    }

    @Test
    void aFlippedBitIsRefusedByItsChecksum() throws IOException {
        byte[] archive = packSample();
        archive[archive.length / 2] ^= 0x10;
        assertThatThrownBy(() -> SnapshotArchive.unpack(new ByteArrayInputStream(archive), tmp.resolve("dst")))
                .isInstanceOf(IOException.class).hasMessageContaining("checksum");
    }

    @Test
    void aTruncatedArchiveIsRefused() throws IOException {
        byte[] archive = packSample();
        byte[] cut = Arrays.copyOf(archive, archive.length - 10);
        assertThatThrownBy(() -> SnapshotArchive.unpack(new ByteArrayInputStream(cut), tmp.resolve("dst")))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated");
    }

    @Test
    void aNameLeavingTheDirectoryIsRefusedAndNothingIsWrittenThere() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bytes);
        d.writeLong(0x434149524E534E50L);
        d.writeInt(1);
        d.writeInt(1);
        d.writeUTF("../escaped");
        d.writeLong(1);
        d.write('x');
        d.writeInt(0);
        Path dst = Files.createDirectories(tmp.resolve("dst"));
        assertThatThrownBy(() -> SnapshotArchive.unpack(new ByteArrayInputStream(bytes.toByteArray()), dst))
                .isInstanceOf(IOException.class).hasMessageContaining("outside its directory");
        assertThat(tmp.resolve("escaped")).doesNotExist();
    }

    @Test
    void somethingElseIsNotTakenForAnArchive() {
        byte[] junk = "not an archive at all".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SnapshotArchive.unpack(new ByteArrayInputStream(junk), tmp.resolve("dst")))
                .isInstanceOf(IOException.class).hasMessageContaining("bad magic");
    }
}
