package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import io.cairn.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The operations on one key that the search has to place, and how many were left out and why.
 *
 * <p>Splitting a history by key is sound because linearizability is local (Herlihy and Wing): a history of
 * independent objects is linearizable iff each object's sub-history is. It also turns one search whose cost
 * grows with the product of the keys' concurrency into several small ones.
 *
 * <p>{@link #partition} pairs each invocation with its process's next completion (a process is sequential)
 * and applies Jepsen's rules: a FAIL operation is removed (it did not happen); an INFO or still-outstanding
 * READ is removed (its result is unknown, so it constrains nothing); an INFO or outstanding WRITE or CAS is
 * kept with an unknown outcome. A malformed history (a completion with no invocation, a process with two
 * invocations outstanding, a completion that does not match its invocation) is rejected with
 * {@link IllegalArgumentException}, since a verdict on it would mean nothing.
 *
 * <p>{@link #withHints} then applies a model's {@link UnknownOutcomeHints}: unneeded operations are removed
 * and {@code deadlineById} maps an operation of unknown outcome (by id) to the OK completion before which it
 * must be linearized.
 */
record KeyOperations(String key, List<Operation> operations, Map<Integer, Op> deadlineById, int failedDroppedCount,
        int unknownReadsDroppedCount, int unneededUnknownDroppedCount) {

    /** Pairs and filters {@code ops}, grouped by key; the map is sorted by key so reports are deterministic. */
    static TreeMap<String, KeyOperations> partition(List<Op> ops) {
        Map<Long, Op> completionByInvocationIndex = pairCompletions(ops);
        TreeMap<String, Builder> builders = new TreeMap<>();
        for (Op op : ops) {
            if (op.type() == OpType.INVOKE) {
                Op completion = completionByInvocationIndex.get(op.index());
                builders.computeIfAbsent(op.key(), k -> new Builder()).add(op, completion);
            }
        }
        TreeMap<String, KeyOperations> result = new TreeMap<>();
        builders.forEach((key, b) -> result.put(key, new KeyOperations(key, List.copyOf(b.operations), Map.of(),
                b.failedDroppedCount, b.unknownReadsDroppedCount, 0)));
        return result;
    }

    /**
     * These operations with a model's hints applied: unneeded operations removed (ids renumbered densely, order
     * kept) and deadlines recorded against the new ids.
     *
     * @throws IllegalStateException if a hint names an operation of another key, or of known outcome where
     *     an unknown one is required (or the reverse for a deadline's target)
     */
    KeyOperations withHints(UnknownOutcomeHints hints) {
        if (hints.unneeded().isEmpty() && hints.deadlines().isEmpty()) {
            return this;
        }
        requireUnknownOutcomeOpsOfThisKey(hints.unneeded(), "unneeded");
        requireUnknownOutcomeOpsOfThisKey(hints.deadlines().keySet(), "given a deadline");
        Map<Integer, Op> deadlines = new HashMap<>();
        List<Operation> kept = new ArrayList<>(operations.size() - hints.unneeded().size());
        for (Operation o : operations) {
            if (hints.unneeded().contains(o)) {
                continue;
            }
            Operation renumbered = new Operation(kept.size(), o.invocation(), o.completion());
            kept.add(renumbered);
            Operation before = hints.deadlines().get(o);
            if (before != null) {
                if (!before.outcomeKnown() || !belongs(before)) {
                    throw new IllegalStateException("a deadline must be an operation of known outcome of key \""
                            + key + "\", got " + before.describe());
                }
                deadlines.put(renumbered.id(), before.completion());
            }
        }
        return new KeyOperations(key, List.copyOf(kept), Map.copyOf(deadlines), failedDroppedCount,
                unknownReadsDroppedCount, unneededUnknownDroppedCount + hints.unneeded().size());
    }

    private boolean belongs(Operation o) {
        return o.id() >= 0 && o.id() < operations.size() && operations.get(o.id()).equals(o);
    }

    private void requireUnknownOutcomeOpsOfThisKey(Set<Operation> named, String what) {
        for (Operation o : named) {
            if (o.outcomeKnown() || !belongs(o)) {
                throw new IllegalStateException("the model marked an operation that is not one of key \"" + key
                        + "\"'s operations of unknown outcome as " + what + ": " + o.describe());
            }
        }
    }

    private static Map<Long, Op> pairCompletions(List<Op> ops) {
        Map<Integer, Op> outstandingByProcess = new HashMap<>();
        Map<Long, Op> completionByInvocationIndex = new HashMap<>();
        for (Op op : ops) {
            if (op.type() == OpType.INVOKE) {
                Op previous = outstandingByProcess.put(op.process(), op);
                if (previous != null) {
                    throw new IllegalArgumentException("process " + op.process() + " invoked " + op
                            + " while " + previous + " was outstanding");
                }
                continue;
            }
            Op invocation = outstandingByProcess.remove(op.process());
            if (invocation == null) {
                throw new IllegalArgumentException("completion without an outstanding invocation: " + op);
            }
            if (invocation.f() != op.f() || !invocation.key().equals(op.key())) {
                throw new IllegalArgumentException("completion " + op + " does not match its invocation " + invocation);
            }
            if (op.timeNanos() < invocation.timeNanos()) {
                throw new IllegalArgumentException("completion " + op + " precedes its invocation " + invocation);
            }
            completionByInvocationIndex.put(invocation.index(), op);
        }
        return completionByInvocationIndex;
    }

    /** Accumulates one key's operations in invocation order, giving each the next dense id. */
    private static final class Builder {
        final List<Operation> operations = new ArrayList<>();
        int failedDroppedCount;
        int unknownReadsDroppedCount;

        void add(Op invocation, Op completion) {
            if (completion != null && completion.type() == OpType.FAIL) {
                failedDroppedCount++;
                return;
            }
            boolean unknown = completion == null || completion.type() == OpType.INFO;
            if (unknown && invocation.f() == OpFunction.READ) {
                unknownReadsDroppedCount++;
                return;
            }
            operations.add(new Operation(operations.size(), invocation, completion));
        }
    }
}
