package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import io.cairn.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The definition of linearizability for registers, executed literally, to judge the checker on tiny histories.
 *
 * <p>It shares nothing with the checker: its own pairing of entries, its own register semantics, and plain
 * enumeration of every order (no event list, no memo, no pruning beyond real time). An order is acceptable
 * when it places every OK operation, places an operation only after every OK operation that returned before
 * it was invoked, makes every placed operation legal for a register, and leaves out any subset of the
 * operations whose outcome is unknown (never took effect). FAIL operations and reads of unknown result are
 * ignored. Exponential: keep histories below about ten operations per key.
 */
final class BruteForceOracle {
    private BruteForceOracle() {}

    private record Candidate(Op invocation, Op completion, long callRank, long returnRank) {
        boolean known() {
            return completion != null && completion.type() == OpType.OK;
        }
    }

    static boolean isLinearizable(List<Op> ops) {
        Map<Op, Long> rank = new HashMap<>();
        List<Op> sorted = new ArrayList<>(ops);
        sorted.sort(Comparator.comparingLong(Op::timeNanos).thenComparingLong(Op::index));
        for (int i = 0; i < sorted.size(); i++) {
            rank.put(sorted.get(i), (long) i);
        }
        Map<String, List<Candidate>> byKey = new HashMap<>();
        Map<Integer, Op> open = new HashMap<>();
        Map<Op, Op> completionOf = new HashMap<>();
        for (Op op : ops) {
            if (op.type() == OpType.INVOKE) {
                open.put(op.process(), op);
            } else {
                completionOf.put(open.remove(op.process()), op);
            }
        }
        for (Op op : ops) {
            if (op.type() != OpType.INVOKE) {
                continue;
            }
            Op done = completionOf.get(op);
            boolean failed = done != null && done.type() == OpType.FAIL;
            boolean unknownRead = op.f() == OpFunction.READ && (done == null || done.type() != OpType.OK);
            if (!failed && !unknownRead) {
                long ret = done != null && done.type() == OpType.OK ? rank.get(done) : Long.MAX_VALUE;
                byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(new Candidate(op, done, rank.get(op), ret));
            }
        }
        return byKey.values().stream().allMatch(c -> search(c, new boolean[c.size()], null));
    }

    private static boolean search(List<Candidate> ops, boolean[] placed, Long value) {
        boolean allKnownPlaced = true;
        for (int i = 0; i < ops.size(); i++) {
            allKnownPlaced &= placed[i] || !ops.get(i).known();
        }
        if (allKnownPlaced) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !mayGoNext(ops, placed, i)) {
                continue;
            }
            Candidate c = ops.get(i);
            Op inv = c.invocation();
            Long after = value;
            switch (inv.f()) {
                case READ -> {
                    if (!Objects.equals(c.completion().value(), value)) {
                        continue;
                    }
                }
                case WRITE -> after = inv.value();
                case CAS -> {
                    if (!Objects.equals(inv.expected(), value)) {
                        continue;
                    }
                    after = inv.value();
                }
            }
            placed[i] = true;
            boolean found = search(ops, placed, after);
            placed[i] = false;
            if (found) {
                return true;
            }
        }
        return false;
    }

    /** Real time: no unplaced OK operation may have returned before this one was invoked. */
    private static boolean mayGoNext(List<Candidate> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (j != i && !placed[j] && ops.get(j).returnRank() < ops.get(i).callRank()) {
                return false;
            }
        }
        return true;
    }
}
