package io.cairn.raft.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a leader decided about each proposal forwarded to it in its term, so that a FORWARD that arrives twice
 * (a duplicated packet, a re-send after a reconnect, a retry through a proxy) takes effect at most once.
 *
 * <p>Why it exists: a forwarded proposal is not idempotent. The leader that appends the same FORWARD twice
 * applies one client's write twice, the second time after later writes, and readers see the register go back
 * in time (robustness row 27, seed 128289514). A refusal must be remembered as well: a follower that was told
 * OVERLOADED tells its client "not applied", and a later copy must not then be appended.
 *
 * <p>The rule (decision 0013): a forward is named by its origin member and its context. Contexts of one
 * incarnation of a member are consecutive from a random base ({@code base + 1, base + 2, ...}, with the base a
 * multiple of 2<sup>31</sup>), so {@code context >>> 31} names the incarnation. For each (origin, incarnation)
 * the ledger keeps a window of the last {@code windowSize} contexts below the highest one seen, each with its
 * decision; it answers a context in the window by that decision, a context below the window as
 * {@link Verdict#FORGOTTEN} (outcome unknown to the asker, never appended), and anything else as new. A member
 * has at most {@code forwardsMax} forwards pending, so a window that size never forgets one that still waits.
 *
 * <p>Bounds: the ledger lives as long as one leadership (a {@link Leader}), since a FORWARD of an older term is
 * dropped by the term rules; it keeps {@link #INCARNATIONS_MAX} incarnations per origin (the least recently
 * heard is forgotten first), and each window grows from {@link #INITIAL_SLOTS} to {@code windowSize} slots of
 * two longs, allocated only for members that forward.
 *
 * <p>Owned by the node's thread, like the leader.
 */
final class ForwardLedger {
    /** Incarnations remembered per origin member: restarts of one member within one leader's term. */
    static final int INCARNATIONS_MAX = 4;
    /** Slots a window starts with; it doubles up to the window size as contexts spread. */
    static final int INITIAL_SLOTS = 16;

    /** What the ledger knows of a forward. */
    enum Verdict {
        /** Never seen: decide, then {@link #record} the decision. */
        NEW,
        /** Seen before: answer with {@link #decision}, append nothing. */
        DUPLICATE,
        /** Too old to tell whether it was seen: append nothing, and say the outcome is unknown. */
        FORGOTTEN
    }

    private final int windowSize;
    private final Map<Long, List<Window>> byOrigin = new HashMap<>();
    /** Set by {@link #lookup} when it answers DUPLICATE: the earlier decision (see {@link #encodeAccepted}). */
    private long decision;
    private long uses;

    ForwardLedger(int windowSize) {
        Invariants.check(windowSize > 0, "forward ledger window %d", windowSize);
        this.windowSize = windowSize;
    }

    /** A decision as stored: an accepted forward's first index (positive), a refusal as -(ordinal + 1). */
    static long encodeAccepted(long firstIndex) {
        Invariants.check(firstIndex > 0, "accepted forward at index %d", firstIndex);
        return firstIndex;
    }

    static long encodeRefused(ProposeResult.Rejection why) {
        return -(why.ordinal() + 1L);
    }

    /** The refusal a stored decision holds, or null if it is an acceptance. */
    static ProposeResult.Rejection refusalOf(long decision) {
        return decision > 0 ? null : ProposeResult.Rejection.values()[(int) (-decision - 1)];
    }

    /** The decision of the last lookup that answered {@link Verdict#DUPLICATE}. */
    long decision() {
        return decision;
    }

    Verdict lookup(long origin, long context) {
        Window w = window(origin, context >>> 31, false);
        if (w == null) {
            return Verdict.NEW;
        }
        if (context <= w.highest - windowSize) {
            return Verdict.FORGOTTEN;
        }
        int slot = w.slotOf(context);
        if (w.contexts[slot] == context) {
            decision = w.decisions[slot];
            return Verdict.DUPLICATE;
        }
        return Verdict.NEW;
    }

    /** Records the decision about a forward {@link #lookup} called new. */
    void record(long origin, long context, long decision) {
        Window w = window(origin, context >>> 31, true);
        w.highest = Math.max(w.highest, context);
        w.put(context, decision, windowSize);
    }

    private Window window(long origin, long incarnation, boolean create) {
        List<Window> windows = byOrigin.get(origin);
        if (windows == null) {
            if (!create) {
                return null;
            }
            windows = new ArrayList<>(2);
            byOrigin.put(origin, windows);
        }
        Window leastRecent = null;
        for (Window w : windows) {
            if (w.incarnation == incarnation) {
                w.lastUse = ++uses;
                return w;
            }
            if (leastRecent == null || w.lastUse < leastRecent.lastUse) {
                leastRecent = w;
            }
        }
        if (!create) {
            return null;
        }
        if (windows.size() >= INCARNATIONS_MAX) {
            windows.remove(leastRecent);
        }
        Window w = new Window(incarnation);
        w.lastUse = ++uses;
        windows.add(w);
        return w;
    }

    /**
     * The contexts of one incarnation of one member, in a ring indexed by context: a slot holds the context it
     * was written for, so a slot reused by a later context no longer answers for the earlier one. A context
     * inside the window ({@code > highest - windowSize}) is never overwritten: the ring doubles instead, up to
     * the window size, where two contexts inside the window can no longer share a slot.
     */
    private static final class Window {
        final long incarnation;
        long highest;
        long lastUse;
        long[] contexts = new long[INITIAL_SLOTS];
        long[] decisions = new long[INITIAL_SLOTS];

        Window(long incarnation) {
            this.incarnation = incarnation;
        }

        int slotOf(long context) {
            return (int) Math.floorMod(context, (long) contexts.length);
        }

        void put(long context, long decision, int windowSize) {
            long floor = highest - windowSize;
            int slot = slotOf(context);
            while (contexts[slot] != 0 && contexts[slot] != context && contexts[slot] > floor) {
                Invariants.check(contexts.length < windowSize, "forward ledger: %d and %d share a slot of %d",
                        contexts[slot], context, contexts.length);
                grow(Math.min(contexts.length * 2, windowSize), floor);
                slot = slotOf(context);
            }
            contexts[slot] = context;
            decisions[slot] = decision;
        }

        /** Moves the contexts still inside the window into a ring of {@code size} slots. */
        private void grow(int size, long floor) {
            long[] oldContexts = contexts;
            long[] oldDecisions = decisions;
            contexts = new long[size];
            decisions = new long[size];
            for (int i = 0; i < oldContexts.length; i++) {
                if (oldContexts[i] != 0 && oldContexts[i] > floor) {
                    int slot = slotOf(oldContexts[i]);
                    contexts[slot] = oldContexts[i];
                    decisions[slot] = oldDecisions[i];
                }
            }
        }
    }
}
