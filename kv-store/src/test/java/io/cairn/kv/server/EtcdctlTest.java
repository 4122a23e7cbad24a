package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real etcdctl 3.4 against the server over a real MVCC store ({@link TestOnlyMvccKvService}): put, get with
 * its range options, del, txn read from stdin, compaction, and etcd's errors as etcdctl prints them. Every expected
 * output here was taken from etcd 3.4.23 given the same commands on a fresh data directory (only the header ids
 * differ: the test service's cluster 193, member 161, term 3). etcdctl 3.4 has no {@code --count-only} (it came in
 * 3.5); {@code count_only} is covered through grpc-java in {@link KvGrpcStoreTest}.
 *
 * <p>Skipped (JUnit assumption) when {@code /usr/bin/etcdctl} is absent (Debian package etcd-client). About 40
 * etcdctl runs, a few seconds.
 */
class EtcdctlTest {
    private static final String HEADER = "{\"cluster_id\":193,\"member_id\":161,\"revision\":%d,\"raft_term\":3}";

    @TempDir
    Path scratch;
    private GrpcFixture fixture;
    private Etcdctl etcdctl;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Etcdctl.installed(), "etcdctl not installed at " + Etcdctl.BINARY);
        fixture = new GrpcFixture();
        etcdctl = new Etcdctl(fixture.storeServer(), scratch);
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Revisions 2 to 7. */
    private void seed() throws Exception {
        for (String[] kv : new String[][] {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"a", "11"}, {"/dir/x", "X"},
                {"/dir/y", "Y"}}) {
            etcdctl.expect("OK\n", "put", kv[0], kv[1]);
        }
    }

    private void expectError(String error, String... args) throws Exception {
        Etcdctl.Result r = etcdctl.run(args);
        assertThat(r.exitCode()).as("exit code; stdout %s", r.out()).isEqualTo(1);
        assertThat(r.errorLine()).isEqualTo("Error: " + error);
    }

    private static String header(long revision) {
        return String.format(HEADER, revision);
    }

    @Test
    void getWithEtcdctlsRangeOptions() throws Exception {
        seed();
        etcdctl.expect("a\n11\n", "get", "a");
        etcdctl.expect("a\n11\n", "get", "a", "--prefix");
        etcdctl.expect("/dir/x\nX\n/dir/y\nY\na\n11\nb\n2\nc\n3\n", "get", "", "--prefix");
        etcdctl.expect("b\n2\nc\n3\n", "get", "b", "--from-key");
        etcdctl.expect("a\n1\n", "get", "a", "--rev=2");
        etcdctl.expect("/dir/x\nX\n/dir/y\nY\n", "get", "", "--prefix", "--limit=2");
        etcdctl.expect("/dir/y\nY\n/dir/x\nX\na\n11\nc\n3\nb\n2\n", "get", "", "--prefix", "--sort-by=MODIFY",
                "--order=DESCEND");
        etcdctl.expect("/dir/x\n\n/dir/y\n\na\n\nb\n\nc\n\n", "get", "", "--from-key", "--keys-only");
        etcdctl.expect("{\"header\":" + header(7) + ",\"kvs\":[{\"key\":\"YQ==\",\"create_revision\":2,"
                + "\"mod_revision\":5,\"version\":2,\"value\":\"MTE=\"}],\"count\":1}\n", "get", "a", "-w", "json");
        etcdctl.expect("{\"header\":" + header(7) + ",\"kvs\":[{\"key\":\"L2Rpci94\",\"create_revision\":6,"
                + "\"mod_revision\":6,\"version\":1},{\"key\":\"L2Rpci95\",\"create_revision\":7,\"mod_revision\":7,"
                + "\"version\":1}],\"more\":true,\"count\":5}\n",
                "get", "", "--prefix", "--keys-only", "--limit", "2", "-w", "json");
    }

    @Test
    void putWithPrevKvAndDelete() throws Exception {
        seed();
        etcdctl.expect("OK\na\n11\n", "put", "a", "12", "--prev-kv");
        etcdctl.expect("2\n/dir/x\nX\n/dir/y\nY\n", "del", "/dir", "--prefix", "--prev-kv");
        etcdctl.expect("0\n", "del", "zz");
        etcdctl.expect("1\n", "del", "c");
        etcdctl.expect("a\n12\nb\n2\n", "get", "", "--from-key");
    }

    @Test
    void txnFromStdin() throws Exception {
        seed();
        etcdctl.expect("OK\na\n11\n", "put", "a", "12", "--prev-kv"); // revision 8
        assertTxn("value(\"a\") = \"12\"\n\nput a 13\nget b\ndel b\n\nput a nope\n\n",
                "SUCCESS\n\nOK\n\nb\n2\n\n1\n");
        Etcdctl.Result failed = etcdctl.runWithInput("mod(\"a\") > \"100\"\n\nput a x\n\nget a\nput b 20\n\n",
                "txn", "--interactive=false", "-w", "json");
        assertThat(failed.exitCode()).isZero();
        assertThat(failed.out()).isEqualTo("{\"header\":" + header(10) + ",\"responses\":[{\"Response\":"
                + "{\"ResponseRange\":{\"header\":{\"revision\":9},\"kvs\":[{\"key\":\"YQ==\",\"create_revision\":2,"
                + "\"mod_revision\":9,\"version\":4,\"value\":\"MTM=\"}],\"count\":1}}},{\"Response\":"
                + "{\"ResponsePut\":{\"header\":{\"revision\":10}}}}]}\n");
        assertTxn("version(\"zz\") = \"0\"\ncreate(\"a\") > \"0\"\n\nput --prev-kv zz 1\ndel --prev-kv a\n\n\n",
                "SUCCESS\n\nOK\n\n1\na\n13\n");
        etcdctl.expect("{\"header\":" + header(11) + ",\"kvs\":[{\"key\":\"L2Rpci94\",\"create_revision\":6,"
                + "\"mod_revision\":6,\"version\":1,\"value\":\"WA==\"},{\"key\":\"L2Rpci95\",\"create_revision\":7,"
                + "\"mod_revision\":7,\"version\":1,\"value\":\"WQ==\"},{\"key\":\"Yg==\",\"create_revision\":10,"
                + "\"mod_revision\":10,\"version\":1,\"value\":\"MjA=\"},{\"key\":\"Yw==\",\"create_revision\":4,"
                + "\"mod_revision\":4,\"version\":1,\"value\":\"Mw==\"},{\"key\":\"eno=\",\"create_revision\":11,"
                + "\"mod_revision\":11,\"version\":1,\"value\":\"MQ==\"}],\"count\":5}\n",
                "get", "", "--from-key", "-w", "json");

        Etcdctl.Result duplicate = etcdctl.runWithInput("\nput x 1\nput x 2\n\n\n", "txn", "--interactive=false");
        assertThat(duplicate.exitCode()).isEqualTo(1);
        assertThat(duplicate.errorLine()).isEqualTo("Error: etcdserver: duplicate key given in txn request");
    }

    private void assertTxn(String stdin, String expected) throws Exception {
        Etcdctl.Result r = etcdctl.runWithInput(stdin, "txn", "--interactive=false");
        assertThat(r.exitCode()).as("stderr: %s", r.err()).isZero();
        assertThat(r.out()).isEqualTo(expected);
    }

    @Test
    void compactionAndTheCompactedAndFutureRevisionErrors() throws Exception {
        seed();
        etcdctl.expect("compacted revision 5\n", "compaction", "5");
        expectError("etcdserver: mvcc: required revision has been compacted", "get", "a", "--rev=3");
        expectError("etcdserver: mvcc: required revision is a future revision", "get", "a", "--rev=1000");
        expectError("etcdserver: mvcc: required revision has been compacted", "compaction", "3");
        expectError("etcdserver: mvcc: required revision is a future revision", "compaction", "1000");
        etcdctl.expect("compacted revision 7\n", "compaction", "7", "--physical");
        etcdctl.expect("a\n11\n", "get", "a", "--rev=7");
    }

    @Test
    void emptyKeyAndOversizedRequestErrors() throws Exception {
        expectError("etcdserver: key is not provided", "put", "", "v");
        expectError("etcdserver: key is not provided", "get", "");
        expectError("etcdserver: key is not provided", "del", "");
        // etcdctl reads the value from stdin when only the key is given.
        Etcdctl.Result big = etcdctl.runWithInput("x".repeat(1_600_000), "put", "big");
        assertThat(big.exitCode()).isEqualTo(1);
        assertThat(big.errorLine()).isEqualTo("Error: etcdserver: request is too large");
        Etcdctl.Result fits = etcdctl.runWithInput("y".repeat(1_500_000), "put", "fits");
        assertThat(fits.exitCode()).as("stderr: %s", fits.err()).isZero();
        etcdctl.expect("fits\n\n", "get", "fits", "--keys-only");
    }
}
