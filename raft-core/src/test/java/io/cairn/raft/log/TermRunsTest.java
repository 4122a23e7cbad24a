package io.cairn.raft.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TermRunsTest {
    @Test
    void answersTheTermOfEveryIndexAfterTheBase() {
        TermRuns t = new TermRuns();
        t.reset(10, 2);
        for (long i = 11; i <= 20; i++) {
            t.append(i, i <= 13 ? 2 : i <= 17 ? 4 : 7);
        }
        assertThat(t.termAt(10)).isEqualTo(2);
        assertThat(t.termAt(13)).isEqualTo(2);
        assertThat(t.termAt(14)).isEqualTo(4);
        assertThat(t.termAt(18)).isEqualTo(7);
        assertThat(t.termAt(20)).isEqualTo(7);
        assertThat(t.termAt(9)).isEqualTo(TermRuns.UNKNOWN);
        assertThat(t.termAt(21)).isEqualTo(TermRuns.UNKNOWN);

        t.truncateFrom(15);
        assertThat(t.lastIndex()).isEqualTo(14);
        assertThat(t.termAt(14)).isEqualTo(4);
        t.append(15, 5);
        assertThat(t.termAt(15)).isEqualTo(5);

        t.compactTo(14, 4);
        assertThat(t.termAt(14)).isEqualTo(4);
        assertThat(t.termAt(13)).isEqualTo(TermRuns.UNKNOWN);
        assertThat(t.termAt(15)).isEqualTo(5);

        t.compactTo(30, 9); // beyond the end: the log is now only the base
        assertThat(t.lastIndex()).isEqualTo(30);
        assertThat(t.termAt(30)).isEqualTo(9);
    }

    @Test
    void aCutBelowTheBaseLeavesAnUnknownBase() {
        TermRuns t = new TermRuns();
        t.reset(200, 3); // recovery: entries up to 200 lived in deleted segments
        t.truncateFrom(150);
        assertThat(t.lastIndex()).isEqualTo(149);
        assertThat(t.termAt(149)).isEqualTo(TermRuns.UNKNOWN);
        t.append(150, 4);
        assertThat(t.termAt(150)).isEqualTo(4);
        t.compactTo(149, 3);
        assertThat(t.termAt(149)).isEqualTo(3);
        assertThat(t.termAt(150)).isEqualTo(4);
    }
}
