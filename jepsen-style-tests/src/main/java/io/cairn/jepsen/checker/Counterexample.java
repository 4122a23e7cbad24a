package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;
import java.util.List;

/**
 * The deepest dead end of a failed search, kept to explain an INVALID verdict to a person.
 *
 * <p>A dead end is a configuration where the walk reached the return of an operation not yet linearized after
 * trying every candidate: the linearized prefix {@code prefixOps} (with the model state after each, ending in
 * {@code stateAtEnd}) cannot be extended so that {@code blockingOp} takes effect before it returns. The
 * deepest one is the longest linearizable prefix the search found, which usually points straight at the
 * anomaly: the prefix is the history as the system must have executed it, and the blocking operation is the
 * one that contradicts it. {@code candidateOps} are the operations that could have gone next there (their
 * call precedes the blocking return); the explanation says for each why it did not.
 */
record Counterexample(
        int[] prefixOps, List<Object> statesAfter, Object stateAtEnd, int blockingOp, int[] candidateOps) {

    /** Lines of the prefix shown at most; earlier ones are summarised by a count. */
    static final int PREFIX_LINES_SHOWN_MAX = 20;

    <S> String explain(KeyOperations keyOps, Model<S> model) {
        List<Operation> ops = keyOps.operations();
        StringBuilder sb = new StringBuilder(1024);
        sb.append("key \"").append(keyOps.key()).append("\" is not linearizable: no order of its ").append(ops.size())
                .append(" operations respects both real time and the model.\n");
        appendPrefix(sb, ops, model);
        Operation blocking = ops.get(blockingOp);
        sb.append("Then ").append(blocking.describe())
                .append(" must take effect before ").append(deadline(keyOps, blocking))
                .append(", but neither it nor any other pending operation can go next:\n");
        appendCandidate(sb, ops.get(blockingOp), model);
        for (int op : candidateOps) {
            if (op != blockingOp) {
                appendCandidate(sb, ops.get(op), model);
            }
        }
        return sb.toString();
    }

    /** An OK operation must take effect before it returns; an unknown one given a deadline, before that. */
    private static String deadline(KeyOperations keyOps, Operation blocking) {
        if (blocking.outcomeKnown()) {
            return "it returns";
        }
        Op before = keyOps.deadlineById().get(blocking.id());
        return "#" + before.index() + " at " + before.timeNanos() + "ns, the completion the model says it must precede";
    }

    @SuppressWarnings("unchecked")
    private <S> void appendPrefix(StringBuilder sb, List<Operation> ops, Model<S> model) {
        sb.append("The longest linearizable prefix found has ").append(prefixOps.length).append(" operation")
                .append(prefixOps.length == 1 ? "" : "s").append(", starting from ")
                .append(model.describe(model.init())).append(":\n");
        int firstShown = Math.max(0, prefixOps.length - PREFIX_LINES_SHOWN_MAX);
        if (firstShown > 0) {
            sb.append("  ... ").append(firstShown).append(" earlier operations\n");
        }
        for (int i = firstShown; i < prefixOps.length; i++) {
            sb.append("  ").append(ops.get(prefixOps[i]).describe())
                    .append("  => ").append(model.describe((S) statesAfter.get(i))).append('\n');
        }
    }

    @SuppressWarnings("unchecked")
    private <S> void appendCandidate(StringBuilder sb, Operation op, Model<S> model) {
        S at = (S) stateAtEnd;
        boolean legal = model.step(at, op.invocation(), op.modelCompletion()) != null;
        sb.append("  ").append(op.describe()).append(": ")
                .append(legal ? "legal here, but every continuation after it was searched without success"
                        : "not legal when " + model.describe(at))
                .append('\n');
    }
}
