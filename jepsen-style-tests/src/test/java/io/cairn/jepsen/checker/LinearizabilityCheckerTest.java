package io.cairn.jepsen.checker;

import static io.cairn.jepsen.history.OpFunction.CAS;
import static io.cairn.jepsen.history.OpFunction.READ;
import static io.cairn.jepsen.history.OpFunction.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.jepsen.checker.CheckResult.Verdict;
import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Hand-made histories with a known verdict. Each one is small enough to check by eye; the comment on each says
 * why the verdict is what it is. Times are in nanoseconds; an operation written {@code [a, b]} is invoked at
 * {@code a} and completes at {@code b}, so two operations are concurrent when their windows overlap.
 */
class LinearizabilityCheckerTest {
    private static final long BUDGET = 100_000;

    private final History h = new History();
    private final LinearizabilityChecker checker = new LinearizabilityChecker();
    private final Model<RegisterModel.Register> register = model();

    /** The model every test checks against; {@link LinearizabilityCheckerWithoutPruningTest} swaps it. */
    Model<RegisterModel.Register> model() {
        return new RegisterModel();
    }

    private Op write(int process, String key, long value, long atNanos) {
        return h.invoke(process, WRITE, key, value, null, atNanos);
    }

    private Op read(int process, String key, long atNanos) {
        return h.invoke(process, READ, key, null, null, atNanos);
    }

    private Op cas(int process, String key, Long expected, long value, long atNanos) {
        return h.invoke(process, CAS, key, value, expected, atNanos);
    }

    /** A whole operation that completes OK in the window {@code [from, to]}; {@code readValue} only for reads. */
    private void okOp(Op invocation, Long readValue, long toNanos) {
        h.ok(invocation, readValue, toNanos);
    }

    private CheckResult check() {
        return checker.check(h, register, BUDGET);
    }

    @Nested
    class NotLinearizable {
        /** write 1 [0,10], write 2 [20,30], read [40,50] -> 1: the read began after write 2 was acknowledged. */
        @Test
        void staleRead() {
            okOp(write(0, "x", 1, 0), null, 10);
            okOp(write(0, "x", 2, 20), null, 30);
            okOp(read(1, "x", 40), 1L, 50);

            CheckResult r = check();

            assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
            assertThat(r.key()).isEqualTo("x");
            assertThat(r.explanation())
                    .contains("key \"x\" is not linearizable")
                    .contains("has 2 operations")
                    .contains("#4 p1 read -> 1")
                    .contains("not legal when register holds 2");
        }

        /**
         * The acknowledged write of 2 is lost: every later read, from several clients, still sees 1, and a
         * later write 3 is seen, so the register is alive.
         */
        @Test
        void lostWrite() {
            okOp(write(0, "x", 1, 0), null, 10);
            okOp(write(1, "x", 2, 20), null, 30);
            okOp(read(2, "x", 40), 1L, 50);
            okOp(read(3, "x", 45), 1L, 55);
            okOp(write(0, "x", 3, 60), null, 70);
            okOp(read(2, "x", 80), 3L, 90);

            CheckResult r = check();

            assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
            assertThat(r.explanation()).contains("write 2").contains("read -> 1");
        }

        @Test
        void readOfAValueNeverWritten() {
            okOp(write(0, "x", 1, 0), null, 10);
            okOp(read(1, "x", 5), 3L, 15);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        @Test
        void readOfAbsentAfterAnAcknowledgedWrite() {
            okOp(write(0, "x", 1, 0), null, 10);
            okOp(read(1, "x", 20), null, 30);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        /** The register holds 1, yet a CAS expecting 5 reports success. */
        @Test
        void casThatSucceededAgainstAValueThatWasNotThere() {
            okOp(write(0, "x", 1, 0), null, 10);
            okOp(cas(1, "x", 5L, 6, 20), null, 30);

            CheckResult r = check();

            assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
            assertThat(r.explanation()).contains("cas 5 -> 6").contains("not legal when register holds 1");
        }

        /** A CAS that succeeded must have swapped: a later read of the old value contradicts it. */
        @Test
        void readOfTheOldValueAfterASuccessfulCas() {
            okOp(write(0, "x", 1, 0), null, 10);
            okOp(cas(1, "x", 1L, 2, 20), null, 30);
            okOp(read(2, "x", 40), 1L, 50);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        /** A read that returns a value whose write was invoked only after the read completed. */
        @Test
        void readFromTheFuture() {
            okOp(read(1, "x", 0), 1L, 10);
            okOp(write(0, "x", 1, 20), null, 30);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        /**
         * Writes 1 and 2 are concurrent, so either order is fine, but sequential reads 2, 1, 2 would need the
         * register to go back and forth. The search must try both write orders before giving up.
         */
        @Test
        void readsThatFlipFlopBetweenTwoConcurrentWrites() {
            Op w1 = write(0, "x", 1, 0);
            Op w2 = write(1, "x", 2, 0);
            okOp(read(2, "x", 10), 2L, 20);
            okOp(read(2, "x", 30), 1L, 40);
            okOp(read(2, "x", 50), 2L, 60);
            okOp(w1, null, 100);
            okOp(w2, null, 100);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        /** A FAIL write certainly did not happen, so its value must never be read. */
        @Test
        void readOfAFailedWrite() {
            h.fail(write(0, "x", 1, 0), 10);
            okOp(read(1, "x", 20), 1L, 30);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        /** An INFO write may take effect late, but not before it was invoked. */
        @Test
        void infoWriteSeenBeforeItWasInvoked() {
            okOp(read(1, "x", 0), 2L, 10);
            h.info(write(0, "x", 2, 20), 30);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        /** An INFO write takes effect at most once: after 2 was seen and 1 came back, 2 cannot come back. */
        @Test
        void infoWriteSeenTwiceAroundAnotherWrite() {
            okOp(write(0, "x", 1, 0), null, 10);
            h.info(write(1, "x", 2, 20), 30);
            okOp(read(2, "x", 40), 2L, 50);
            okOp(write(0, "x", 1, 60), null, 70);
            okOp(read(2, "x", 80), 1L, 90);
            okOp(read(2, "x", 100), 2L, 110);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }
    }

    @Nested
    class Linearizable {
        @Test
        void emptyHistory() {
            CheckResult r = check();

            assertThat(r.verdict()).isEqualTo(Verdict.VALID);
            assertThat(r.key()).isNull();
        }

        @Test
        void readOfAnAbsentKey() {
            okOp(read(0, "x", 0), null, 10);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** Writes 1 and 2 overlap, so a later read may see either; both histories are valid. */
        @Test
        void concurrentWritesMayTakeEffectInEitherOrder() {
            for (long seen : new long[] {1, 2}) {
                History history = new History();
                Op w1 = history.invoke(0, WRITE, "x", 1L, null, 0);
                Op w2 = history.invoke(1, WRITE, "x", 2L, null, 5);
                history.ok(w1, null, 20);
                history.ok(w2, null, 25);
                history.ok(history.invoke(2, READ, "x", null, null, 30), seen, 40);

                Verdict verdict = checker.check(history, register, BUDGET).verdict();
                assertThat(verdict).as("read %d", seen).isEqualTo(Verdict.VALID);
            }
        }

        /** A read overlapping a write may see the old or the new value. */
        @Test
        void readConcurrentWithAWriteSeesEitherValue() {
            for (long seen : new long[] {1, 2}) {
                History history = new History();
                history.ok(history.invoke(0, WRITE, "x", 1L, null, 0), null, 10);
                Op w2 = history.invoke(0, WRITE, "x", 2L, null, 20);
                history.ok(history.invoke(1, READ, "x", null, null, 30), seen, 40);
                history.ok(w2, null, 60);

                Verdict verdict = checker.check(history, register, BUDGET).verdict();
                assertThat(verdict).as("read %d", seen).isEqualTo(Verdict.VALID);
            }
        }

        /**
         * Concurrent reads see 1 then 2 while both writes are in flight; the checker must order the writes
         * 1-then-2 even though write 2 was invoked first.
         */
        @Test
        void concurrentWritesOrderedByWhatReadsSaw() {
            Op w2 = write(1, "x", 2, 0);
            Op w1 = write(0, "x", 1, 5);
            okOp(read(2, "x", 10), 1L, 20);
            okOp(read(2, "x", 30), 2L, 40);
            okOp(w2, null, 100);
            okOp(w1, null, 100);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** An INFO write may take effect long after its INFO: reads see 1, then 2. */
        @Test
        void infoWriteWhoseEffectAppearsLater() {
            okOp(write(0, "x", 1, 0), null, 10);
            h.info(write(1, "x", 2, 20), 30);
            okOp(read(2, "x", 40), 1L, 50);
            okOp(read(2, "x", 500), 2L, 510);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        @Test
        void infoWriteThatNeverAppears() {
            okOp(write(0, "x", 1, 0), null, 10);
            h.info(write(1, "x", 2, 20), 30);
            okOp(read(2, "x", 40), 1L, 50);
            okOp(read(2, "x", 500), 1L, 510);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** A write never completed is treated as INFO: it may have happened. */
        @Test
        void outstandingWriteMayHaveHappened() {
            okOp(write(0, "x", 1, 0), null, 10);
            write(1, "x", 2, 20);
            okOp(read(2, "x", 40), 2L, 50);

            assertThat(h.outstanding()).hasSize(1);
            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        @Test
        void failedOperationsNeverAppear() {
            okOp(write(0, "x", 1, 0), null, 10);
            h.fail(write(1, "x", 2, 20), 30);
            h.fail(cas(1, "x", 1L, 3, 40), 50);
            h.fail(read(1, "x", 60), 70);
            okOp(read(2, "x", 80), 1L, 90);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        @Test
        void successfulCasAgainstTheCurrentValue() {
            okOp(write(0, "x", 1, 0), null, 10);
            okOp(cas(1, "x", 1L, 2, 20), null, 30);
            okOp(cas(1, "x", 2L, 3, 40), null, 50);
            okOp(read(2, "x", 60), 3L, 70);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        @Test
        void casOnAnAbsentKeyExpectingNil() {
            okOp(cas(1, "x", null, 7, 0), null, 10);
            okOp(read(2, "x", 20), 7L, 30);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** An INFO CAS may take effect later, when the value it expects is there. */
        @Test
        void infoCasThatTakesEffectLater() {
            h.info(cas(1, "x", 1L, 2, 0), 10);
            okOp(write(0, "x", 1, 20), null, 30);
            okOp(read(2, "x", 40), 1L, 50);
            okOp(read(2, "x", 60), 2L, 70);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /**
         * The value 1 is never read, yet the INFO write of 1 is needed: the INFO CAS 1 -> 2 can only have
         * produced the 2 that was read if the write of 1 took effect first.
         */
        @Test
        void infoCasChainNeedsTheInfoWriteItExpects() {
            h.info(write(0, "x", 1, 0), 10);
            h.info(cas(1, "x", 1L, 2, 20), 30);
            okOp(read(2, "x", 40), 2L, 50);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** A longer chain, listed against the direction in which the needed values are discovered. */
        @Test
        void aChainOfInfoCasesNeedsEveryLink() {
            h.info(write(0, "x", 1, 0), 10);
            h.info(cas(1, "x", 1L, 2, 20), 30);
            h.info(cas(2, "x", 2L, 3, 40), 50);
            okOp(read(3, "x", 60), 3L, 70);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** Two INFO writes of the same value: either may be the one a read saw. */
        @Test
        void eitherOfTwoInfoWritesOfTheSameValueMayBeTheOneSeen() {
            h.info(write(0, "x", 5, 0), 10);
            okOp(write(1, "x", 1, 20), null, 30);
            h.info(write(2, "x", 5, 40), 50);
            okOp(read(3, "x", 60), 1L, 70);
            okOp(read(3, "x", 80), 5L, 90);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** Reads whose result is unknown (INFO or outstanding) constrain nothing. */
        @Test
        void readsWithUnknownResultsAreIgnored() {
            okOp(write(0, "x", 1, 0), null, 10);
            h.info(read(1, "x", 20), 30);
            read(2, "x", 40);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }
    }

    @Nested
    class RealTimeTies {
        /**
         * Write 1 completes at t=10 and the read is invoked at t=10 but recorded after it: the write precedes
         * the read, so a read of the absent value is a violation.
         */
        @Test
        void completionRecordedBeforeAnInvocationAtTheSameTimePrecedesIt() {
            Op w = write(0, "x", 1, 0);
            okOp(w, null, 10);
            okOp(read(1, "x", 10), null, 20);

            assertThat(check().verdict()).isEqualTo(Verdict.INVALID);
        }

        /** Same timestamps, but the read's invocation was recorded first: the two overlap. */
        @Test
        void invocationRecordedBeforeACompletionAtTheSameTimeOverlapsIt() {
            Op w = write(0, "x", 1, 0);
            Op r = read(1, "x", 10);
            okOp(w, null, 10);
            okOp(r, null, 20);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        /** Timestamps, not list order, decide: an entry recorded late but stamped early is placed early. */
        @Test
        void timestampsDecideOrderWhenTheyDiffer() {
            List<Op> ops = new ArrayList<>();
            ops.add(new Op(0, 0, OpType.INVOKE, WRITE, "x", 1L, null, 0));
            ops.add(new Op(1, 1, OpType.INVOKE, READ, "x", null, null, 30));
            ops.add(new Op(2, 1, OpType.OK, READ, "x", null, null, 40));
            ops.add(new Op(3, 0, OpType.OK, WRITE, "x", 1L, null, 20));

            assertThat(checker.check(ops, register, BUDGET).verdict()).isEqualTo(Verdict.INVALID);
        }
    }

    @Nested
    class PerKey {
        /** On a single register this would be a stale read; on two keys it is fine. */
        @Test
        void keysAreIndependent() {
            okOp(write(0, "a", 1, 0), null, 10);
            okOp(read(1, "b", 20), null, 30);
            okOp(write(0, "b", 2, 40), null, 50);
            okOp(read(1, "a", 60), 1L, 70);

            assertThat(check().verdict()).isEqualTo(Verdict.VALID);
        }

        @Test
        void aViolationIsReportedWithItsKey() {
            okOp(write(0, "alpha", 1, 0), null, 10);
            okOp(write(0, "beta", 1, 20), null, 30);
            okOp(write(0, "beta", 2, 40), null, 50);
            okOp(read(1, "alpha", 60), 1L, 70);
            okOp(read(1, "beta", 80), 1L, 90);
            okOp(read(1, "gamma", 100), null, 110);

            CheckResult r = check();

            assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
            assertThat(r.key()).isEqualTo("beta");
            assertThat(r.explanation()).contains("key \"beta\"").doesNotContain("\"alpha\"");

            Map<String, CheckResult> each = checker.checkEachKey(h.ops(), register, BUDGET);
            assertThat(each.keySet()).containsExactly("alpha", "beta", "gamma");
            assertThat(each.get("alpha").verdict()).isEqualTo(Verdict.VALID);
            assertThat(each.get("beta").verdict()).isEqualTo(Verdict.INVALID);
            assertThat(each.get("gamma").verdict()).isEqualTo(Verdict.VALID);
        }

        /** An UNKNOWN key does not hide an INVALID one: INVALID wins whatever the key order. */
        @Test
        void invalidWinsOverUnknown() {
            addHighlyConcurrentWrites("a-hard", 14, 0);
            okOp(write(100, "b-broken", 1, 0), null, 10);
            okOp(read(101, "b-broken", 20), 9L, 30);

            CheckResult r = checker.check(h, register, 30);

            assertThat(r.verdict()).isEqualTo(Verdict.INVALID);
            assertThat(r.key()).isEqualTo("b-broken");
        }
    }

    @Nested
    class Budget {
        /** Many writes in flight at once and reads of the first value: thousands of orders to consider. */
        @Test
        void largeHighlyConcurrentHistoryWithATinyBudgetIsUnknown() {
            addHighlyConcurrentWrites("x", 16, 0);

            CheckResult r = checker.check(h, register, 50);

            assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
            assertThat(r.key()).isEqualTo("x");
            assertThat(r.explanation()).contains("ran out of its budget of 50 steps");
            assertThat(r.stepsUsed()).isEqualTo(50);
        }

        /**
         * A similar history (fewer writers, to keep the test fast) is decided when given room, so the UNKNOWN
         * above is the budget's doing.
         */
        @Test
        void aSimilarHistoryWithEnoughBudgetIsDecided() {
            addHighlyConcurrentWrites("x", 12, 0);

            CheckResult r = checker.check(h, register, 10_000_000);

            assertThat(r.verdict()).isEqualTo(Verdict.VALID);
            assertThat(r.stepsUsed()).isGreaterThan(50);
            // Memoisation on (linearized set, state) keeps this near 28 thousand steps; without it, ~7.8 million.
            assertThat(r.stepsUsed()).isLessThan(100_000);
        }

        /**
         * A violation that can only be proven by exhausting every order of 14 concurrent writes: with a small
         * budget the checker stops and says UNKNOWN instead of running for a long time.
         */
        @Test
        void anExpensiveViolationWithASmallBudgetIsUnknownNotAHang() {
            addHighlyConcurrentWrites("x", 14, 0);
            okOp(read(999, "x", 10_000), 12345L, 10_010);

            CheckResult r = checker.check(h, register, 1_000);

            assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
            assertThat(r.stepsUsed()).isEqualTo(1_000);
        }

        @Test
        void budgetIsPerKey() {
            addHighlyConcurrentWrites("a", 10, 0);
            addHighlyConcurrentWrites("b", 10, 1000);

            CheckResult r = checker.check(h, register, 40);

            assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
            assertThat(r.key()).isEqualTo("a");
            assertThat(r.stepsUsed()).isEqualTo(80);
        }

        @Test
        void budgetMustBePositive() {
            assertThatThrownBy(() -> checker.check(h, register, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * {@code writers} processes (ids {@code base..}) all write at once; while they are all in flight, reads see
     * the writes' values in a scrambled order, so the checker has to pick the one write order that fits.
     */
    private void addHighlyConcurrentWrites(String key, int writers, int processBase) {
        long t = processBase * 10_000L;
        List<Op> writes = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            writes.add(write(processBase + i, key, i + 1, t + i));
        }
        int reader = processBase + writers;
        long at = t + 100;
        for (int i = writers; i >= 1; i -= 3) {
            okOp(read(reader, key, at), (long) i, at + 5);
            at += 10;
        }
        for (Op w : writes) {
            okOp(w, null, at + 100);
        }
    }
}
