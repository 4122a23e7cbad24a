package io.cairn.jepsen.history;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The record of what clients asked of the system under test and what they were told, in Jepsen's form.
 *
 * <p>Why it exists: a linearizability verdict is only as good as the history it is given, so the rules that
 * make a history well formed are enforced here, where entries are made, and not left to the checker to guess
 * around. A client process is sequential: it has at most one outstanding invocation; each completion must
 * match the process's outstanding invocation; after an {@link OpType#INFO} completion the process is retired
 * and may not invoke again (its operation may still take effect at any later time, so a new operation from
 * the same process would no longer be sequential). Breaking a rule throws {@link IllegalStateException}.
 *
 * <p>Invariants: entries are append-only and {@code ops().get(i).index() == i}; a completion carries the same
 * process, function and key as its invocation and is not earlier than it. Operations still outstanding when
 * the history is checked are treated as INFO (they may have happened).
 *
 * <p>Thread ownership: thread-confined. The simulator records from its single thread; a multi-threaded
 * harness must serialise its calls (the order of calls is the history's order, and breaks timestamp ties).
 *
 * <p>Read next: {@link Op} for the fields, {@code io.cairn.jepsen.checker.LinearizabilityChecker} for how
 * histories are judged.
 */
public final class History {
    private final List<Op> ops = new ArrayList<>();
    private final Map<Integer, Op> outstandingByProcess = new HashMap<>();
    private final Set<Integer> retiredProcesses = new HashSet<>();
    private final EnumMap<OpType, Integer> counts = new EnumMap<>(OpType.class);

    /**
     * Records that {@code process} sent an operation. {@code value} is the value to write (WRITE), the new value
     * (CAS) or null (READ); {@code expected} is only for CAS.
     *
     * @throws IllegalStateException if the process has an outstanding invocation or was retired by an INFO
     */
    public Op invoke(int process, OpFunction f, String key, Long value, Long expected, long timeNanos) {
        if (outstandingByProcess.containsKey(process)) {
            throw new IllegalStateException("process " + process + " already has an outstanding invocation: "
                    + outstandingByProcess.get(process));
        }
        if (retiredProcesses.contains(process)) {
            throw new IllegalStateException("process " + process
                    + " was retired by an :info completion and may not invoke again; use a fresh process id");
        }
        if (f == OpFunction.READ && value != null) {
            throw new IllegalArgumentException("a READ invocation carries no value, got " + value);
        }
        Op op = append(process, OpType.INVOKE, f, key, value, expected, timeNanos);
        outstandingByProcess.put(process, op);
        return op;
    }

    /** Records that the operation took effect; {@code readValue} is the result of a READ, ignored otherwise. */
    public Op ok(Op invocation, Long readValue, long timeNanos) {
        takeOutstanding(invocation, timeNanos);
        Long value = invocation.f() == OpFunction.READ ? readValue : invocation.value();
        return append(invocation.process(), OpType.OK, invocation.f(), invocation.key(), value,
                invocation.expected(), timeNanos);
    }

    /** Records that the operation certainly did not take effect (and never will). */
    public Op fail(Op invocation, long timeNanos) {
        takeOutstanding(invocation, timeNanos);
        return append(invocation.process(), OpType.FAIL, invocation.f(), invocation.key(), invocation.value(),
                invocation.expected(), timeNanos);
    }

    /** Records that the outcome is unknown; the process is retired and may not invoke again. */
    public Op info(Op invocation, long timeNanos) {
        takeOutstanding(invocation, timeNanos);
        retiredProcesses.add(invocation.process());
        return append(invocation.process(), OpType.INFO, invocation.f(), invocation.key(), invocation.value(),
                invocation.expected(), timeNanos);
    }

    /** Every entry, in the order recorded; an unmodifiable view. */
    public List<Op> ops() {
        return Collections.unmodifiableList(ops);
    }

    /** The number of entries of the given type. */
    public int countOf(OpType type) {
        return counts.getOrDefault(type, 0);
    }

    /** Invocations not yet completed, in the order they were invoked. */
    public List<Op> outstanding() {
        List<Op> result = new ArrayList<>(outstandingByProcess.values());
        result.sort((a, b) -> Long.compare(a.index(), b.index()));
        return result;
    }

    /** Writes every entry as one EDN map per line ({@link Op#toEdn()}), the form Jepsen's tools read. */
    public void writeJepsen(Appendable out) {
        try {
            for (Op op : ops) {
                out.append(op.toEdn()).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the history failed after some lines", e);
        }
    }

    private void takeOutstanding(Op invocation, long timeNanos) {
        Objects.requireNonNull(invocation, "invocation");
        Op outstanding = outstandingByProcess.get(invocation.process());
        if (invocation.type() != OpType.INVOKE || !invocation.equals(outstanding)) {
            throw new IllegalStateException("cannot complete " + invocation + ": it is not the outstanding invocation"
                    + " of process " + invocation.process() + " (outstanding: " + outstanding + ")");
        }
        if (timeNanos < invocation.timeNanos()) {
            throw new IllegalArgumentException(
                    "completion at " + timeNanos + "ns precedes its invocation " + invocation);
        }
        outstandingByProcess.remove(invocation.process());
    }

    private Op append(int process, OpType type, OpFunction f, String key, Long value, Long expected, long timeNanos) {
        Op op = new Op(ops.size(), process, type, f, key, value, expected, timeNanos);
        ops.add(op);
        counts.merge(type, 1, Integer::sum);
        return op;
    }
}
