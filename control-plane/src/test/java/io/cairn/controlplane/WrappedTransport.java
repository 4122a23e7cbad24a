package io.cairn.controlplane;

import io.cairn.apiserver.client.Transport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real transport with faults and counters for tests: counts GETs (lists and reads) and watches, keeps the open watch handles so a
 * test can close them (as a dropped connection would), runs a hook before a watch starts (to make it fall behind),
 * and can fail every call (a partition).
 */
public final class WrappedTransport implements Transport {
    private final Transport delegate;
    public final AtomicInteger gets = new AtomicInteger();
    public final AtomicInteger watches = new AtomicInteger();
    /** Watch lines delivered to the caller, over all watches. */
    public final AtomicInteger lines = new AtomicInteger();
    public final List<AutoCloseable> openWatches = new CopyOnWriteArrayList<>();
    public final AtomicBoolean partitioned = new AtomicBoolean();
    private volatile Runnable beforeNextWatch;

    public WrappedTransport(Transport delegate) {
        this.delegate = delegate;
    }

    /** Runs {@code hook} once, just before the next watch request goes to the server. */
    public void beforeNextWatch(Runnable hook) {
        beforeNextWatch = hook;
    }

    @Override
    public Response call(String method, String path, Map<String, String> query, String contentType, byte[] body) {
        if (partitioned.get()) {
            throw new java.io.UncheckedIOException(new java.net.ConnectException("partitioned (test)"));
        }
        if (method.equals("GET") && !query.containsKey("watch")) {
            gets.incrementAndGet();
        }
        return delegate.call(method, path, query, contentType, body);
    }

    @Override
    public AutoCloseable stream(String path, Map<String, String> query, Consumer<byte[]> lines, Runnable done) {
        Runnable hook = beforeNextWatch;
        beforeNextWatch = null;
        if (hook != null) {
            hook.run();
        }
        watches.incrementAndGet();
        AutoCloseable handle = delegate.stream(path, query, line -> {
            this.lines.incrementAndGet();
            lines.accept(line);
        }, done);
        openWatches.add(handle);
        return handle;
    }

    /** Closes every watch opened so far, from the client's side. */
    public void closeWatches() throws Exception {
        for (AutoCloseable c : openWatches) {
            c.close();
        }
        openWatches.clear();
    }
}
