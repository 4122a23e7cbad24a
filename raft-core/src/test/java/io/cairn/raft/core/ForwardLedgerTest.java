package io.cairn.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The leader's memory of forwarded proposals ({@link ForwardLedger}) against a model that remembers everything:
 * a context recorded is never called new again (at most once), a duplicate is answered with the decision first
 * recorded, and "forgotten" is said only of contexts a whole window below the highest one of their incarnation.
 */
class ForwardLedgerTest {
    @Test
    void neverCallsARecordedForwardNewAndAnswersDuplicatesWithTheFirstDecision() {
        for (long seed = 1; seed <= 200; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int window = 1 + r.nextInt(64);
            ForwardLedger ledger = new ForwardLedger(window);
            Map<String, Long> recorded = new HashMap<>();
            Map<String, Long> highest = new HashMap<>();
            long[] bases = new long[ForwardLedger.INCARNATIONS_MAX];
            for (int i = 0; i < bases.length; i++) {
                bases[i] = ((long) r.nextInt(Integer.MAX_VALUE) << 31) + 1;
            }
            long[] next = bases.clone();
            for (int step = 0; step < 2_000; step++) {
                long origin = 1 + r.nextInt(2);
                int incarnation = r.nextInt(bases.length / 2) + (origin == 1 ? 0 : bases.length / 2);
                long context;
                if (r.nextInt(3) == 0 && next[incarnation] > bases[incarnation]) {
                    // a copy, or a new one reordered behind later ones: anywhere below what was sent
                    context = next[incarnation] - 1 - r.nextInt((int) Math.min(3L * window,
                            next[incarnation] - bases[incarnation]));
                } else {
                    context = next[incarnation]++;
                }
                String key = origin + "/" + context;
                String incarnationKey = origin + "/" + (context >>> 31);
                ForwardLedger.Verdict v = ledger.lookup(origin, context);
                Long first = recorded.get(key);
                if (first != null) {
                    assertThat(v).as("seed %d: %s was recorded", seed, key).isNotEqualTo(ForwardLedger.Verdict.NEW);
                    if (v == ForwardLedger.Verdict.DUPLICATE) {
                        assertThat(ledger.decision()).isEqualTo(first);
                    }
                }
                if (v == ForwardLedger.Verdict.FORGOTTEN) {
                    assertThat(context).as("seed %d: forgotten only below the window", seed)
                            .isLessThanOrEqualTo(highest.get(incarnationKey) - window);
                }
                if (v == ForwardLedger.Verdict.DUPLICATE) {
                    assertThat(first).as("seed %d: %s called a duplicate but never recorded", seed, key).isNotNull();
                }
                if (v == ForwardLedger.Verdict.NEW) {
                    long decision = r.nextBoolean() ? ForwardLedger.encodeAccepted(1 + r.nextInt(1_000_000))
                            : ForwardLedger.encodeRefused(ProposeResult.Rejection.OVERLOADED);
                    ledger.record(origin, context, decision);
                    recorded.put(key, decision);
                    highest.merge(incarnationKey, context, Math::max);
                }
            }
        }
    }

    @Test
    void decisionsRoundTrip() {
        assertThat(ForwardLedger.refusalOf(ForwardLedger.encodeAccepted(647))).isNull();
        for (ProposeResult.Rejection why : ProposeResult.Rejection.values()) {
            assertThat(ForwardLedger.refusalOf(ForwardLedger.encodeRefused(why))).isEqualTo(why);
        }
    }
}
