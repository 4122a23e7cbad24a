package io.cairn.kv.auth;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * etcd's simple tokens ({@code --auth-token simple}) on one member: token to user name, each living
 * {@code --auth-token-ttl} (300 s) from its last use.
 *
 * <p>As in etcd 3.4, Authenticate goes through the log: the member asked checks the password, draws a random 16-letter
 * prefix and proposes it; every member, applying the entry at index {@code i}, issues the token {@code prefix.i}
 * ({@link #issue}). So a token works on any member that has applied that entry (a client that round-robins its
 * endpoints, as etcdctl does, needs that), and {@link #indexOf} tells a member that has not yet how far it must
 * apply before it can know. Tokens live in memory only: a restart forgets them (clients authenticate again on
 * "invalid auth token"), and each member's clock expires them separately. Disabling auth forgets them all; deleting a
 * user or changing its password forgets its tokens.
 *
 * <p>Threads: {@link #issue} and the forgetting on the apply thread, lookups on request threads; every method
 * synchronizes on this object. Expired tokens are dropped on lookup and on each issue (at most every second), so the
 * table holds at most the tokens issued in one TTL.
 */
public final class SimpleTokens {
    /** etcd's default {@code --auth-token-ttl}. */
    public static final long TTL_SECONDS_DEFAULT = 300;
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int PREFIX_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Entry(String user, long expiresNanos) {}

    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<String, Entry> tokens = new HashMap<>();
    private long lastSweepNanos;

    public SimpleTokens(long ttlSeconds, LongSupplier nanoClock) {
        this.ttlNanos = (ttlSeconds <= 0 ? TTL_SECONDS_DEFAULT : ttlSeconds) * 1_000_000_000L;
        this.clock = nanoClock;
        this.lastSweepNanos = nanoClock.getAsLong();
    }

    /** A random prefix for a new token (etcd's {@code genTokenPrefix}). */
    public static String newPrefix() {
        StringBuilder b = new StringBuilder(PREFIX_LENGTH);
        for (int i = 0; i < PREFIX_LENGTH; i++) {
            b.append(LETTERS.charAt(RANDOM.nextInt(LETTERS.length())));
        }
        return b.toString();
    }

    /** The token issued for the Authenticate applied at {@code index}. */
    public static String token(String prefix, long index) {
        return prefix + "." + index;
    }

    /** The log index a token was issued at, or -1 for a string that is no simple token. */
    public static long indexOf(String token) {
        int dot = token.indexOf('.');
        if (dot < 0 || token.indexOf('.', dot + 1) >= 0) {
            return -1;
        }
        try {
            return Long.parseLong(token.substring(dot + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Records {@code token} for {@code user}, living a TTL from now. */
    public synchronized void issue(String token, String user) {
        long now = clock.getAsLong();
        if (now - lastSweepNanos >= 1_000_000_000L) {
            sweep(now);
        }
        tokens.put(token, new Entry(user, now + ttlNanos));
    }

    /** The user of a live token, whose life starts again now; null for an unknown or expired one. */
    public synchronized String user(String token) {
        Entry e = tokens.get(token);
        if (e == null) {
            return null;
        }
        long now = clock.getAsLong();
        if (now - e.expiresNanos() > 0) {
            tokens.remove(token);
            return null;
        }
        tokens.put(token, new Entry(e.user(), now + ttlNanos));
        return e.user();
    }

    /** Forgets every token of {@code user} (deleted, or its password changed). */
    public synchronized void forgetUser(String user) {
        tokens.values().removeIf(e -> e.user().equals(user));
    }

    /** Forgets every token (auth disabled). */
    public synchronized void forgetAll() {
        tokens.clear();
    }

    /** How many tokens are held (tests). */
    public synchronized int size() {
        return tokens.size();
    }

    private void sweep(long now) {
        lastSweepNanos = now;
        for (Iterator<Entry> it = tokens.values().iterator(); it.hasNext(); ) {
            if (now - it.next().expiresNanos() > 0) {
                it.remove();
            }
        }
    }
}
