package io.cairn.controlplane.controllers;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a controller is still waiting to see in its informer (kube's controller expectations): the number of pods it
 * created and not yet observed, and the keys of pods it deleted and not yet seen go. Until both are met (or the
 * expectation is older than {@link #TTL_NANOS}), it must not create or delete again for that owner.
 */
final class WorkloadExpectations {
    static final long TTL_NANOS = 5L * 60 * 1_000_000_000L;

    private static final class Exp {
        int adds;
        final Set<String> deletes = new HashSet<>();
        long at = System.nanoTime();
    }

    private final Map<String, Exp> byOwner = new ConcurrentHashMap<>();
    /** pod key → owner key, for deletions. */
    private final Map<String, String> deleteOwner = new ConcurrentHashMap<>();

    synchronized boolean satisfied(String owner) {
        Exp e = byOwner.get(owner);
        if (e == null) {
            return true;
        }
        if ((e.adds <= 0 && e.deletes.isEmpty()) || System.nanoTime() - e.at > TTL_NANOS) {
            byOwner.remove(owner);
            e.deletes.forEach(deleteOwner::remove);
            return true;
        }
        return false;
    }

    synchronized void expectCreations(String owner, int n) {
        Exp e = byOwner.computeIfAbsent(owner, k -> new Exp());
        e.adds += n;
        e.at = System.nanoTime();
    }

    synchronized void lowerCreations(String owner, int n) {
        Exp e = byOwner.get(owner);
        if (e != null) {
            e.adds -= n;
        }
    }

    synchronized void creationObserved(String owner) {
        Exp e = byOwner.get(owner);
        if (e != null && e.adds > 0) {
            e.adds--;
        }
    }

    synchronized void expectDeletions(String owner, Collection<String> podKeys) {
        Exp e = byOwner.computeIfAbsent(owner, k -> new Exp());
        e.deletes.addAll(podKeys);
        e.at = System.nanoTime();
        podKeys.forEach(k -> deleteOwner.put(k, owner));
    }

    synchronized void deletionObserved(String podKey) {
        String owner = deleteOwner.remove(podKey);
        if (owner != null) {
            Exp e = byOwner.get(owner);
            if (e != null) {
                e.deletes.remove(podKey);
            }
        }
    }

    synchronized void forget(String owner) {
        Exp e = byOwner.remove(owner);
        if (e != null) {
            e.deletes.forEach(deleteOwner::remove);
        }
    }
}
