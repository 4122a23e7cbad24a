package io.cairn.raft.core.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The in-flight window: full by count or by bytes, freed in send order by acknowledgements. */
class InflightsTest {
    @Test
    void fullWhenCountReached() {
        Inflights in = new Inflights(3, Long.MAX_VALUE);
        in.add(1, 10);
        in.add(2, 10);
        assertThat(in.full()).isFalse();
        in.add(3, 10);
        assertThat(in.full()).isTrue();
        assertThat(in.count()).isEqualTo(3);
        assertThatThrownBy(() -> in.add(4, 10)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("3 messages");
    }

    @Test
    void fullWhenBytesReachTheLimit() {
        Inflights in = new Inflights(100, 100);
        in.add(1, 60);
        assertThat(in.full()).isFalse();
        in.add(2, 40);
        assertThat(in.full()).as("exactly at the limit").isTrue();
        assertThat(in.bytes()).isEqualTo(100);

        in.freeUpTo(1);
        assertThat(in.full()).isFalse();
        in.add(3, 500);                 // one message may overshoot; the window then stays shut
        assertThat(in.full()).isTrue();
        assertThat(in.bytes()).isEqualTo(540);
    }

    @Test
    void freeUpToReleasesMessagesUpToTheAcknowledgedIndexInOrder() {
        Inflights in = new Inflights(10, Long.MAX_VALUE);
        in.add(3, 1);
        in.add(5, 2);
        in.add(9, 4);

        in.freeUpTo(2);
        assertThat(in.count()).isEqualTo(3);
        in.freeUpTo(6);                 // frees up to 3 and up to 5, not up to 9
        assertThat(in.count()).isEqualTo(1);
        assertThat(in.bytes()).isEqualTo(4);
        in.freeUpTo(6);
        assertThat(in.count()).isEqualTo(1);
        in.freeUpTo(100);
        assertThat(in.count()).isZero();
        assertThat(in.bytes()).isZero();
    }

    @Test
    void ringWrapsAroundOverManyCycles() {
        Inflights in = new Inflights(4, Long.MAX_VALUE);
        long next = 1;
        for (int cycle = 0; cycle < 50; cycle++) {
            while (!in.full()) {
                in.add(next, next);
                next++;
            }
            in.freeUpTo(next - 3);      // keep the last two
            assertThat(in.count()).isEqualTo(2);
            assertThat(in.bytes()).isEqualTo((next - 2) + (next - 1));
        }
    }

    @Test
    void resetEmptiesTheWindow() {
        Inflights in = new Inflights(2, 10);
        in.add(1, 5);
        in.add(2, 5);
        in.reset();
        assertThat(in.count()).isZero();
        assertThat(in.bytes()).isZero();
        assertThat(in.full()).isFalse();
        in.add(7, 1);
        in.freeUpTo(7);
        assertThat(in.count()).isZero();
    }
}
