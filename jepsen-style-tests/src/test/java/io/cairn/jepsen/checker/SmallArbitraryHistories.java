package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;

/**
 * Tiny well-formed histories with arbitrary outcomes: reads return whatever the {@link Choices} say, writes
 * (some of them deletes, writes of nil) and CASes complete OK, FAIL or INFO at random, and values come from
 * {1, 2, 3} so they repeat. Most such
 * histories are not linearizable, some are; the brute-force oracle says which. Sizes stay where the oracle's
 * enumeration of every order is cheap: at most {@value #OPS_MAX} operations over at most three processes at
 * a time and two keys.
 */
final class SmallArbitraryHistories {
    static final int OPS_MAX = 8;
    private static final int WORKERS = 3;

    private SmallArbitraryHistories() {}

    static History generate(Choices c) {
        History h = new History();
        int keyCount = 1 + c.next(2);
        int opCount = 1 + c.next(OPS_MAX);
        int[] process = {0, 1, 2};
        Op[] pending = new Op[WORKERS];
        int nextProcess = WORKERS;
        int invoked = 0;
        long now = 0;
        for (int step = 0; step < 4 * OPS_MAX; step++) {
            now += c.next(3);
            int w = c.next(WORKERS);
            if (pending[w] != null) {
                if (complete(h, c, pending[w], now)) {
                    process[w] = nextProcess++;
                }
                pending[w] = null;
            } else if (invoked < opCount) {
                pending[w] = invoke(h, c, process[w], keyCount, now);
                invoked++;
            } else if (c.next(2) == 0) {
                return h;
            }
        }
        return h;
    }

    private static Op invoke(History h, Choices c, int process, int keyCount, long now) {
        OpFunction f = OpFunction.values()[c.next(3)];
        String key = "k" + c.next(keyCount);
        // A WRITE of nil is a delete (one in four): absent again.
        Long value = f == OpFunction.READ ? null
                : f == OpFunction.WRITE ? smallValueOrNil(c) : Long.valueOf(1 + c.next(3));
        Long expected = f == OpFunction.CAS ? smallValueOrNil(c) : null;
        return h.invoke(process, f, key, value, expected, now);
    }

    /** Completes the operation at random; true when it was INFO, which retires the process. */
    private static boolean complete(History h, Choices c, Op invocation, long now) {
        switch (c.next(6)) {
            case 4 -> h.fail(invocation, now);
            case 5 -> {
                h.info(invocation, now);
                return true;
            }
            default -> h.ok(invocation, smallValueOrNil(c), now);
        }
        return false;
    }

    private static Long smallValueOrNil(Choices c) {
        int v = c.next(4);
        return v == 0 ? null : Long.valueOf(v);
    }
}
