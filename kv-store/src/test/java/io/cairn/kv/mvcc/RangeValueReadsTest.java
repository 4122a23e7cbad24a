package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeRequest.SortOrder;
import io.cairn.kv.proto.etcd.RangeRequest.SortTarget;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a Range reads (decision 0012): the current column family holds metadata only, so a Range counts and picks
 * its kvs without values and reads from history only the values of the kvs it returns. Asserted with the store's
 * step counter ({@link KvSource.Steps#valueReads()}, {@link KvSource.Steps#valueBytes()}), never with time.
 *
 * <p>The finding it guards (docs/benchmarks.md, "kv-store I"): a page of 100 from the middle of a 25,000-key
 * prefix read every value to the end of the range to count it.
 *
 * <p>The store: {@value #KEYS} keys under {@code /p/}, each written twice (so history holds two versions of each),
 * values of {@value #VALUE_BYTES} bytes that name their key and pass.
 */
class RangeValueReadsTest {
    private static final int KEYS = 1000;
    private static final int VALUE_BYTES = 100;
    private static final int PAGE = 100;
    private static StoreFixture f;
    private static long firstPassRevision;

    @BeforeAll
    static void load() throws Exception {
        f = new StoreFixture();
        for (int pass = 0; pass < 2; pass++) {
            List<KvCommand> puts = new ArrayList<>();
            for (int k = 0; k < KEYS; k++) {
                puts.add(cmd(PutRequest.newBuilder().setKey(Req.bs(key(k))).setValue(value(k, pass)).build()));
            }
            assertThat(f.applyAll(puts)).noneMatch(KvResult::isError);
            if (pass == 0) {
                firstPassRevision = f.store.revision();
            }
        }
        f.store.flush();
    }

    @AfterAll
    static void close() throws Exception {
        f.close();
    }

    private static String key(int k) {
        return String.format(Locale.ROOT, "/p/k%04d", k);
    }

    private static ByteString value(int k, int pass) {
        String s = key(k) + " pass " + pass + " ";
        return Req.bs((s + "x".repeat(VALUE_BYTES)).substring(0, VALUE_BYTES));
    }

    /** From key {@code from} to the prefix's end, with {@code limit}, at {@code revision} (0: current). */
    private static RangeRequest.Builder page(int from, long limit, long revision) {
        return Req.range(key(from), "/p0").toBuilder().setLimit(limit).setRevision(revision);
    }

    private static final class Read {
        final KvSource.Steps steps = new KvSource.Steps();
        final RangeResponse response;

        Read(RangeRequest.Builder r) {
            response = f.store.range(r.build(), steps);
        }
    }

    @Test
    void aPageFromTheMiddleReadsOnlyTheValuesItReturns() {
        int from = KEYS / 2;
        Read r = new Read(page(from, PAGE, 0));
        assertThat(r.response.getCount()).isEqualTo(KEYS - from);
        assertThat(r.response.getMore()).isTrue();
        assertThat(r.response.getKvsList()).hasSize(PAGE);
        for (int i = 0; i < PAGE; i++) {
            KeyValue kv = r.response.getKvs(i);
            assertThat(kv.getKey()).isEqualTo(Req.bs(key(from + i)));
            assertThat(kv.getValue()).isEqualTo(value(from + i, 1));
        }
        assertThat(r.steps.valueReads()).isEqualTo(PAGE);
        assertThat(r.steps.valueBytes()).isEqualTo((long) PAGE * (KvMeta.BYTES + VALUE_BYTES));
        // and it did walk the rest of the range to count it
        assertThat(r.steps.count()).isGreaterThanOrEqualTo(KEYS - from);
    }

    @Test
    void keysOnlyAndCountOnlyReadNoValue() {
        Read keysOnly = new Read(page(0, PAGE, 0).setKeysOnly(true));
        assertThat(keysOnly.response.getKvsList()).hasSize(PAGE).allMatch(kv -> kv.getValue().isEmpty());
        assertThat(keysOnly.response.getKvs(0).getVersion()).isEqualTo(2);
        assertThat(keysOnly.steps.valueReads()).isZero();
        Read countOnly = new Read(Req.range("/p/", "/p0").toBuilder().setCountOnly(true));
        assertThat(countOnly.response.getCount()).isEqualTo(KEYS);
        assertThat(countOnly.response.getKvsList()).isEmpty();
        assertThat(countOnly.steps.valueReads()).isZero();
    }

    @Test
    void aSortByRevisionReadsOnlyTheValuesOfThePageButASortByValueReadsEveryOne() {
        Read byMod = new Read(page(0, 10, 0).setSortTarget(SortTarget.MOD).setSortOrder(SortOrder.DESCEND));
        assertThat(byMod.response.getKvsList()).extracting(KeyValue::getKey)
                .containsExactly(Req.bs(key(KEYS - 1)), Req.bs(key(KEYS - 2)), Req.bs(key(KEYS - 3)),
                        Req.bs(key(KEYS - 4)), Req.bs(key(KEYS - 5)), Req.bs(key(KEYS - 6)), Req.bs(key(KEYS - 7)),
                        Req.bs(key(KEYS - 8)), Req.bs(key(KEYS - 9)), Req.bs(key(KEYS - 10)));
        assertThat(byMod.steps.valueReads()).isEqualTo(10);
        // etcd sorts by value over every kv of the range (order given): each value is needed, and read once.
        Read byValue = new Read(page(0, 10, 0).setSortTarget(SortTarget.VALUE).setSortOrder(SortOrder.DESCEND));
        assertThat(byValue.response.getKvs(0).getValue()).isEqualTo(value(KEYS - 1, 1));
        assertThat(byValue.steps.valueReads()).isEqualTo(KEYS);
    }

    @Test
    void aRevisionFilterReadsOnlyTheValuesOfThePage() {
        // every second-pass version has mod revision > firstPassRevision; keep those of the upper half
        Read r = new Read(page(0, PAGE, 0).setMinModRevision(firstPassRevision + KEYS / 2 + 1));
        assertThat(r.response.getCount()).isEqualTo(KEYS); // count ignores revision filters, as in etcd
        assertThat(r.response.getKvs(0).getKey()).isEqualTo(Req.bs(key(KEYS / 2)));
        assertThat(r.response.getKvsList()).hasSize(PAGE);
        assertThat(r.steps.valueReads()).isEqualTo(PAGE);
    }

    @Test
    void aPageAtAnOldRevisionReadsOnlyTheValuesItReturns() {
        int from = KEYS / 4;
        Read r = new Read(page(from, PAGE, firstPassRevision));
        assertThat(r.response.getCount()).isEqualTo(KEYS - from);
        assertThat(r.response.getKvsList()).hasSize(PAGE);
        assertThat(r.response.getKvs(0).getValue()).isEqualTo(value(from, 0));
        assertThat(r.response.getKvs(0).getVersion()).isEqualTo(1);
        assertThat(r.steps.valueReads()).isEqualTo(PAGE);
        assertThat(r.steps.valueBytes()).isEqualTo((long) PAGE * (KvMeta.BYTES + VALUE_BYTES));
    }

    @Test
    void aSingleKeyGetReadsOneValue() {
        Read r = new Read(Req.get(key(7)).toBuilder());
        assertThat(r.response.getKvs(0).getValue()).isEqualTo(value(7, 1));
        assertThat(r.steps.valueReads()).isEqualTo(1);
    }
}
