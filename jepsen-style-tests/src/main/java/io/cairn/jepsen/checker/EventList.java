package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The call and return events of one key's operations in real-time order, as a doubly linked list from which
 * an operation's events can be lifted and later put back in O(1).
 *
 * <p>This is the event list of Wing and Gong's search as refined by Lowe: a call event may be linearized only
 * when every operation whose return event precedes it has been, which in list form means "a call is a
 * candidate iff no return event stands before it". Linearizing an operation lifts its call (and return, if it
 * has one) out of the list; backtracking puts them back. Lifting and restoring are done in strict LIFO order,
 * so a removed node's own links still name its old neighbours when it is restored (Knuth's dancing links).
 *
 * <p>Order: events are sorted by the timestamp of the entry they come from, ties broken by the entry's index
 * in the history (the order in which the harness recorded them). An operation whose outcome is unknown has no
 * return event: it may be linearized at any point after its call, or not at all; unless the model gave it a
 * deadline ({@link UnknownOutcomeHints}), which becomes its return event.
 *
 * <p>Layout: node 0 is the head sentinel and node {@code size + 1} the tail sentinel; nodes are ints and the
 * links are int arrays, so the search allocates nothing per step.
 */
final class EventList {
    static final int HEAD = 0;

    private final int tail;
    private final int[] next;
    private final int[] prev;
    private final int[] opOfNode;
    private final boolean[] isCallNode;
    private final int[] callNodeOfOp;
    private final int[] returnNodeOfOp;

    EventList(KeyOperations keyOps) {
        long[][] events = sortedEvents(keyOps);
        int opCount = keyOps.operations().size();
        int nodeCount = events.length;
        this.tail = nodeCount + 1;
        this.next = new int[nodeCount + 2];
        this.prev = new int[nodeCount + 2];
        this.opOfNode = new int[nodeCount + 2];
        this.isCallNode = new boolean[nodeCount + 2];
        this.callNodeOfOp = new int[opCount];
        this.returnNodeOfOp = new int[opCount];
        Arrays.fill(returnNodeOfOp, -1);
        for (int node = 1; node <= nodeCount; node++) {
            long[] e = events[node - 1];
            int op = (int) e[3];
            opOfNode[node] = op;
            isCallNode[node] = e[4] == 1;
            if (isCallNode[node]) {
                callNodeOfOp[op] = node;
            } else {
                returnNodeOfOp[op] = node;
            }
        }
        for (int node = 0; node <= tail; node++) {
            next[node] = Math.min(node + 1, tail);
            prev[node] = Math.max(node - 1, 0);
        }
    }

    /** Sort key slot of a deadline return: before a real event with the same time and index. */
    private static final long TIE_DEADLINE = 0;
    private static final long TIE_REAL = 1;

    /**
     * Each event as {timeNanos, historyIndex, tie, opId, isCall}, sorted in that order of fields. An ordinary
     * return sorts after its own call (a completion is never earlier than its invocation and has a larger
     * index). A deadline return takes the time and index of the completion it must precede, and sorts just
     * before it; if that completion came before the operation was even invoked, the return precedes the call,
     * the operation can never be placed in time, and the search rightly finds the key not linearizable.
     */
    private static long[][] sortedEvents(KeyOperations keyOps) {
        List<long[]> events = new ArrayList<>(2 * keyOps.operations().size());
        for (Operation op : keyOps.operations()) {
            Op inv = op.invocation();
            events.add(new long[] {inv.timeNanos(), inv.index(), TIE_REAL, op.id(), 1});
            Op deadline = keyOps.deadlineById().get(op.id());
            if (op.outcomeKnown()) {
                events.add(new long[] {op.completion().timeNanos(), op.completion().index(), TIE_REAL, op.id(), 0});
            } else if (deadline != null) {
                events.add(new long[] {deadline.timeNanos(), deadline.index(), TIE_DEADLINE, op.id(), 0});
            }
        }
        events.sort(EventList::compareEvents);
        return events.toArray(new long[0][]);
    }

    private static int compareEvents(long[] a, long[] b) {
        for (int field = 0; field < 4; field++) {
            int c = Long.compare(a[field], b[field]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** True when the operation has a return event, so the search must place it before reaching that event. */
    boolean hasReturn(int op) {
        return returnNodeOfOp[op] >= 0;
    }

    /** The first node after the head, or the tail sentinel when every event has been lifted. */
    int first() {
        return next[HEAD];
    }

    int next(int node) {
        return next[node];
    }

    boolean isTail(int node) {
        return node == tail;
    }

    boolean isCall(int node) {
        return isCallNode[node];
    }

    int opOf(int node) {
        return opOfNode[node];
    }

    int callNodeOf(int op) {
        return callNodeOfOp[op];
    }

    /** Removes the operation's call and (if it has one) return event. */
    void lift(int op) {
        unlink(callNodeOfOp[op]);
        int ret = returnNodeOfOp[op];
        if (ret >= 0) {
            unlink(ret);
        }
    }

    /** Undoes {@link #lift} of the operation lifted most recently and not yet restored. */
    void restore(int op) {
        int ret = returnNodeOfOp[op];
        if (ret >= 0) {
            relink(ret);
        }
        relink(callNodeOfOp[op]);
    }

    private void unlink(int node) {
        next[prev[node]] = next[node];
        prev[next[node]] = prev[node];
    }

    private void relink(int node) {
        next[prev[node]] = node;
        prev[next[node]] = node;
    }
}
