package io.cairn.raft.core.confchange;

import io.cairn.raft.core.Invariants;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * Who is in the group: the voters, during joint consensus also the outgoing voters, and the learners (members
 * that receive the log but neither vote nor count towards a quorum).
 *
 * <p>A configuration entry in the log carries a whole {@code Configuration}, not a delta, so applying one is
 * idempotent and a member never needs the previous configuration to understand the next. Invariants: every
 * array is sorted and without duplicates; learners are neither incoming nor outgoing voters; the incoming
 * voters are never empty (a group always has a voter).
 *
 * <p>A configuration takes effect on a member as soon as its entry is in that member's log, committed or not
 * (thesis §4.1; decision 0004, not etcd's take-effect-on-apply); a member whose configuration entry a new leader
 * cuts falls back to the previous one. A leader appends one only when the previous one has committed, and joint
 * consensus keeps any two consecutive configurations' quorums overlapping.
 */
public final class Configuration {
    private static final byte VERSION = 1;

    private final long[] voters;
    private final long[] outgoing;
    private final long[] learners;
    private final boolean autoLeave;

    public Configuration(long[] voters, long[] outgoing, long[] learners, boolean autoLeave) {
        this.voters = sorted(voters);
        this.outgoing = sorted(outgoing);
        this.learners = sorted(learners);
        this.autoLeave = autoLeave && this.outgoing.length > 0;
        for (long l : this.learners) {
            Invariants.check(!contains(this.voters, l) && !contains(this.outgoing, l),
                    "member %d is both a learner and a voter", l);
        }
    }

    /** A group of voters only, outside joint consensus. */
    public static Configuration ofVoters(long... voters) {
        return new Configuration(voters, new long[0], new long[0], false);
    }

    /** The configuration of a member that joins an existing group and learns its configuration from it. */
    public static Configuration unknown() {
        return new Configuration(new long[0], new long[0], new long[0], false);
    }

    public long[] voters() {
        return voters.clone();
    }

    public long[] outgoing() {
        return outgoing.clone();
    }

    public long[] learners() {
        return learners.clone();
    }

    /** Whether the leader leaves this joint configuration on its own once it commits. */
    public boolean autoLeave() {
        return autoLeave;
    }

    public boolean isJoint() {
        return outgoing.length > 0;
    }

    public boolean isVoter(long id) {
        return contains(voters, id) || contains(outgoing, id);
    }

    public boolean isLearner(long id) {
        return contains(learners, id);
    }

    public boolean isMember(long id) {
        return isVoter(id) || isLearner(id);
    }

    /** Every member (voters of both halves and learners), ascending, without duplicates. */
    public long[] members() {
        return LongStream.concat(LongStream.concat(LongStream.of(voters), LongStream.of(outgoing)),
                LongStream.of(learners)).distinct().sorted().toArray();
    }

    /** The configuration that leaves this joint one: the incoming voters alone. */
    public Configuration leaveJoint() {
        Invariants.check(isJoint(), "leaving a configuration that is not joint: %s", this);
        return new Configuration(voters, new long[0], learners, false);
    }

    /** Serialises this configuration as the data of a CONFIG log entry. */
    public byte[] encode() {
        int n = 2 + 3 * 4 + 8 * (voters.length + outgoing.length + learners.length);
        byte[] out = new byte[n];
        out[0] = VERSION;
        out[1] = (byte) (autoLeave ? 1 : 0);
        int p = 2;
        for (long[] part : new long[][] {voters, outgoing, learners}) {
            p = putInt(out, p, part.length);
            for (long id : part) {
                p = putLong(out, p, id);
            }
        }
        return out;
    }

    /** Reads a configuration written by {@link #encode()}; throws if the bytes are not one. */
    public static Configuration decode(byte[] data) {
        Invariants.check(data.length >= 14 && data[0] == VERSION, "not a configuration entry (%d bytes)", data.length);
        boolean autoLeave = data[1] == 1;
        int p = 2;
        long[][] parts = new long[3][];
        for (int k = 0; k < 3; k++) {
            Invariants.check(p + 4 <= data.length, "configuration entry is truncated");
            int count = getInt(data, p);
            p += 4;
            Invariants.check(count >= 0 && p + 8L * count <= data.length, "configuration entry is truncated");
            parts[k] = new long[count];
            for (int i = 0; i < count; i++) {
                parts[k][i] = getLong(data, p);
                p += 8;
            }
        }
        Invariants.check(p == data.length, "configuration entry has %d trailing bytes", data.length - p);
        Configuration c = new Configuration(parts[0], parts[1], parts[2], autoLeave);
        Invariants.check(Arrays.equals(c.encode(), data), "configuration entry is not in canonical form");
        return c;
    }

    private static long[] sorted(long[] ids) {
        long[] s = ids.clone();
        Arrays.sort(s);
        for (int i = 1; i < s.length; i++) {
            Invariants.check(s[i] != s[i - 1], "member %d is listed twice", s[i]);
        }
        return s;
    }

    private static boolean contains(long[] sorted, long id) {
        return Arrays.binarySearch(sorted, id) >= 0;
    }

    private static int putInt(byte[] b, int p, int v) {
        for (int i = 3; i >= 0; i--) {
            b[p + 3 - i] = (byte) (v >>> (8 * i));
        }
        return p + 4;
    }

    private static int putLong(byte[] b, int p, long v) {
        for (int i = 7; i >= 0; i--) {
            b[p + 7 - i] = (byte) (v >>> (8 * i));
        }
        return p + 8;
    }

    private static int getInt(byte[] b, int p) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (b[p + i] & 0xFF);
        }
        return v;
    }

    private static long getLong(byte[] b, int p) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[p + i] & 0xFF);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Configuration c && Arrays.equals(c.voters, voters) && Arrays.equals(c.outgoing, outgoing)
                && Arrays.equals(c.learners, learners) && c.autoLeave == autoLeave;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(voters) * 31 + Arrays.hashCode(outgoing) * 7 + Arrays.hashCode(learners);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("voters=").append(Arrays.toString(voters));
        if (isJoint()) {
            b.append("&&").append(Arrays.toString(outgoing)).append(autoLeave ? " (auto-leave)" : "");
        }
        if (learners.length > 0) {
            b.append(" learners=").append(Arrays.toString(learners));
        }
        return b.toString();
    }
}
