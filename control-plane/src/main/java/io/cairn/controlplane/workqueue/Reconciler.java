package io.cairn.controlplane.workqueue;

/**
 * A controller's one job: bring the object at {@code key} ({@code namespace/name}) to its desired state, reading the
 * informers' caches and writing through the API client. Level-triggered: it looks at the whole state, not at the
 * event that queued the key, so it is idempotent and survives being restarted halfway. An exception is a failure:
 * the key is retried with backoff.
 */
@FunctionalInterface
public interface Reconciler {
    Result reconcile(String key) throws Exception;
}
