package io.cairn.raft.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.RandomSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log writer's group commit, driven by hand: tasks queue until the test runs a batch. */
class LogWriterTest {
    /** One executor whose batches run when {@link #runBatch} is called; nothing else is needed here. */
    private static final class ManualEnvironment implements RuntimeEnvironment {
        final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        Runnable write;
        Runnable sync;

        @Override
        public SerialExecutor newExecutor(String name, int capacity, Runnable afterBatch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SerialExecutor newWriterExecutor(String name, int capacity, Runnable write, Runnable sync) {
            this.write = write;
            this.sync = sync;
            return new SerialExecutor() {
                @Override
                public boolean trySubmit(Runnable task) {
                    return queue.add(task);
                }

                @Override
                public void submitBlocking(Runnable task) {
                    queue.add(task);
                }

                @Override
                public void submitInternal(Runnable task) {
                    queue.add(task);
                }

                @Override
                public void shutdown() {
                }
            };
        }

        void runBatch() {
            while (!queue.isEmpty()) {
                queue.poll().run();
            }
            write.run();
            sync.run();
        }

        @Override
        public AutoCloseable every(long periodNanos, Runnable task) {
            return () -> { };
        }

        @Override
        public Clock clock() {
            return Clock.SYSTEM;
        }

        @Override
        public RandomSource random(String name) {
            return bound -> 0;
        }
    }

    private static LogWriter.Write write(long group, long index, List<Long> durable) {
        return new LogWriter.Write(group, null, List.of(Entry.command(1, index, new byte[] {1})), null, false,
                List.of(), w -> durable.add(group * 1000 + index));
    }

    @Test
    void oneSyncMakesEveryGroupsWritesDurableAndCountsAsShared() {
        ManualEnvironment env = new ManualEnvironment();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        LogWriter writer = new LogWriter(new MemoryLogStorage(), new LocalTransport(1, new LocalTransport.Network(),
                null), env, 100, metrics);
        List<Long> durable = new ArrayList<>();

        writer.submit(1, write(1, 1, durable));
        writer.submit(2, write(2, 1, durable));
        writer.submit(1, write(1, 2, durable));
        assertThat(durable).as("nothing is durable before the sync").isEmpty();
        env.runBatch();
        assertThat(durable).containsExactly(1001L, 2001L, 1002L);

        writer.submit(1, write(1, 3, durable));
        env.runBatch();
        assertThat(metrics.counter("cairn.raft.fsyncs").count()).isEqualTo(2);
        assertThat(metrics.counter("cairn.raft.fsyncs.shared").count()).as("only the first covered two groups")
                .isEqualTo(1);
    }

    /** A write that only carries messages (they wait for earlier writes) is released without a sync of its own. */
    @Test
    void aWriteOfMessagesOnlyIsReleasedWithoutASync() {
        ManualEnvironment env = new ManualEnvironment();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        LogWriter writer = new LogWriter(new MemoryLogStorage(), new LocalTransport(1, new LocalTransport.Network(),
                null), env, 100, metrics);
        List<Long> durable = new ArrayList<>();
        writer.submit(1, write(1, 1, durable));
        env.runBatch();
        writer.submit(1, new LogWriter.Write(1, null, List.of(), null, false, List.of(), w -> durable.add(-1L)));
        env.runBatch();
        assertThat(durable).containsExactly(1001L, -1L);
        assertThat(metrics.counter("cairn.raft.fsyncs").count()).isEqualTo(1);
    }
}
