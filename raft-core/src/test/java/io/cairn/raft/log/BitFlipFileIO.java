package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A {@link FileIO} whose storage flips bits: {@link #flipNow} flips one bit of a file at rest (media decay, a bad
 * sector), {@link #flipOnWrite} arms a flip that corrupts the next write covering an offset (a bad cable, a buggy
 * controller) and is then persisted like any other byte.
 */
final class BitFlipFileIO extends ForwardingFileIO {
    private String armedName;
    private long armedOffset;
    private int armedBit;

    BitFlipFileIO(FileIO delegate) {
        super(delegate);
    }

    /** Flips bit {@code bit} (0-7) of the byte at {@code offset} of {@code file}, durably. */
    void flipNow(Path file, long offset, int bit) throws IOException {
        try (FileHandle h = base.open(file, false)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            if (h.read(one, offset) != 1) {
                throw new IOException("no byte at " + offset + " in " + file);
            }
            one.put(0, (byte) (one.get(0) ^ (1 << bit)));
            one.rewind();
            h.write(one, offset);
            h.force();
        }
    }

    /** The next write to a file named {@code fileName} that covers {@code offset} has bit {@code bit} flipped there. */
    synchronized void flipOnWrite(String fileName, long offset, int bit) {
        armedName = fileName;
        armedOffset = offset;
        armedBit = bit;
    }

    /** Whether an armed flip has happened. */
    synchronized boolean flipped() {
        return armedName == null;
    }

    private synchronized ByteBuffer maybeFlip(Path path, ByteBuffer src, long position) {
        if (armedName == null || !path.getFileName().toString().equals(armedName) || armedOffset < position
                || armedOffset >= position + src.remaining()) {
            return src;
        }
        ByteBuffer copy = ByteBuffer.allocate(src.remaining());
        copy.put(src.duplicate()).flip();
        int at = (int) (armedOffset - position);
        copy.put(at, (byte) (copy.get(at) ^ (1 << armedBit)));
        src.position(src.limit());
        armedName = null;
        return copy;
    }

    @Override
    protected FileHandle wrap(Path path, FileHandle opened) {
        return new Handle(opened) {
            @Override
            public int write(ByteBuffer src, long position) throws IOException {
                return base.write(maybeFlip(path, src, position), position);
            }
        };
    }
}
