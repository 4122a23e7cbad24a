package io.cairn.jepsen.sim;

import java.util.PriorityQueue;

/**
 * Virtual time and the events scheduled in it. Events run in time order; events at the same time run in the
 * order they were scheduled, so a run is a pure function of its seed.
 */
final class EventQueue {
    private record Event(long timeMicros, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            int c = Long.compare(timeMicros, o.timeMicros);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long now;
    private long seq;
    private long executed;

    long now() {
        return now;
    }

    long executed() {
        return executed;
    }

    void at(long timeMicros, Runnable action) {
        queue.add(new Event(Math.max(timeMicros, now), seq++, action));
    }

    void after(long delayMicros, Runnable action) {
        at(now + delayMicros, action);
    }

    /** Runs the next event; false when none is left or the next is after {@code untilMicros}. */
    boolean runNext(long untilMicros) {
        Event e = queue.peek();
        if (e == null || e.timeMicros > untilMicros) {
            now = Math.max(now, Math.min(untilMicros, e == null ? untilMicros : e.timeMicros));
            return false;
        }
        queue.poll();
        now = e.timeMicros;
        executed++;
        e.action.run();
        return true;
    }
}
