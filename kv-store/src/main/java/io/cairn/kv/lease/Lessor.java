package io.cairn.kv.lease;

import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.LeaseRevoke;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clock of a member's leases: when each one expires, and, on the leader, revoking the expired ones through the
 * Raft log.
 *
 * <p>The leases themselves (ID, granted TTL, attached keys) are replicated state in the MVCC store; time is not.
 * Every member keeps an expiry per lease, moved by what it applies (a grant or a keep-alive sets it to now plus
 * the TTL; a revoke drops the lease), so any member can answer TimeToLive; only the leader's clock decides. As
 * in etcd, a member that becomes leader first gives every lease its TTL plus an election timeout from that moment
 * (remaining TTLs are forgotten, so a failover never expires a live lease whose keep-alives the old leader was
 * taking), and a member that starts or installs a snapshot gives every lease its TTL from then.
 *
 * <p>Expiry: every {@link #CHECK_INTERVAL_MILLIS} the leader proposes {@code LeaseRevoke{expired}} for leases past
 * their expiry, at most {@link #REVOKES_PER_SECOND} a second (etcd's leaseRevokeRate) and each at most once per
 * {@link #REVOKE_RETRY_MILLIS} while its revoke is in flight; the revoke deletes the lease's keys in one revision
 * on every member. A keep-alive that is ordered after the revoke in the log finds no lease and answers TTL 0.
 *
 * <p>Threads: {@link #onGranted}, {@link #onRenewed}, {@link #onRevoked} and {@link #reload} on the apply thread;
 * the expiry loop on its own thread; {@link #remainingSeconds} anywhere.
 */
public final class Lessor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lessor.class);
    /** How often the leader looks for expired leases. */
    public static final long CHECK_INTERVAL_MILLIS = 100;
    /** etcd's leaseRevokeRate. */
    public static final int REVOKES_PER_SECOND = 1_000;
    /** A revoke still in flight after this long may be proposed again. */
    static final long REVOKE_RETRY_MILLIS = 3_000;

    /**
     * A lease's granted TTL, when it expires on this member's clock, and the term of the entry that last set it
     * (0 when loaded from the store): a new leader extends only what earlier terms set.
     */
    private record Expiry(long ttlSeconds, long expiresAtNanos, long term) {}

    private final Map<Long, Expiry> leases = new ConcurrentHashMap<>();
    private final Map<Long, Long> revoking = new ConcurrentHashMap<>();
    private final Function<KvCommand, CompletableFuture<?>> propose;
    private final BooleanSupplier leads;
    private final LongSupplier term;
    private final LongSupplier nanoTime;
    private final long electionTimeoutNanos;
    private final Thread loop;
    private volatile boolean closed;
    private long ledTerm = -1;

    /**
     * @param propose proposes a command through the group (the leader's own proposal)
     * @param leads whether this member leads now
     * @param term the member's current term (a new term while leading means a new leadership)
     */
    public Lessor(Function<KvCommand, CompletableFuture<?>> propose, BooleanSupplier leads, LongSupplier term,
            long electionTimeoutMillis, LongSupplier nanoTime, String name) {
        this.propose = propose;
        this.leads = leads;
        this.term = term;
        this.nanoTime = nanoTime;
        this.electionTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(electionTimeoutMillis);
        this.loop = new Thread(this::run, "kv-lessor-" + name);
        this.loop.setDaemon(true);
        this.loop.start();
    }

    /** etcd's minimum TTL: 1.5 election timeouts, in whole seconds rounded up. */
    public static long minTtlSeconds(long electionTimeoutMillis) {
        return Math.max(1, (3 * electionTimeoutMillis / 2 + 999) / 1000);
    }

    /** Every lease of the store (after start or a snapshot install), each with its TTL from now. */
    public void reload(List<long[]> all) {
        leases.clear();
        long now = nanoTime.getAsLong();
        for (long[] l : all) {
            leases.put(l[0], new Expiry(l[1], now + TimeUnit.SECONDS.toNanos(l[1]), 0));
        }
    }

    /** A grant applied, from an entry of {@code term}: the lease lives its TTL from now. */
    public void onGranted(long id, long ttlSeconds, long term) {
        leases.put(id, new Expiry(ttlSeconds, nanoTime.getAsLong() + TimeUnit.SECONDS.toNanos(ttlSeconds), term));
    }

    /** A keep-alive applied: the lease lives its TTL from now (ignored for a lease that is gone). */
    public void onRenewed(long id, long term) {
        leases.computeIfPresent(id, (k, e) -> new Expiry(e.ttlSeconds,
                nanoTime.getAsLong() + TimeUnit.SECONDS.toNanos(e.ttlSeconds), term));
    }

    public void onRevoked(long id) {
        leases.remove(id);
        revoking.remove(id);
    }

    /** Seconds until the lease expires on this member's clock (at least 0), or -1 if it does not exist here. */
    public long remainingSeconds(long id) {
        Expiry e = leases.get(id);
        if (e == null) {
            return -1;
        }
        long left = e.expiresAtNanos - nanoTime.getAsLong();
        return Math.max(0, (left + 999_999_999L) / 1_000_000_000L);
    }

    /** Leases this member knows of. */
    public int size() {
        return leases.size();
    }

    private void run() {
        long budget = 0;
        long lastRefill = nanoTime.getAsLong();
        while (!closed) {
            try {
                Thread.sleep(CHECK_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = nanoTime.getAsLong();
            budget = Math.min(REVOKES_PER_SECOND, budget + (now - lastRefill) * REVOKES_PER_SECOND / 1_000_000_000L);
            lastRefill = now;
            try {
                budget -= checkOnce(now, (int) budget);
            } catch (RuntimeException e) {
                log.warn("lease expiry check failed", e);
            }
        }
    }

    /** One pass: on a new leadership extend every lease; then propose revokes for up to {@code max} expired ones. */
    int checkOnce(long now, int max) {
        if (!leads.getAsBoolean()) {
            ledTerm = -1;
            return 0;
        }
        long t = term.getAsLong();
        if (t != ledTerm) {
            ledTerm = t;
            promote(now);
            return 0;
        }
        List<Long> expired = new ArrayList<>();
        for (Map.Entry<Long, Expiry> e : leases.entrySet()) {
            if (expired.size() >= max) {
                break;
            }
            Long since = revoking.get(e.getKey());
            boolean inFlight = since != null && now - since < TimeUnit.MILLISECONDS.toNanos(REVOKE_RETRY_MILLIS);
            if (e.getValue().expiresAtNanos <= now && !inFlight) {
                expired.add(e.getKey());
            }
        }
        for (long id : expired) {
            revoking.put(id, now);
            log.debug("lease {} expired: revoking", Long.toHexString(id));
            propose.apply(KvCommand.newBuilder().setLeaseRevoke(LeaseRevoke.newBuilder().setID(id).setExpired(true))
                    .build()).whenComplete((r, error) -> {
                        if (error != null) {
                            revoking.remove(id); // try again at the next check (if still leading)
                        }
                    });
        }
        return expired.size();
    }

    /**
     * etcd's Promote: a new leader gives every lease its TTL plus an election timeout from now. Leases granted or
     * renewed by entries of its own term (applied between its election and this check) keep their exact expiry.
     */
    private void promote(long now) {
        for (Map.Entry<Long, Expiry> e : leases.entrySet()) {
            Expiry x = e.getValue();
            if (x.term < ledTerm) {
                e.setValue(new Expiry(x.ttlSeconds, now + TimeUnit.SECONDS.toNanos(x.ttlSeconds) + electionTimeoutNanos,
                        x.term));
            }
        }
        revoking.clear();
        log.info("leading in term {}: {} leases extended by their TTL plus an election timeout", ledTerm,
                leases.size());
    }

    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
