package io.cairn.controlplane.informer;

import io.cairn.apiserver.client.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One informer per resource (and namespace and label selector) for every controller of a process, as client-go's
 * {@code SharedInformerFactory}: ten controllers that read pods cost one list and one watch of pods, and share one
 * cache. Ask for informers, add handlers, then {@link #start()} and {@link #waitForCacheSync}.
 *
 * <p>Thread-safe. Closing it closes every informer it made.
 */
public final class SharedInformerFactory implements AutoCloseable {
    private final ApiClient client;
    private final Informer.Options options;
    private final Map<String, Informer> informers = new LinkedHashMap<>();
    private boolean started;

    public SharedInformerFactory(ApiClient client, Informer.Options options) {
        this.client = client;
        this.options = options;
    }

    public SharedInformerFactory(ApiClient client) {
        this(client, Informer.Options.defaults());
    }

    /** The shared informer of every object of {@code plural} ({@code "apps/v1", "deployments"}). */
    public Informer informerFor(String apiVersion, String plural) {
        return informerFor(apiVersion, plural, null, null);
    }

    /**
     * The shared informer of {@code plural} in {@code namespace} (null: all) with {@code labelSelector} (null: all);
     * if the factory has been started, the informer starts now.
     */
    public synchronized Informer informerFor(String apiVersion, String plural, String namespace, String labelSelector) {
        String id = apiVersion + "|" + plural + "|" + (namespace == null ? "" : namespace) + "|"
                + (labelSelector == null ? "" : labelSelector);
        return informers.computeIfAbsent(id, k -> {
            Informer i = new Informer(client, apiVersion, plural, namespace, labelSelector, options);
            if (started) {
                i.start();
            }
            return i;
        });
    }

    /** Starts every informer made so far, and every later one as it is made. */
    public synchronized void start() {
        started = true;
        informers.values().forEach(Informer::start);
    }

    /** Waits until every informer made so far has synced; false if {@code timeout} passed first. */
    public boolean waitForCacheSync(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Informer> all;
        synchronized (this) {
            all = new ArrayList<>(informers.values());
        }
        for (Informer i : all) {
            while (!i.hasSynced()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(10);
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        informers.values().forEach(Informer::close);
        informers.clear();
    }
}
