package io.cairn.raft.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault mode's file system: unsynced bytes live in memory only, until a force writes them through. */
class UnsyncedInMemoryFileIOTest {
    @TempDir
    Path dir;

    private final NioFileIO nio = new NioFileIO();

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String read(FileHandle h, long position, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining() && h.read(b, position + b.position()) >= 0) {
            // keep reading
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    @Test
    void unsyncedBytesAreInvisibleToAFreshNioFileIOUntilForce() throws IOException {
        Path file = dir.resolve("f");
        UnsyncedInMemoryFileIO io = new UnsyncedInMemoryFileIO(nio);
        try (FileHandle h = io.open(file, true)) {
            h.write(bytes("hello, log"), 0);
            assertThat(read(h, 0, 10)).isEqualTo("hello, log");
            assertThat(h.size()).isEqualTo(10);
            assertThat(io.unsyncedBytes()).isPositive();
            assertThat(Files.size(file)).isZero();
            try (FileHandle fresh = new NioFileIO().open(file, false)) {
                assertThat(fresh.size()).isZero();
            }
            h.force();
            assertThat(io.unsyncedBytes()).isZero();
            try (FileHandle fresh = new NioFileIO().open(file, false)) {
                assertThat(read(fresh, 0, 10)).isEqualTo("hello, log");
            }
        }
    }

    @Test
    void aTruncationIsInMemoryUntilForceAndRegrownSpaceReadsAsZeros() throws IOException {
        Path file = dir.resolve("f");
        byte[] original = new byte[10_000];
        Arrays.fill(original, (byte) 7);
        Files.write(file, original);
        UnsyncedInMemoryFileIO io = new UnsyncedInMemoryFileIO(nio);
        try (FileHandle h = io.open(file, false)) {
            h.truncate(5000);
            assertThat(h.size()).isEqualTo(5000);
            assertThat(Files.size(file)).isEqualTo(10_000);
            h.write(ByteBuffer.wrap(new byte[] {1}), 8000);
            ByteBuffer all = ByteBuffer.allocate(8001);
            h.read(all, 0);
            byte[] expected = new byte[8001];
            Arrays.fill(expected, 0, 5000, (byte) 7);
            expected[8000] = 1;
            assertThat(all.array()).isEqualTo(expected);
            h.force();
        }
        byte[] expected = new byte[8001];
        System.arraycopy(original, 0, expected, 0, 5000);
        expected[8000] = 1;
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
    }

    @Test
    void dropUnsyncedLosesTheBytesAndDisablesOldHandles() throws IOException {
        Path file = dir.resolve("f");
        UnsyncedInMemoryFileIO io = new UnsyncedInMemoryFileIO(nio);
        FileHandle h = io.open(file, true);
        h.write(bytes("durable "), 0);
        h.force();
        h.write(bytes("lost"), 8);
        io.dropUnsynced();
        assertThatThrownBy(() -> h.write(bytes("x"), 0)).hasMessageContaining("simulated crash");
        assertThatThrownBy(h::force).isInstanceOf(IOException.class);
        h.close();
        try (FileHandle again = io.open(file, false)) {
            assertThat(again.size()).isEqualTo(8);
            assertThat(read(again, 0, 8)).isEqualTo("durable ");
        }
    }

    @Test
    void handlesOfOnePathShareOnePageCache() throws IOException {
        Path file = dir.resolve("f");
        UnsyncedInMemoryFileIO io = new UnsyncedInMemoryFileIO(nio);
        try (FileHandle a = io.open(file, true); FileHandle b = io.open(file, false)) {
            a.write(bytes("shared"), 0);
            assertThat(read(b, 0, 6)).isEqualTo("shared");
            b.force();
            assertThat(Files.readString(file)).isEqualTo("shared");
        }
        // Closed while dirty: the bytes stay in memory, as in a page cache, until forced or lost.
        FileHandle c = io.open(file, false);
        c.write(bytes("SH"), 0);
        c.close();
        try (FileHandle d = io.open(file, false)) {
            assertThat(read(d, 0, 6)).isEqualTo("SHared");
        }
        assertThat(Files.readString(file)).isEqualTo("shared");
    }

    @Test
    void renameCarriesUnsyncedBytesAndDeleteDropsThem() throws IOException {
        UnsyncedInMemoryFileIO io = new UnsyncedInMemoryFileIO(nio);
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        try (FileHandle h = io.open(a, true)) {
            h.write(bytes("moving"), 0);
            io.rename(a, b);
            h.force();
        }
        assertThat(io.exists(a)).isFalse();
        assertThat(Files.readString(b)).isEqualTo("moving");
        assertThat(io.list(dir)).containsExactly(b);
        try (FileHandle h = io.open(b, false)) {
            h.write(bytes("gone"), 0);
        }
        io.delete(b);
        assertThat(io.exists(b)).isFalse();
        assertThat(io.unsyncedBytes()).isZero();
    }

    /** Random writes, truncations, forces and crashes, checked against two arrays: what is seen, what is durable. */
    @Test
    void behavesLikeAPageCacheThatIsLostOnCrash() throws IOException {
        for (long seed = 1; seed <= 4; seed++) {
            pageCacheRun(seed);
        }
    }

    private void pageCacheRun(long seed) throws IOException {
        Random rnd = new Random(seed);
        Path file = dir.resolve("f" + seed);
        UnsyncedInMemoryFileIO io = new UnsyncedInMemoryFileIO(nio);
        FileHandle h = io.open(file, true);
        byte[] seen = new byte[0];
        byte[] durable = new byte[0];
        for (int step = 0; step < 1000; step++) {
            int action = rnd.nextInt(10);
            if (action < 5) {
                int position = rnd.nextInt(seen.length + 6000);
                byte[] data = new byte[1 + rnd.nextInt(9000)];
                rnd.nextBytes(data);
                h.write(ByteBuffer.wrap(data), position);
                if (position + data.length > seen.length) {
                    seen = Arrays.copyOf(seen, position + data.length);
                }
                System.arraycopy(data, 0, seen, position, data.length);
            } else if (action < 7) {
                int size = rnd.nextInt(seen.length + 1);
                h.truncate(size);
                seen = Arrays.copyOf(seen, Math.min(size, seen.length));
            } else if (action < 9) {
                h.force();
                durable = seen.clone();
            } else {
                io.dropUnsynced();
                h = io.open(file, false);
                seen = durable.clone();
            }
            assertThat(h.size()).as("seed %d step %d", seed, step).isEqualTo(seen.length);
            ByteBuffer all = ByteBuffer.allocate(seen.length);
            while (all.hasRemaining() && h.read(all, all.position()) >= 0) {
                // keep reading
            }
            assertThat(all.array()).as("seed %d step %d: what readers see", seed, step).isEqualTo(seen);
            assertThat(Files.readAllBytes(file)).as("seed %d step %d: what is on disk", seed, step).isEqualTo(durable);
        }
        h.close();
    }
}
