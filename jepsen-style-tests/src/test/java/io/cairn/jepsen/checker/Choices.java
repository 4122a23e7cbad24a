package io.cairn.jepsen.checker;

import java.util.List;
import java.util.Random;

/**
 * A stream of small decisions for the test generators.
 *
 * <p>Generators ask "which of n things?" and never touch a random source directly, so the same generator can
 * be driven by a seeded {@link Random} (for big fixed histories) or by a jqwik-generated list of integers,
 * which jqwik knows how to shrink: a failing property then reports a short list, and so a small history.
 * When a list runs out every answer is 0, and the generators are written so that answering 0 always moves
 * towards the end of the run.
 */
interface Choices {
    /** A number in {@code [0, bound)}; {@code bound} must be positive. */
    int next(int bound);

    static Choices of(List<Integer> values) {
        return new Choices() {
            private int position;

            @Override
            public int next(int bound) {
                if (position >= values.size()) {
                    return 0;
                }
                return Math.floorMod(values.get(position++), bound);
            }
        };
    }

    static Choices seeded(long seed) {
        Random random = new Random(seed);
        return random::nextInt;
    }
}
