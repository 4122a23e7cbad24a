package io.cairn.kv.server;

import io.cairn.raft.core.Invariants;

/**
 * The admission limit of the server: how many calls, and how many encoded request bytes, it holds between
 * admitting a call and answering it. That span covers the handler queue and the wait inside the
 * {@link io.cairn.kv.KvService} (a proposal waiting for Raft), which is where memory goes under overload; a call
 * that does not fit is refused at once ({@link GrpcErrors#tooManyRequests()}), never queued.
 *
 * <p>Invariants (checked): {@code 0 <= calls <= callsMax}, {@code 0 <= bytes <= bytesMax}; every successful
 * {@link #tryAcquire} is matched by exactly one {@link #release} with the same size.
 *
 * <p>Threads: any; one lock, held for a few instructions.
 */
final class CallBudget {
    private final int callsMax;
    private final long bytesMax;
    private int calls;
    private long bytes;

    CallBudget(int callsMax, long bytesMax) {
        Invariants.check(callsMax >= 1 && bytesMax >= 1, "budget must admit something: %s calls, %s bytes",
                callsMax, bytesMax);
        this.callsMax = callsMax;
        this.bytesMax = bytesMax;
    }

    /** Takes one call of {@code requestBytes} from the budget, or returns false and takes nothing. */
    synchronized boolean tryAcquire(long requestBytes) {
        Invariants.check(requestBytes >= 0, "negative request size: %s", requestBytes);
        if (calls == callsMax || bytes + requestBytes > bytesMax) {
            return false;
        }
        calls++;
        bytes += requestBytes;
        return true;
    }

    synchronized void release(long requestBytes) {
        Invariants.check(calls >= 1 && bytes >= requestBytes, "release of %s bytes exceeds what is held: %s calls,"
                + " %s bytes", requestBytes, calls, bytes);
        calls--;
        bytes -= requestBytes;
    }

    synchronized int calls() {
        return calls;
    }

    synchronized long bytes() {
        return bytes;
    }
}
