package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A single read/write/compare-and-set register whose value starts absent (null).
 *
 * <p>This is the sequential specification of one key of the KV store, which is all the checker needs since
 * keys are independent and checked one at a time. Rules, for an operation applied to a register holding
 * {@code v}:
 * <ul>
 *   <li>READ with result {@code r}: legal iff {@code r == v} (both null counts as equal); no change.</li>
 *   <li>WRITE {@code w}: always legal; the register then holds {@code w} (null: absent again, a delete).</li>
 *   <li>CAS {@code e -> n}: legal iff {@code v == e}; the register then holds {@code n}. This holds whether
 *       the CAS is known to have succeeded or its outcome is unknown: a CAS of unknown outcome whose
 *       comparison would fail does nothing, which is the same as never taking effect, and the checker already
 *       considers leaving any unknown-outcome operation out.</li>
 * </ul>
 * A failed CAS never reaches the model: FAIL operations are removed from the history before the search.
 *
 * <p>The model also gives the search {@link UnknownOutcomeHints} (see {@link #unknownOutcomeHints}), which on
 * simulator histories take nearly all INFO operations out of the expensive part of the search.
 */
public final class RegisterModel implements Model<RegisterModel.Register> {

    /** The register's state: its value, null when absent. A record, so it has value equality. */
    public record Register(Long value) {
        /** The state of a register never written. */
        public static final Register ABSENT = new Register(null);

        @Override
        public String toString() {
            return value == null ? "nil" : value.toString();
        }
    }

    @Override
    public Register init() {
        return Register.ABSENT;
    }

    @Override
    public Register step(Register state, Op invocation, Op completion) {
        return switch (invocation.f()) {
            case READ -> completion == null || Objects.equals(completion.value(), state.value()) ? state : null;
            case WRITE -> new Register(invocation.value());
            case CAS -> Objects.equals(state.value(), invocation.expected()) ? new Register(invocation.value()) : null;
        };
    }

    @Override
    public String describe(Register state) {
        return "register holds " + state;
    }

    /**
     * Hints about unknown-outcome operations, from the values they write.
     *
     * <p><b>Unneeded.</b> Let the needed values be those read by OK READs and expected by OK CASes, closed
     * under "an unknown CAS whose new value is needed makes its expected value needed". An unknown WRITE or
     * CAS whose new value is not needed can be left out of any linearization: while the register holds that
     * value no kept operation observes it (a read or successful CAS would, and the value is not needed; an
     * unknown CAS expecting it is itself unneeded), so the next kept operation that cares about the value is
     * preceded by a write, and every kept operation sees the same state without it. Unknown READs change
     * nothing and are never needed.
     *
     * <p>A write of absent (a delete) whose outcome is unknown is unneeded by the same argument, counted from its
 * invocation: absent is also the register's start, so only observations of absent that may come after the delete
 * can need it ({@code absentObservedAfter}).
 *
 * <p><b>Deadlines.</b> If an unknown operation U is the only operation of the key that writes value
     * {@code x}, and some OK operation O observes {@code x} (reads it, or CASes expecting it), then every
     * linearization places U before O: the register holds {@code x} when O takes effect, it starts absent, and
     * only U can put {@code x} there. U gets the earliest such O (by completion) as its deadline. The
     * simulator writes unique values, so almost every INFO write whose value is read gets one.
     */
    @Override
    public UnknownOutcomeHints unknownOutcomeHints(List<Operation> operations) {
        Set<Long> needed = neededValues(operations);
        Set<Operation> unneeded = new HashSet<>();
        for (Operation o : operations) {
            boolean read = o.invocation().f() == OpFunction.READ;
            if (o.outcomeKnown()) {
                continue;
            }
            Long written = o.invocation().value();
            if (read || (written == null ? !absentObservedAfter(o, operations, needed) : !needed.contains(written))) {
                unneeded.add(o);
            }
        }
        return new UnknownOutcomeHints(unneeded, deadlines(operations, unneeded));
    }

    /**
     * Whether an unknown delete {@code d} (a write of absent) is needed. Absent is also where the register starts, so
     * observations of it made before {@code d} was invoked need no delete: {@code d} is needed only if an OK
     * operation observing absent completes after {@code d}'s invocation (it may be linearized after {@code d}), or a
     * needed unknown CAS expects absent (it may take effect at any time after its invocation).
     */
    private static boolean absentObservedAfter(Operation d, List<Operation> operations, Set<Long> needed) {
        long invoked = d.invocation().timeNanos();
        for (Operation o : operations) {
            if (o == d || o.invocation().f() == OpFunction.WRITE) {
                continue;
            }
            if (o.outcomeKnown()) {
                if (observedValue(o) == null && o.completion().timeNanos() >= invoked) { // ties: may be after
                    return true;
                }
            } else if (o.invocation().f() == OpFunction.CAS && o.invocation().expected() == null
                    && needed.contains(o.invocation().value())) {
                return true;
            }
        }
        return false;
    }

    private static Set<Long> neededValues(List<Operation> operations) {
        Set<Long> needed = new HashSet<>();
        for (Operation o : operations) {
            Long observed = observedValue(o);
            if (o.outcomeKnown() && (o.invocation().f() != OpFunction.WRITE)) {
                needed.add(observed);
            }
        }
        List<Operation> unknownCases = operations.stream()
                .filter(o -> !o.outcomeKnown() && o.invocation().f() == OpFunction.CAS)
                .toList();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Operation o : unknownCases) {
                if (needed.contains(o.invocation().value()) && needed.add(o.invocation().expected())) {
                    grew = true;
                }
            }
        }
        return needed;
    }

    /** The value an operation requires the register to hold: what a READ returned, what a CAS expected. */
    private static Long observedValue(Operation o) {
        return switch (o.invocation().f()) {
            case READ -> o.outcomeKnown() ? o.completion().value() : null;
            case CAS -> o.invocation().expected();
            case WRITE -> null;
        };
    }

    private static Map<Operation, Operation> deadlines(List<Operation> operations, Set<Operation> unneeded) {
        Map<Long, Integer> writerCountByValue = new HashMap<>();
        Map<Long, Operation> firstObserverByValue = new HashMap<>();
        Comparator<Operation> byCompletion = Comparator.comparingLong((Operation o) -> o.completion().timeNanos())
                .thenComparingLong(o -> o.completion().index());
        for (Operation o : operations) {
            if (o.invocation().f() != OpFunction.READ) {
                writerCountByValue.merge(o.invocation().value(), 1, Integer::sum);
            }
            if (o.outcomeKnown() && o.invocation().f() != OpFunction.WRITE) {
                firstObserverByValue.merge(observedValue(o), o, (a, b) -> byCompletion.compare(a, b) <= 0 ? a : b);
            }
        }
        Map<Operation, Operation> deadlines = new HashMap<>();
        for (Operation o : operations) {
            Long written = o.invocation().value();
            // Absent (a delete's null) is also the register's start, so no single writer of it is the only source.
            boolean candidate = !o.outcomeKnown() && !unneeded.contains(o) && o.invocation().f() != OpFunction.READ
                    && written != null;
            Operation observer = firstObserverByValue.get(written);
            if (candidate && observer != null && writerCountByValue.get(written) == 1) {
                deadlines.put(o, observer);
            }
        }
        return deadlines;
    }
}
