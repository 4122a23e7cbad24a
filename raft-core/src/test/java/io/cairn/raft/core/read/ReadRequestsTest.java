package io.cairn.raft.core.read;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The three stages of a leader's pending reads, and their bound. */
class ReadRequestsTest {
    private static List<ReadRequests.Request> confirm(ReadRequests reads, long round) {
        List<ReadRequests.Request> out = new ArrayList<>();
        reads.confirm(round, out::add);
        return out;
    }

    @Test
    void requestsJoinTheNextRoundWithItsCommitIndex() {
        ReadRequests reads = new ReadRequests(10);
        reads.enqueue(1, 7);
        reads.enqueue(2, 8);
        assertThat(reads.hasUnassigned()).isTrue();

        reads.assignRound(1, 5);
        assertThat(reads.hasUnassigned()).isFalse();
        reads.enqueue(3, 7);
        reads.assignRound(2, 6);

        assertThat(confirm(reads, 1)).containsExactly(new ReadRequests.Request(1, 7, 1, 5),
                new ReadRequests.Request(2, 8, 1, 5));
        assertThat(confirm(reads, 1)).isEmpty();
        assertThat(confirm(reads, 5)).containsExactly(new ReadRequests.Request(3, 7, 2, 6));
        assertThat(reads.size()).isZero();
    }

    @Test
    void aConfirmedRoundAlsoReleasesEarlierOnes() {
        ReadRequests reads = new ReadRequests(10);
        reads.enqueue(1, 1);
        reads.assignRound(1, 3);
        reads.enqueue(2, 1);
        reads.assignRound(2, 4);

        assertThat(confirm(reads, 2)).extracting(ReadRequests.Request::requestId).containsExactly(1L, 2L);
    }

    @Test
    void requestsWaitingForTheTermCommitJoinNoRound() {
        ReadRequests reads = new ReadRequests(10);
        reads.waitForTermCommit(1, 1);
        assertThat(reads.hasUnassigned()).isFalse();
        reads.assignRound(1, 3);
        assertThat(confirm(reads, 1)).isEmpty();

        reads.termCommitted();
        assertThat(reads.hasUnassigned()).isTrue();
        reads.assignRound(2, 4);
        assertThat(confirm(reads, 2)).singleElement().matches(r -> r.requestId() == 1 && r.index() == 4);
    }

    @Test
    void boundCountsEveryStage() {
        ReadRequests reads = new ReadRequests(3);
        reads.waitForTermCommit(1, 1);
        reads.enqueue(2, 1);
        assertThat(reads.full()).isFalse();
        reads.assignRound(1, 1);
        reads.enqueue(3, 1);
        assertThat(reads.size()).isEqualTo(3);
        assertThat(reads.full()).isTrue();
    }

    @Test
    void drainAllEmptiesEveryStage() {
        ReadRequests reads = new ReadRequests(10);
        reads.enqueue(1, 1);
        reads.assignRound(1, 1);
        reads.enqueue(2, 1);
        reads.waitForTermCommit(3, 1);

        assertThat(reads.drainAll()).extracting(ReadRequests.Request::requestId).containsExactly(1L, 2L, 3L);
        assertThat(reads.size()).isZero();
        assertThat(reads.hasUnassigned()).isFalse();
    }
}
