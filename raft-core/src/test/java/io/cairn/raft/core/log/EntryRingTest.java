package io.cairn.raft.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.Invariants.InvariantViolation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ring under wraparound, growth and both kinds of cuts, checked against a plain list. */
class EntryRingTest {
    private static Entry e(long index) {
        return Entry.command(1 + index / 10, index, null);
    }

    private static void fill(EntryRing ring, long toExclusive) {
        for (long i = ring.endIndex(); i < toExclusive; i++) {
            ring.add(e(i));
        }
    }

    private static void assertHolds(EntryRing ring, long first, long endExclusive) {
        assertThat(ring.firstIndex()).isEqualTo(first);
        assertThat(ring.endIndex()).isEqualTo(endExclusive);
        assertThat(ring.size()).isEqualTo((int) (endExclusive - first));
        for (long i = first; i < endExclusive; i++) {
            assertThat(ring.get(i)).isEqualTo(e(i));
        }
    }

    @Test
    void addsAndGetsByIndex() {
        EntryRing ring = new EntryRing(5);
        fill(ring, 20);
        assertHolds(ring, 5, 20);
        assertThat(ring.slice(7, 10)).containsExactly(e(7), e(8), e(9));
        assertThat(ring.slice(9, 9)).isEmpty();
    }

    @Test
    void wrapsAroundAfterHeadIsDropped() {
        EntryRing ring = new EntryRing(1);
        fill(ring, 65);             // exactly the initial capacity of 64
        ring.dropBefore(41);        // head moves to slot 40
        fill(ring, 95);             // 54 entries, the last 30 in slots 0..29

        assertHolds(ring, 41, 95);
        assertThat(ring.slice(60, 80)).extracting(Entry::index)
                .containsExactlyElementsOf(range(60, 80));
    }

    @Test
    void growsWhileWrappedKeepingOrder() {
        EntryRing ring = new EntryRing(1);
        fill(ring, 65);
        ring.dropBefore(33);
        fill(ring, 300);            // wraps, then grows twice

        assertHolds(ring, 33, 300);
    }

    @Test
    void truncateFromCutsTheTailEvenAcrossTheWrap() {
        EntryRing ring = new EntryRing(1);
        fill(ring, 65);
        ring.dropBefore(50);
        fill(ring, 90);

        ring.truncateFrom(70);
        assertHolds(ring, 50, 70);
        ring.truncateFrom(200);
        assertHolds(ring, 50, 70);
        fill(ring, 75);
        assertHolds(ring, 50, 75);

        ring.truncateFrom(10);      // before the first index: everything goes, positions stay
        assertHolds(ring, 50, 50);
        ring.add(e(50));
        assertHolds(ring, 50, 51);
    }

    @Test
    void dropBeforeMovesTheStartAndMayEmptyTheRing() {
        EntryRing ring = new EntryRing(1);
        fill(ring, 11);
        ring.dropBefore(1);
        assertHolds(ring, 1, 11);

        ring.dropBefore(4);
        assertHolds(ring, 4, 11);

        ring.dropBefore(20);        // past the end (a snapshot newer than the log)
        assertHolds(ring, 20, 20);
        ring.add(e(20));
        assertHolds(ring, 20, 21);
    }

    @Test
    void refusesPositionsOutsideTheRing() {
        EntryRing ring = new EntryRing(3);
        fill(ring, 6);
        assertThatThrownBy(() -> ring.get(2)).isInstanceOf(InvariantViolation.class);
        assertThatThrownBy(() -> ring.get(6)).isInstanceOf(InvariantViolation.class);
        assertThatThrownBy(() -> ring.add(e(7))).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("expected 6");
        assertThatThrownBy(() -> ring.slice(2, 4)).isInstanceOf(InvariantViolation.class);
        assertThatThrownBy(() -> ring.slice(4, 7)).isInstanceOf(InvariantViolation.class);
    }

    /** Random adds, tail cuts and head drops, compared after each step with an ArrayList model. */
    @Test
    void matchesAListModelUnderRandomOperations() {
        Random random = new Random(42);
        EntryRing ring = new EntryRing(1);
        List<Entry> model = new ArrayList<>();
        long first = 1;
        for (int step = 0; step < 5_000; step++) {
            int op = random.nextInt(10);
            long end = first + model.size();
            if (op < 6) {
                int n = 1 + random.nextInt(40);
                for (int k = 0; k < n; k++) {
                    ring.add(e(end + k));
                    model.add(e(end + k));
                }
            } else if (op < 8 && !model.isEmpty()) {
                long at = first + random.nextInt(model.size());
                ring.truncateFrom(at);
                model.subList((int) (at - first), model.size()).clear();
            } else if (!model.isEmpty()) {
                long to = first + random.nextInt(model.size() + 1);
                ring.dropBefore(to);
                model.subList(0, (int) (to - first)).clear();
                first = to;
            }
            assertThat(ring.firstIndex()).isEqualTo(first);
            assertThat(ring.size()).isEqualTo(model.size());
            if (!model.isEmpty()) {
                assertThat(ring.slice(first, first + model.size())).isEqualTo(model);
            }
        }
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }
}
