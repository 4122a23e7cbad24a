package io.cairn.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.jepsen.checker.CheckResult.Verdict;
import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import io.cairn.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Histories the size the simulator produces (about 3000 entries, 10 client workers, 8 keys, a few percent
 * INFO) are decided with a small number of steps. The limits below are about ten times what the checker
 * needs today: they catch a change that makes the search blow up, without asserting anything about time.
 */
class SimulatorSizedHistoriesTest {
    private static final int WORKERS = 10;
    private static final int KEYS = 8;
    private static final int OPS = 1_500;
    private static final int INFO_PERCENT = 3;
    private static final long STEPS_MAX = 100_000;

    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void aValidHistoryIsValidInFewSteps(long seed) {
        History h = SimulatedRegisterClients.run(Choices.seeded(seed), WORKERS, KEYS, OPS, INFO_PERCENT);
        assertThat(h.ops()).hasSizeGreaterThan(2_500);
        assertThat(h.countOf(OpType.INFO)).isGreaterThan(5);

        CheckResult r = checker.check(h, new RegisterModel(), LinearizabilityChecker.DEFAULT_STEP_BUDGET_PER_KEY);

        assertThat(r.verdict()).as("%s", r).isEqualTo(Verdict.VALID);
        assertThat(r.stepsUsed()).isLessThan(STEPS_MAX);
    }

    /** A stale read late in the history: the checker has to backtrack over everything before it. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void aCorruptedReadLateInTheHistoryIsFoundInFewSteps(long seed) {
        History h = SimulatedRegisterClients.run(Choices.seeded(seed), WORKERS, KEYS, OPS, INFO_PERCENT);
        List<Op> ops = new ArrayList<>(h.ops());
        int target = lastOkReadOfAWrittenKey(ops);
        Op read = ops.get(target);
        ops.set(target, new Op(read.index(), read.process(), OpType.OK, OpFunction.READ, read.key(), -1L, null,
                read.timeNanos()));

        CheckResult r = checker.check(ops, new RegisterModel(), LinearizabilityChecker.DEFAULT_STEP_BUDGET_PER_KEY);

        assertThat(r.verdict()).as("%s", r).isEqualTo(Verdict.INVALID);
        assertThat(r.key()).isEqualTo(read.key());
        assertThat(r.stepsUsed()).isLessThan(STEPS_MAX);
    }

    @Test
    void theDefaultBudgetIsFarAboveWhatSuchHistoriesNeed() {
        assertThat(LinearizabilityChecker.DEFAULT_STEP_BUDGET_PER_KEY).isGreaterThan(10 * STEPS_MAX);
    }

    /** The last OK read before the final reads that returned a value (so the key was written by then). */
    private static int lastOkReadOfAWrittenKey(List<Op> ops) {
        for (int i = ops.size() - 2 * KEYS - 1; i >= 0; i--) {
            Op o = ops.get(i);
            if (o.type() == OpType.OK && o.f() == OpFunction.READ && o.value() != null) {
                return i;
            }
        }
        throw new IllegalStateException("no OK read in the history");
    }
}
