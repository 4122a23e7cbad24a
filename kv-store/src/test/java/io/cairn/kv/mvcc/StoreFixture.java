package io.cairn.kv.mvcc;

import io.cairn.kv.proto.KvCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A store in a temporary directory with a Raft-index counter: apply commands as a Raft group would. */
final class StoreFixture implements AutoCloseable {
    final Path root;
    MvccStore store;
    long index;
    private int dirs;

    StoreFixture(KvLimits limits) throws IOException {
        root = Files.createTempDirectory("kv-test-");
        store = MvccStore.open(nextDir(), limits);
    }

    StoreFixture() throws IOException {
        this(KvLimits.DEFAULTS.withFlushIntervalMillis(0));
    }

    Path nextDir() {
        return root.resolve("d" + (dirs++));
    }

    KvResult apply(KvCommand command) {
        return store.apply(List.of(new Applied(++index, command.toByteArray()))).get(0);
    }

    List<KvResult> applyAll(List<KvCommand> commands) {
        List<Applied> batch = new ArrayList<>();
        for (KvCommand c : commands) {
            batch.add(new Applied(++index, c.toByteArray()));
        }
        return store.apply(batch);
    }

    void reopen() {
        Path dir = store.directory();
        KvLimits limits = store.limits();
        store.close();
        store = MvccStore.open(dir, limits);
    }

    @Override
    public void close() throws IOException {
        store.close();
        FileTrees.deleteTree(root);
    }
}
