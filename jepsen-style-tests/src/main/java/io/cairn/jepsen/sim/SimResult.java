package io.cairn.jepsen.sim;

import java.util.Map;

/**
 * The outcome of one seed: the first safety or liveness violation (null if none), whether the history check
 * ran out of its step budget, the "sometimes" counters, and figures for the trace.
 */
public record SimResult(long seed, String violation, boolean unknown, Map<String, Long> counters, int okOps,
        int historyOps, long virtualMicros, long events) {
    public boolean failed() {
        return violation != null;
    }
}
