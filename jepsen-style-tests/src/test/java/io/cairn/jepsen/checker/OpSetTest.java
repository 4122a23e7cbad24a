package io.cairn.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpSetTest {
    @Test
    void theHashDependsOnlyOnTheMembers() {
        OpSet a = new OpSet(200);
        OpSet b = new OpSet(200);
        a.add(3);
        a.add(150);
        a.add(64);
        b.add(64);
        b.add(3);
        b.add(150);

        assertThat(a.hash()).isEqualTo(b.hash());
        assertThat(a.snapshotWords()).isEqualTo(b.snapshotWords());

        b.remove(150);
        assertThat(b.hash()).isNotEqualTo(a.hash());
        b.add(150);
        assertThat(b.hash()).isEqualTo(a.hash());
    }

    @Test
    void membership() {
        OpSet s = new OpSet(130);
        s.add(129);

        assertThat(s.contains(129)).isTrue();
        assertThat(s.contains(1)).isFalse();
        s.remove(129);
        assertThat(s.contains(129)).isFalse();
        assertThat(s.hash()).isZero();
    }

    @Test
    void addingTwiceOrRemovingAnAbsentMemberIsABug() {
        OpSet s = new OpSet(10);
        s.add(4);

        assertThatThrownBy(() -> s.add(4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.remove(5)).isInstanceOf(IllegalStateException.class);
    }

    /** Distinct ids get distinct codes, so small sets rarely collide. */
    @Test
    void codesAreDistinct() {
        Set<Long> codes = new HashSet<>();
        for (int id = 0; id < 100_000; id++) {
            codes.add(OpSet.code(id));
        }
        assertThat(codes).hasSize(100_000);
    }
}
