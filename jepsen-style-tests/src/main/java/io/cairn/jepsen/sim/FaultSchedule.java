package io.cairn.jepsen.sim;

import java.util.List;

/**
 * An explicit list of timed faults, used instead of the seed's random nemesis so that a property-based test
 * can generate schedules and shrink a failing one to the few faults that matter. Members are named by
 * position among the active members (modulo their number), so a schedule stays meaningful whatever the
 * membership does and whatever size the cluster is.
 */
public record FaultSchedule(List<Fault> faults) {
    /** What a fault does. */
    public enum Kind {
        /** Crash a member (losing unsynced writes) and restart it after the duration. */
        CRASH,
        /** Crash whichever member leads at that moment. */
        CRASH_LEADER,
        /** Stop a member (SIGSTOP) for the duration. */
        PAUSE,
        /** Cut a member off from every other for the duration. */
        ISOLATE,
        /** Cut the current leader off. */
        ISOLATE_LEADER,
        /** Split the members into a majority and a minority (the member named goes to the minority). */
        HALVES,
        /** Ask the leader to hand leadership to the member named. */
        TRANSFER,
        /** Add a fresh member as a learner (if one is left). */
        ADD_LEARNER,
        /** Promote a learner. */
        PROMOTE,
        /** Remove the member named (voters stay at three or more). */
        REMOVE
    }

    /** One fault at {@code atMicros} of virtual time, on member number {@code member}, lasting a while. */
    public record Fault(long atMicros, Kind kind, int member, long durationMicros) {
        @Override
        public String toString() {
            return kind + "(" + member + ") at " + atMicros / 1000 + " ms for " + durationMicros / 1000 + " ms";
        }
    }

    public FaultSchedule {
        faults = List.copyOf(faults);
    }

    /** When the last fault ends. */
    public long endMicros() {
        long end = 0;
        for (Fault f : faults) {
            end = Math.max(end, f.atMicros + f.durationMicros);
        }
        return end;
    }
}
