package io.cairn.raft.core.progress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** One follower's replication state: PROBE sends one at a time, REPLICATE pipelines; match &lt; next always. */
class ProgressTest {
    private static void assertMatchBelowNext(Progress p) {
        assertThat(p.match()).isLessThan(p.next());
    }

    @Test
    void startsProbingAtTheLeadersNextIndex() {
        Progress p = new Progress(6, 4, 1000);
        assertThat(p.state()).isEqualTo(ProgressState.PROBE);
        assertThat(p.match()).isZero();
        assertThat(p.next()).isEqualTo(6);
        assertThat(p.isPaused()).isFalse();
    }

    @Test
    void probeSendsOneMessageThenPausesUntilAnAnswer() {
        Progress p = new Progress(6, 4, 1000);
        p.sentEntries(8, 30);
        assertThat(p.isPaused()).isTrue();
        assertThat(p.next()).as("probing does not move next").isEqualTo(6);
        assertThat(p.inflights().count()).isZero();

        p.resume();                     // a heartbeat answer
        assertThat(p.isPaused()).isFalse();
        p.pause();
        assertThat(p.maybeUpdate(8)).isTrue();
        assertThat(p.isPaused()).as("an acknowledgement unpauses").isFalse();
        assertThat(p.match()).isEqualTo(8);
        assertThat(p.next()).isEqualTo(9);
        assertMatchBelowNext(p);
    }

    @Test
    void staleAcknowledgementChangesNothing() {
        Progress p = new Progress(6, 4, 1000);
        p.maybeUpdate(5);
        p.pause();
        assertThat(p.maybeUpdate(5)).isFalse();
        assertThat(p.maybeUpdate(3)).isFalse();
        assertThat(p.match()).isEqualTo(5);
        assertThat(p.isPaused()).isTrue();
    }

    @Test
    void replicatePipelinesUpToTheWindow() {
        Progress p = new Progress(6, 2, 1000);
        p.maybeUpdate(5);
        p.becomeReplicate();
        assertThat(p.next()).isEqualTo(6);

        p.sentEntries(7, 10);
        assertThat(p.next()).isEqualTo(8);
        assertThat(p.isPaused()).isFalse();
        p.sentEntries(9, 10);
        assertThat(p.next()).isEqualTo(10);
        assertThat(p.isPaused()).as("two messages in flight").isTrue();

        p.maybeUpdate(7);
        p.inflights().freeUpTo(7);
        assertThat(p.isPaused()).isFalse();
        assertThat(p.next()).as("an ack never pulls next back").isEqualTo(10);
        assertMatchBelowNext(p);
    }

    @Test
    void rejectionInReplicateFallsBackToMatchUnlessStale() {
        Progress p = new Progress(1, 8, 1000);
        p.maybeUpdate(5);
        p.becomeReplicate();
        p.sentEntries(9, 10);
        p.sentEntries(12, 10);

        assertThat(p.maybeDecreaseTo(4, 2)).as("rejected below match: stale").isFalse();
        assertThat(p.next()).isEqualTo(13);
        assertThat(p.maybeDecreaseTo(9, 2)).isTrue();
        assertThat(p.next()).isEqualTo(6);
        assertMatchBelowNext(p);
    }

    @Test
    void rejectionInProbeUsesTheHintButNeverGoesBelowMatch() {
        Progress p = new Progress(11, 8, 1000);
        p.sentEntries(11, 10);
        assertThat(p.maybeDecreaseTo(9, 3)).as("answers some other probe").isFalse();
        assertThat(p.isPaused()).isTrue();

        assertThat(p.maybeDecreaseTo(10, 3)).isTrue();
        assertThat(p.next()).as("hint 3: try after it").isEqualTo(4);
        assertThat(p.isPaused()).isFalse();

        p.maybeUpdate(2);
        p.sentEntries(5, 10);
        assertThat(p.maybeDecreaseTo(3, 0)).isTrue();
        assertThat(p.next()).as("never at or below match").isEqualTo(3);

        p.sentEntries(5, 10);
        assertThat(p.maybeDecreaseTo(2, 9)).isTrue();
        assertThat(p.next()).as("a hint can never push next below match + 1").isEqualTo(3);
        assertMatchBelowNext(p);
    }

    @Test
    void rejectionInProbeNeverRaisesNext() {
        Progress p = new Progress(5, 8, 1000);
        assertThat(p.maybeDecreaseTo(4, 100)).isTrue();
        assertThat(p.next()).isEqualTo(4);
    }

    @Test
    void becomeProbeRestartsFromMatchAndEmptiesTheWindow() {
        Progress p = new Progress(1, 2, 1000);
        p.maybeUpdate(3);
        p.becomeReplicate();
        p.sentEntries(6, 10);
        p.sentEntries(8, 10);

        p.becomeProbe();
        assertThat(p.state()).isEqualTo(ProgressState.PROBE);
        assertThat(p.next()).isEqualTo(4);
        assertThat(p.inflights().count()).isZero();
        assertThat(p.isPaused()).isFalse();
    }

    @Test
    void readRoundAcknowledgementsOnlyGrow() {
        Progress p = new Progress(1, 2, 1000);
        p.ackReadRound(4);
        p.ackReadRound(2);
        assertThat(p.readRoundAcked()).isEqualTo(4);
    }

    @Test
    void trackerIteratesMembersInIdOrder() {
        ProgressTracker t = new ProgressTracker(4, 100);
        t.setMembers(new long[] {9, 2, 5}, 7);
        assertThat(t.size()).isEqualTo(3);
        assertThat(new long[] {t.idAt(0), t.idAt(1), t.idAt(2)}).containsExactly(2, 5, 9);
        assertThat(t.get(5)).isSameAs(t.at(1));
        assertThat(t.get(5).next()).isEqualTo(7);
        assertThat(t.get(4)).isNull();
    }

    @Test
    void trackerKeepsProgressOfRemainingMembersWhenMembershipChanges() {
        ProgressTracker t = new ProgressTracker(4, 100);
        t.setMembers(new long[] {1, 2, 3}, 7);
        Progress two = t.get(2);
        two.maybeUpdate(6);
        t.setMembers(new long[] {2, 3, 4}, 10);
        assertThat(t.get(2)).isSameAs(two);
        assertThat(t.get(2).match()).isEqualTo(6);
        assertThat(t.get(1)).isNull();
        assertThat(t.get(4).next()).isEqualTo(10);
        assertThat(t.get(4).match()).isZero();
    }
}
