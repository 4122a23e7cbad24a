package io.cairn.jepsen.history;

import static io.cairn.jepsen.history.OpFunction.CAS;
import static io.cairn.jepsen.history.OpFunction.READ;
import static io.cairn.jepsen.history.OpFunction.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HistoryTest {
    private final History h = new History();

    @Test
    void entriesAreIndexedInRecordedOrderAndCompletionsCopyTheirInvocation() {
        Op w = h.invoke(1, WRITE, "k", 5L, null, 100);
        Op c = h.invoke(2, CAS, "k", 6L, 5L, 110);
        Op wOk = h.ok(w, 999L, 120);
        Op cFail = h.fail(c, 130);

        assertThat(h.ops()).containsExactly(w, c, wOk, cFail);
        assertThat(h.ops()).extracting(Op::index).containsExactly(0L, 1L, 2L, 3L);
        assertThat(wOk).isEqualTo(new Op(2, 1, OpType.OK, WRITE, "k", 5L, null, 120));
        assertThat(cFail).isEqualTo(new Op(3, 2, OpType.FAIL, CAS, "k", 6L, 5L, 130));
    }

    @Test
    void aReadCompletionCarriesTheValueRead() {
        Op r = h.invoke(1, READ, "k", null, null, 0);
        assertThat(h.ok(r, 7L, 10).value()).isEqualTo(7L);
        Op r2 = h.invoke(1, READ, "k", null, null, 20);
        assertThat(h.ok(r2, null, 30).value()).isNull();
    }

    @Test
    void countsEachType() {
        h.ok(h.invoke(1, WRITE, "k", 1L, null, 0), null, 1);
        h.fail(h.invoke(1, WRITE, "k", 2L, null, 2), 3);
        h.info(h.invoke(1, WRITE, "k", 3L, null, 4), 5);
        h.invoke(2, READ, "k", null, null, 6);

        assertThat(h.countOf(OpType.INVOKE)).isEqualTo(4);
        assertThat(h.countOf(OpType.OK)).isEqualTo(1);
        assertThat(h.countOf(OpType.FAIL)).isEqualTo(1);
        assertThat(h.countOf(OpType.INFO)).isEqualTo(1);
        assertThat(h.outstanding()).extracting(Op::process).containsExactly(2);
    }

    @Test
    void aProcessHasAtMostOneOutstandingInvocation() {
        h.invoke(1, WRITE, "k", 1L, null, 0);

        assertThatThrownBy(() -> h.invoke(1, READ, "other", null, null, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("process 1 already has an outstanding invocation");
    }

    @Test
    void completingAnOperationThatIsNotOutstandingIsRejected() {
        Op w = h.invoke(1, WRITE, "k", 1L, null, 0);
        h.ok(w, null, 10);

        assertThatThrownBy(() -> h.ok(w, null, 20)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> h.fail(w, 20)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> h.info(h.ops().get(1), 20)).isInstanceOf(IllegalStateException.class);
        Op foreign = new Op(0, 1, OpType.INVOKE, WRITE, "k", 1L, null, 0);
        h.invoke(1, WRITE, "k", 2L, null, 30);
        assertThatThrownBy(() -> h.ok(foreign, null, 40)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aProcessRetiredByInfoMayNotInvokeAgain() {
        h.info(h.invoke(1, WRITE, "k", 1L, null, 0), 10);

        assertThatThrownBy(() -> h.invoke(1, READ, "k", null, null, 20))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("retired");
    }

    @Test
    void aCompletionMayNotPrecedeItsInvocation() {
        Op w = h.invoke(1, WRITE, "k", 1L, null, 100);

        assertThatThrownBy(() -> h.ok(w, null, 99)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedEntriesAreRejectedWhereTheyAreMade() {
        assertThatThrownBy(() -> h.invoke(1, CAS, "k", null, null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.invoke(1, READ, "k", 3L, null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.invoke(1, WRITE, "k", 3L, 2L, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.invoke(1, CAS, "k", null, 2L, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> h.invoke(1, READ, null, null, null, 0)).isInstanceOf(NullPointerException.class);
        assertThat(h.ops()).isEmpty();
    }

    @Test
    void opsIsAReadOnlyView() {
        h.invoke(1, READ, "k", null, null, 0);

        assertThatThrownBy(() -> h.ops().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void writesOneJepsenEdnMapPerLine() {
        Op w = h.invoke(1, WRITE, "k1", 7L, null, 1000);
        Op r = h.invoke(2, READ, "k2", null, null, 1100);
        h.ok(w, null, 1150);
        h.ok(r, 7L, 1200);
        Op c = h.invoke(1, CAS, "k1", 9L, 7L, 1300);
        h.fail(c, 1400);
        Op c2 = h.invoke(1, CAS, "k3", 4L, null, 1500);
        h.info(c2, 1600);
        Op r2 = h.invoke(2, READ, "k\"q\\", null, null, 1700);
        h.ok(r2, null, 1800);

        StringBuilder out = new StringBuilder();
        h.writeJepsen(out);

        assertThat(out.toString()).isEqualTo(String.join("\n",
                "{:index 0, :type :invoke, :process 1, :f :write, :key \"k1\", :value 7, :time 1000}",
                "{:index 1, :type :invoke, :process 2, :f :read, :key \"k2\", :value nil, :time 1100}",
                "{:index 2, :type :ok, :process 1, :f :write, :key \"k1\", :value 7, :time 1150}",
                "{:index 3, :type :ok, :process 2, :f :read, :key \"k2\", :value 7, :time 1200}",
                "{:index 4, :type :invoke, :process 1, :f :cas, :key \"k1\", :value [7 9], :time 1300}",
                "{:index 5, :type :fail, :process 1, :f :cas, :key \"k1\", :value [7 9], :time 1400}",
                "{:index 6, :type :invoke, :process 1, :f :cas, :key \"k3\", :value [nil 4], :time 1500}",
                "{:index 7, :type :info, :process 1, :f :cas, :key \"k3\", :value [nil 4], :time 1600}",
                "{:index 8, :type :invoke, :process 2, :f :read, :key \"k\\\"q\\\\\", :value nil, :time 1700}",
                "{:index 9, :type :ok, :process 2, :f :read, :key \"k\\\"q\\\\\", :value nil, :time 1800}",
                ""));
    }
}
