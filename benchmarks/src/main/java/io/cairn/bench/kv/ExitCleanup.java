package io.cairn.bench.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * What must not outlive the benchmark's JVM (member processes, their data directories), undone by one shutdown hook
 * if the JVM ends before the benchmark's own {@code finally} blocks do (Ctrl-C, SIGTERM). Things register when they
 * start and unregister when their owner has closed them; the hook closes what is left, newest first. A SIGKILL of
 * the JVM runs nothing; its children then live on and must be stopped by hand.
 *
 * <p>Any thread; the hook runs on its own.
 */
final class ExitCleanup {
    private static final List<AutoCloseable> PENDING = new ArrayList<>();
    private static boolean hookInstalled;

    private ExitCleanup() {}

    static synchronized void register(AutoCloseable c) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExitCleanup::closeAll, "bench-compare-cleanup"));
            hookInstalled = true;
        }
        PENDING.add(c);
    }

    static synchronized void unregister(AutoCloseable c) {
        PENDING.remove(c);
    }

    private static void closeAll() {
        List<AutoCloseable> left;
        synchronized (ExitCleanup.class) {
            left = new ArrayList<>(PENDING);
            PENDING.clear();
        }
        for (int i = left.size() - 1; i >= 0; i--) {
            try {
                left.get(i).close();
            } catch (Exception | Error e) {
                System.err.println("compare: cleanup at exit: " + e);
            }
        }
    }
}
