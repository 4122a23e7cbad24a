package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.KvStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real etcdctl 3.4's {@code watch} against a member's Watch service (a {@link KvStore} behind the gRPC server):
 * history from a revision with and without {@code --prev-kv}, live events on a prefix, and the end of a watch
 * whose start was compacted away. The expected outputs are etcd 3.4.23's for the same commands.
 *
 * <p>Skipped (JUnit assumption) when {@code /usr/bin/etcdctl} is absent (Debian package etcd-client).
 */
class EtcdctlWatchTest {
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
}
