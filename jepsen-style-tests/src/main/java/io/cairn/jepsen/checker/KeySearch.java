package io.cairn.jepsen.checker;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The linearizability search for one key: Wing and Gong's depth-first search over the event list, with Lowe's
 * memoisation of (linearized set, model state), in the form the Porcupine checker made popular.
 *
 * <p>The search walks the {@link EventList} from the head. At a call event it asks the model whether the
 * operation can take effect now; if so, and the resulting configuration is new, it linearizes the operation
 * (lifts its events, pushes it on the path) and starts again from the head. At a return event every
 * operation that could go next has been tried, and the operation returning there is not linearized yet, so
 * this path is a dead end: the last linearized operation is undone and the walk resumes just after its call.
 * The history is linearizable once every mandatory operation has been placed. Mandatory means having a
 * return event: every OK operation, and an unknown-outcome operation the model gave a deadline. The other
 * unknown-outcome operations (INFO, or never completed) are optional: leaving one out stands for "never took
 * effect".
 *
 * <p>One refinement of the order in which candidates are tried: at each configuration the mandatory ones are
 * tried first, in event order, and the optional ones only when no mandatory one leads anywhere (the walk
 * reaches a return in the first pass). Every candidate is still tried before backtracking, so the search
 * stays complete; but an INFO write is no longer applied at the first opportunity only to be undone a few
 * reads later, which dominated the time on histories with many INFO operations.
 *
 * <p>Budget: every iteration of the walk (looking at one event, including the model call and memo lookup it
 * may make, or one backtrack) is one step. When the budget is spent the search stops and answers UNKNOWN.
 * Memory is bounded by the budget too: the memo gains at most one entry per step.
 *
 * <p>Not thread-safe; one instance runs one search once.
 */
final class KeySearch<S> {
    private final KeyOperations keyOperations;
    private final Operation[] ops;
    private final Model<S> model;
    private final long stepBudget;
    private final EventList events;
    private final OpSet linearized;
    private final VisitedConfigurations visited = new VisitedConfigurations();

    /** The current path: operations in linearization order, the state before each, and the pass that placed it. */
    private final int[] pathOps;
    private final Object[] pathStatesBefore;
    private final boolean[] pathTriedAsOptional;
    private int depth;
    private int depthMax;
    private S state;
    private int mandatoryRemainingCount;
    private int optionalRemainingCount;
    private long steps;
    private Counterexample deepestDeadEnd;

    KeySearch(KeyOperations keyOperations, Model<S> model, long stepBudget) {
        this.keyOperations = keyOperations;
        this.ops = keyOperations.operations().toArray(new Operation[0]);
        this.model = model;
        this.stepBudget = stepBudget;
        this.events = new EventList(keyOperations);
        this.linearized = new OpSet(ops.length);
        this.pathOps = new int[ops.length];
        this.pathStatesBefore = new Object[ops.length];
        this.pathTriedAsOptional = new boolean[ops.length];
        this.state = Objects.requireNonNull(model.init(), "the model's initial state must not be null");
        for (Operation op : ops) {
            if (events.hasReturn(op.id())) {
                mandatoryRemainingCount++;
            } else {
                optionalRemainingCount++;
            }
        }
    }

    CheckResult run() {
        int node = events.first();
        boolean tryingOptional = false;
        while (mandatoryRemainingCount > 0) {
            if (steps >= stepBudget) {
                return outOfBudget();
            }
            steps++;
            if (events.isTail(node)) {
                throw new IllegalStateException("search of key \"" + keyOperations.key()
                        + "\" walked off the event list with operations left to place; this is a checker bug");
            }
            if (events.isCall(node)) {
                int op = events.opOf(node);
                if (events.hasReturn(op) == !tryingOptional && tryLinearize(op, tryingOptional)) {
                    node = events.first();
                    tryingOptional = false;
                } else {
                    node = events.next(node);
                }
            } else if (!tryingOptional && optionalRemainingCount > 0) {
                tryingOptional = true;
                node = events.first();
            } else {
                noteDeadEnd(node);
                if (depth == 0) {
                    return notLinearizable();
                }
                tryingOptional = pathTriedAsOptional[depth - 1];
                node = events.next(events.callNodeOf(backtrack()));
            }
        }
        return linearizable();
    }

    private boolean tryLinearize(int op, boolean triedAsOptional) {
        Operation o = ops[op];
        S next = model.step(state, o.invocation(), o.modelCompletion());
        if (next == null) {
            return false;
        }
        linearized.add(op);
        if (!visited.add(linearized, next)) {
            linearized.remove(op);
            return false;
        }
        pathOps[depth] = op;
        pathStatesBefore[depth] = state;
        pathTriedAsOptional[depth] = triedAsOptional;
        depth++;
        depthMax = Math.max(depthMax, depth);
        state = next;
        events.lift(op);
        if (events.hasReturn(op)) {
            mandatoryRemainingCount--;
        } else {
            optionalRemainingCount--;
        }
        return true;
    }

    /** Undoes the last linearization and returns the operation undone. */
    @SuppressWarnings("unchecked")
    private int backtrack() {
        depth--;
        int op = pathOps[depth];
        state = (S) pathStatesBefore[depth];
        pathStatesBefore[depth] = null;
        linearized.remove(op);
        events.restore(op);
        if (events.hasReturn(op)) {
            mandatoryRemainingCount++;
        } else {
            optionalRemainingCount++;
        }
        return op;
    }

    /**
     * Keeps the deepest dead end seen, as the explanation of an INVALID verdict: the longest prefix that could
     * be linearized, the operation whose return blocked it, and the candidates that were tried there.
     */
    private void noteDeadEnd(int returnNode) {
        if (deepestDeadEnd != null && depth <= deepestDeadEnd.prefixOps().length) {
            return;
        }
        Object[] statesAfter = new Object[depth];
        for (int i = 0; i < depth; i++) {
            statesAfter[i] = i + 1 < depth ? pathStatesBefore[i + 1] : state;
        }
        int[] candidates = new int[ops.length];
        int candidateCount = 0;
        for (int node = events.first(); node != returnNode; node = events.next(node)) {
            candidates[candidateCount++] = events.opOf(node);
        }
        deepestDeadEnd = new Counterexample(Arrays.copyOf(pathOps, depth), List.of(statesAfter), state,
                events.opOf(returnNode), Arrays.copyOf(candidates, candidateCount));
    }

    private CheckResult notLinearizable() {
        String explanation = deepestDeadEnd.explain(keyOperations, model);
        return new CheckResult(CheckResult.Verdict.INVALID, keyOperations.key(), explanation, steps);
    }

    private CheckResult outOfBudget() {
        String explanation = "key \"" + keyOperations.key() + "\": the search ran out of its budget of " + stepBudget
                + " steps (per key) before deciding; the longest linearizable prefix it reached has " + depthMax
                + " of " + ops.length + " operations. The history may or may not be linearizable: raise the"
                + " step budget, or check a shorter or less concurrent history.";
        return new CheckResult(CheckResult.Verdict.UNKNOWN, keyOperations.key(), explanation, steps);
    }

    private CheckResult linearizable() {
        long unknownCount = Arrays.stream(ops).filter(o -> !o.outcomeKnown()).count();
        String explanation = "key \"" + keyOperations.key() + "\": linearizable (" + ops.length + " operations, "
                + unknownCount + " of them of unknown outcome; " + keyOperations.failedDroppedCount()
                + " failed operations, " + keyOperations.unknownReadsDroppedCount()
                + " reads of unknown result and " + keyOperations.unneededUnknownDroppedCount()
                + " unneeded operations of unknown outcome left out)";
        return new CheckResult(CheckResult.Verdict.VALID, keyOperations.key(), explanation, steps);
    }
}
