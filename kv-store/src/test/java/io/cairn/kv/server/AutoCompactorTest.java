package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcd's auto-compaction modes, stepped with a clock of the test's: periodic keeps the last period's revisions,
 * revision keeps the last N, only a leader compacts, and a failed compaction is tried again.
 */
class AutoCompactorTest {
    private static final class FakeMember implements AutoCompactor.Member {
        boolean leader = true;
        long revision = 1;
        boolean failNext;
        final List<Long> compactions = new ArrayList<>();

        @Override
        public boolean isLeader() {
            return leader;
        }

        @Override
        public long revision() {
            return revision;
        }

        @Override
        public void compact(long r) {
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("no leader");
            }
            compactions.add(r);
        }
    }

    @Test
    void periodicKeepsTheLastPeriodsRevisions() {
        FakeMember m = new FakeMember();
        AutoCompactor c = new AutoCompactor(m, true, 10_000); // 10 s: sampled every second, compacted every 10 s
        for (long t = 0; t <= 25_000; t += 1_000) {
            m.revision = 100 + t / 1_000; // one revision a second
            c.tick(t);
        }
        // at 10 s: the newest sample at least 10 s old is the one of t=0 (revision 100); at 20 s: t=10 s (110)
        assertThat(m.compactions).containsExactly(100L, 110L);
        assertThat(c.samples()).as("bounded by the period over the step").isLessThanOrEqualTo(12);
    }

    @Test
    void revisionModeKeepsTheLastNRevisionsEveryFiveMinutes() {
        FakeMember m = new FakeMember();
        AutoCompactor c = new AutoCompactor(m, false, 1000);
        long step = AutoCompactor.REVISION_MODE_INTERVAL_MILLIS;
        m.revision = 500;
        c.tick(0);
        c.tick(step);
        assertThat(m.compactions).as("nothing below 1,000 revisions").isEmpty();
        m.revision = 5_000;
        c.tick(2 * step);
        assertThat(m.compactions).containsExactly(4_000L);
        c.tick(3 * step);
        assertThat(m.compactions).as("nothing new to compact").containsExactly(4_000L);
    }

    @Test
    void onlyALeaderCompactsAndAFailureIsRetried() {
        FakeMember m = new FakeMember();
        AutoCompactor c = new AutoCompactor(m, false, 10);
        long step = AutoCompactor.REVISION_MODE_INTERVAL_MILLIS;
        m.leader = false;
        m.revision = 100;
        c.tick(0);
        c.tick(step);
        assertThat(m.compactions).isEmpty();
        m.leader = true;
        c.tick(2 * step);
        m.failNext = true;
        c.tick(3 * step);
        assertThat(m.compactions).isEmpty();
        c.tick(4 * step);
        assertThat(m.compactions).containsExactly(90L);
    }
}
