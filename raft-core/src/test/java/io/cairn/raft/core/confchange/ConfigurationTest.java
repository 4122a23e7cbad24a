package io.cairn.raft.core.confchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.raft.core.Invariants.InvariantViolation;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A configuration's invariants (sorted, no duplicates, learners never voters, auto-leave only when joint) and its
 * encoding as the data of a CONFIG entry: every configuration round-trips, and decode refuses anything that is
 * not exactly what encode writes, with an {@link InvariantViolation} (a corrupt entry is fatal, never guessed at).
 */
class ConfigurationTest {
    private static long[] ids(long... ids) {
        return ids;
    }

    static Stream<Configuration> configurations() {
        return Stream.of(
                Configuration.unknown(),
                Configuration.ofVoters(1),
                Configuration.ofVoters(3, 1, 2),
                new Configuration(ids(1, 2, 3), ids(), ids(4, 5), false),
                new Configuration(ids(1, 2, 3, 4), ids(1, 2, 3), ids(), true),
                new Configuration(ids(2, 3, 4), ids(1, 2, 3), ids(7), false),
                new Configuration(ids(Long.MAX_VALUE, 1L << 40), ids(1), ids(-1), true));
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void encodeDecodeRoundTrip(Configuration c) {
        byte[] data = c.encode();
        assertThat(data.length).isEqualTo(14 + 8 * (c.voters().length + c.outgoing().length + c.learners().length));
        Configuration back = Configuration.decode(data);
        assertThat(back).isEqualTo(c);
        assertThat(back.autoLeave()).isEqualTo(c.autoLeave());
        assertThat(back.encode()).isEqualTo(data);
    }

    /**
     * Every strict prefix of a valid encoding is refused as an invariant violation, never read past its end.
     *
     * <p>Regression: decode checked that each part's ids fit in the bytes but not that the next part's count did,
     * so an entry cut just after a complete part (14 of the 22 bytes of {@code voters=[1]}) threw an
     * ArrayIndexOutOfBoundsException instead of the InvariantViolation the runtime treats as fatal corruption.
     */
    @ParameterizedTest
    @MethodSource("configurations")
    void decodeRejectsEveryTruncation(Configuration c) {
        byte[] data = c.encode();
        for (int len = 0; len < data.length; len++) {
            byte[] cut = Arrays.copyOf(data, len);
            assertThatThrownBy(() -> Configuration.decode(cut)).as("%d of %d bytes", len, data.length)
                    .isInstanceOf(InvariantViolation.class);
        }
    }

    @Test
    void decodeRejectsMalformedBytes() {
        byte[] good = new Configuration(ids(1, 2), ids(), ids(3), false).encode();

        byte[] version = good.clone();
        version[0] = 2;
        assertThatThrownBy(() -> Configuration.decode(version)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("not a configuration entry");

        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> Configuration.decode(trailing)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("1 trailing bytes");

        byte[] negative = good.clone();
        negative[2] = (byte) 0xFF;          // voter count -16777214
        assertThatThrownBy(() -> Configuration.decode(negative)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("truncated");

        byte[] huge = good.clone();
        huge[3] = 0x7F;                     // a count far beyond the bytes there are
        assertThatThrownBy(() -> Configuration.decode(huge)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("truncated");
    }

    /** Bytes that would decode to a valid configuration but are not what encode writes are refused too. */
    @Test
    void decodeRejectsNonCanonicalBytes() {
        byte[] unsorted = Configuration.ofVoters(1, 2).encode();
        swapLongs(unsorted, 6, 14);         // voters written as [2, 1]
        assertThatThrownBy(() -> Configuration.decode(unsorted)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("canonical");

        byte[] autoLeaveNotJoint = Configuration.ofVoters(1, 2).encode();
        autoLeaveNotJoint[1] = 1;
        assertThatThrownBy(() -> Configuration.decode(autoLeaveNotJoint)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("canonical");

        byte[] flagTwo = new Configuration(ids(1, 2), ids(1), ids(), true).encode();
        flagTwo[1] = 2;
        assertThatThrownBy(() -> Configuration.decode(flagTwo)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("canonical");

        byte[] duplicate = Configuration.ofVoters(1, 2).encode();
        System.arraycopy(duplicate, 6, duplicate, 14, 8);       // voters [1, 1]
        assertThatThrownBy(() -> Configuration.decode(duplicate)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("listed twice");

        byte[] learnerVotes = new Configuration(ids(1), ids(), ids(2), false).encode();
        learnerVotes[learnerVotes.length - 1] = 1;               // learner 1, also a voter
        assertThatThrownBy(() -> Configuration.decode(learnerVotes)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("both a learner and a voter");
    }

    @Test
    void invariantsHoldOnConstruction() {
        Configuration c = new Configuration(ids(3, 1, 2), ids(2, 1), ids(9, 7), true);
        assertThat(c.voters()).containsExactly(1, 2, 3);
        assertThat(c.outgoing()).containsExactly(1, 2);
        assertThat(c.learners()).containsExactly(7, 9);
        assertThat(c.members()).containsExactly(1, 2, 3, 7, 9);
        assertThat(c.isJoint()).isTrue();
        assertThat(c.autoLeave()).isTrue();

        assertThat(new Configuration(ids(1), ids(), ids(), true).autoLeave()).as("only a joint one leaves")
                .isFalse();
        assertThatThrownBy(() -> Configuration.ofVoters(1, 2, 1)).isInstanceOf(InvariantViolation.class)
                .hasMessage("member 1 is listed twice");
        assertThatThrownBy(() -> new Configuration(ids(1, 2), ids(), ids(2), false))
                .isInstanceOf(InvariantViolation.class).hasMessage("member 2 is both a learner and a voter");
        assertThatThrownBy(() -> new Configuration(ids(1, 2), ids(1, 3), ids(3), false))
                .isInstanceOf(InvariantViolation.class).hasMessage("member 3 is both a learner and a voter");

        long[] given = ids(2, 1);
        Configuration copy = Configuration.ofVoters(given);
        given[0] = 5;
        copy.voters()[0] = 5;
        assertThat(copy.voters()).as("no aliasing either way").containsExactly(1, 2);
    }

    @Test
    void membershipQueries() {
        Configuration c = new Configuration(ids(2, 3, 4), ids(1, 2, 3), ids(5), false);
        assertThat(c.isVoter(1)).as("outgoing voters vote").isTrue();
        assertThat(c.isVoter(4)).isTrue();
        assertThat(c.isVoter(5)).isFalse();
        assertThat(c.isLearner(5)).isTrue();
        assertThat(c.isMember(5)).isTrue();
        assertThat(c.isMember(6)).isFalse();
        assertThat(Configuration.unknown().isMember(1)).isFalse();
        assertThat(Configuration.unknown().members()).isEmpty();
    }

    @Test
    void leaveJointKeepsIncomingVotersAndLearners() {
        Configuration c = new Configuration(ids(2, 3, 4), ids(1, 2, 3), ids(5), true);
        assertThat(c.leaveJoint()).isEqualTo(new Configuration(ids(2, 3, 4), ids(), ids(5), false));
        assertThat(c.leaveJoint().isJoint()).isFalse();
        assertThatThrownBy(() -> Configuration.ofVoters(1).leaveJoint()).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("not joint");
    }

    @Test
    void equalityAndText() {
        Configuration a = new Configuration(ids(1, 2), ids(1), ids(3), true);
        Configuration b = new Configuration(ids(2, 1), ids(1), ids(3), true);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new Configuration(ids(1, 2), ids(1), ids(3), false));
        assertThat(a).isNotEqualTo(new Configuration(ids(1, 2), ids(1), ids(), true));
        assertThat(a.toString()).isEqualTo("voters=[1, 2]&&[1] (auto-leave) learners=[3]");
        assertThat(Configuration.ofVoters(1, 2).toString()).isEqualTo("voters=[1, 2]");
    }

    private static void swapLongs(byte[] b, int p, int q) {
        for (int i = 0; i < 8; i++) {
            byte t = b[p + i];
            b[p + i] = b[q + i];
            b[q + i] = t;
        }
    }
}
