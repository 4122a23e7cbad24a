package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.KvStore;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real etcdctl 3.4's {@code watch} and {@code lease} commands (and {@code put --lease}) against a member's
 * Watch and Lease services (a {@link KvStore} behind the gRPC server): history from a revision with and without
 * {@code --prev-kv}, live events on a prefix, the end of a watch whose start was compacted away; lease grant,
 * time-to-live with keys, list, keep-alive, revoke, etcd's limits and errors, and expiry. Expected outputs are
 * etcd 3.4.23's for the same commands, with the lease IDs (which each server picks) matched by pattern.
 *
 * <p>Skipped (JUnit assumption) when {@code /usr/bin/etcdctl} is absent (Debian package etcd-client).
 */
class EtcdctlWatchLeaseTest {
    private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]+) granted with TTL\\((\\d+)s\\)\n");

    @TempDir
    Path scratch;
    private GrpcFixture fixture;
    private Etcdctl etcdctl;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Etcdctl.installed(), "etcdctl not installed at " + Etcdctl.BINARY);
        fixture = new GrpcFixture();
        KvStore kv = fixture.kvStore();
        etcdctl = new Etcdctl(fixture.watchServer(kv, KvServerLimits.DEFAULTS), scratch);
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** Revisions 2 to 5: put a 1, put a 2, del a, put b 3 (as in etcd's run of the same commands). */
    private void seed() throws Exception {
        etcdctl.expect("OK\n", "put", "a", "1");
        etcdctl.expect("OK\n", "put", "a", "2");
        etcdctl.expect("1\n", "del", "a");
        etcdctl.expect("OK\n", "put", "b", "3");
    }

    @Test
    void watchFromARevisionWithPreviousValues() throws Exception {
        seed();
        Etcdctl.Background plain = etcdctl.start("watch", "a", "--rev=1");
        String expected = "PUT\na\n1\nPUT\na\n2\nDELETE\na\n\n";
        assertThat(plain.awaitOut(expected)).isEqualTo(expected);
        plain.stop(0);

        Etcdctl.Background prev = etcdctl.start("watch", "a", "--rev=1", "--prev-kv");
        String withPrev = "PUT\na\n1\nPUT\na\n1\na\n2\nDELETE\na\n2\na\n\n";
        assertThat(prev.awaitOut(withPrev)).isEqualTo(withPrev);
        prev.stop(0);
    }

    @Test
    void liveEventsOnAPrefix() throws Exception {
        Etcdctl.Background w = etcdctl.start("watch", "--prefix", "k/");
        Thread.sleep(500); // let the watch be created before the writes (it starts at the next revision)
        etcdctl.expect("OK\n", "put", "k/1", "x");
        etcdctl.expect("OK\n", "put", "other", "y");
        etcdctl.expect("1\n", "del", "k/1");
        String expected = "PUT\nk/1\nx\nDELETE\nk/1\n\n";
        assertThat(w.awaitOut(expected)).isEqualTo(expected);
        w.stop(0);
    }

    @Test
    void aWatchFromACompactedRevisionIsCanceledAsEtcdSaysIt() throws Exception {
        seed();
        etcdctl.expect("compacted revision 3\n", "compaction", "3");
        Etcdctl.Result r = etcdctl.start("watch", "a", "--rev=1").stop(10);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("watch was canceled (etcdserver: mvcc: required revision has been compacted)")
                .contains("Error: watch is canceled by the server");
        assertThat(r.exitCode()).isEqualTo(5);
    }

    /** Grants a lease of {@code ttl} seconds; returns its ID in hex, as etcdctl prints it. */
    private String grant(long ttl, long expectedTtl) throws Exception {
        Etcdctl.Result r = etcdctl.run("lease", "grant", Long.toString(ttl));
        assertThat(r.exitCode()).as("stderr: %s", r.err()).isZero();
        Matcher m = GRANTED.matcher(r.out());
        assertThat(m.matches()).as("grant output %s", r.out()).isTrue();
        assertThat(Long.parseLong(m.group(2))).isEqualTo(expectedTtl);
        return m.group(1);
    }

    private void expectError(String error, String... args) throws Exception {
        Etcdctl.Result r = etcdctl.run(args);
        assertThat(r.exitCode()).as("exit code; stdout %s", r.out()).isNotZero();
        assertThat(r.errorLine()).isEqualTo(error);
    }

    @Test
    void grantPutTimeToLiveListKeepAliveAndRevoke() throws Exception {
        String first = grant(10, 10);
        String lease = grant(100, 100);
        etcdctl.expect("OK\n", "put", "--lease=" + lease, "k1", "v1");
        etcdctl.expect("OK\n", "put", "--lease=" + lease, "k2", "v2");
        Etcdctl.Result ttl = etcdctl.run("lease", "timetolive", lease);
        assertThat(ttl.out()).matches("lease " + lease + " granted with TTL\\(100s\\), remaining\\((99|100)s\\)\n");
        Etcdctl.Result keys = etcdctl.run("lease", "timetolive", "--keys", lease);
        assertThat(keys.out()).matches("lease " + lease
                + " granted with TTL\\(100s\\), remaining\\((99|100)s\\), attached keys\\(\\[k1 k2\\]\\)\n");
        Etcdctl.Result list = etcdctl.run("lease", "list");
        assertThat(list.out()).startsWith("found 2 leases\n").contains(first + "\n").contains(lease + "\n");
        etcdctl.expect("lease " + lease + " keepalived with TTL(100)\n", "lease", "keep-alive", "--once", lease);

        etcdctl.expect("lease " + lease + " revoked\n", "lease", "revoke", lease);
        etcdctl.expect("", "get", "k1");
        etcdctl.expect("", "get", "k2");
        etcdctl.expect("lease " + lease + " already expired\n", "lease", "timetolive", lease);
        expectError("Error: etcdserver: requested lease not found", "lease", "keep-alive", "--once", lease);
        expectError("Error: failed to revoke lease (etcdserver: requested lease not found)", "lease", "revoke",
                lease);
    }

    @Test
    void etcdsLimitsAndErrors() throws Exception {
        grant(1, 2); // raised to the minimum: 1.5 election timeouts of 1 s, rounded up
        expectError("Error: failed to grant lease (etcdserver: too large lease TTL)", "lease", "grant", "9000000001");
        expectError("Error: etcdserver: requested lease not found", "put", "--lease=1234", "k3", "v");
    }

    /** A key on a lease nobody keeps alive is gone within its TTL plus an election timeout plus a second. */
    @Test
    void anExpiredLeaseTakesItsKeysWithIt() throws Exception {
        String lease = grant(2, 2);
        etcdctl.expect("OK\n", "put", "--lease=" + lease, "short", "lived");
        etcdctl.expect("short\nlived\n", "get", "short");
        long start = System.nanoTime();
        while (!etcdctl.run("get", "short").out().isEmpty()) {
            assertThat(System.nanoTime() - start).as("still there").isLessThan(4_500_000_000L);
            Thread.sleep(100);
        }
        assertThat(System.nanoTime() - start).as("not before its TTL").isGreaterThan(1_500_000_000L);
        etcdctl.expect("lease " + lease + " already expired\n", "lease", "timetolive", lease);
    }
}
