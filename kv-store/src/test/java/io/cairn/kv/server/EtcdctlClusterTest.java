package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code etcdctl} (Debian's etcd-client 3.4) against three {@code cairn kv} processes started with etcd's
 * own flags for a static cluster: every command through whichever member it reaches, put / get (prefix, from-key,
 * rev, limit, sort, keys-only) / del / txn / compaction, etcd's error texts, a member killed with {@code kill -9}
 * and started again on its data, and a restart that ignores {@code --initial-cluster}. {@code .ci/run} installs
 * etcd-client; without /usr/bin/etcdctl the test is skipped.
 */
class EtcdctlClusterTest {
    private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

    @TempDir
    Path dir;

    private static long revision(Etcdctl.Result r) {
        Matcher m = REVISION.matcher(r.out());
        assertThat(m.find()).as("a revision in %s", r.out()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** Starts the members; etcdctl for all of them (index 0), then for each one alone (1..3). */
    private List<Etcdctl> startWithClients(KvProcesses c) throws Exception {
        c.startAll();
        List<Etcdctl> m = new ArrayList<>(List.of(new Etcdctl(c.endpoints(), dir)));
        for (int i = 1; i <= 3; i++) {
            m.add(new Etcdctl(c.endpoint(i), dir));
        }
        return m;
    }

    @Test
    void etcdctlDrivesAThreeMemberCluster() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            List<Etcdctl> m = startWithClients(c);
            long first = revision(m.get(1).eventually("put", "/registry/pods/a", "1", "-w", "json"));
            m.get(2).expect("OK\n", "put", "/registry/pods/b", "2");
            m.get(3).expect("OK\n", "put", "/registry/services/x", "3");

            m.get(2).expect("/registry/pods/a\n1\n/registry/pods/b\n2\n", "get", "/registry/pods", "--prefix");
            m.get(3).expect("/registry/pods/b\n\n/registry/services/x\n\n", "get", "/registry/pods/b", "--from-key",
                    "--keys-only");
            m.get(1).expect("/registry/pods/a\n1\n", "get", "/registry/pods", "--prefix", "--limit=1");
            m.get(0).expect("/registry/services/x\n\n/registry/pods/b\n\n/registry/pods/a\n\n", "get", "/registry",
                    "--prefix", "--sort-by=MODIFY", "--order=DESCEND", "--keys-only");
            m.get(1).expect("OK\n", "put", "/registry/pods/a", "10");
            m.get(2).expect("/registry/pods/a\n1\n", "get", "/registry/pods/a", "--rev=" + first);

            m.get(3).expect("OK\n", "put", "/registry/services/y", "5");
            m.get(2).expect("2\n/registry/pods/a\n10\n/registry/pods/b\n2\n", "del", "/registry/pods", "--prefix",
                    "--prev-kv");
            Etcdctl.Result txn = m.get(3).runWithInput(
                    "value(\"/registry/services/x\") = \"3\"\n\nput /registry/services/x 4\n\nput /registry/services/x 0\n\n",
                    "txn");
            assertThat(txn.exitCode()).as(txn.err()).isZero();
            assertThat(txn.out()).isEqualTo("SUCCESS\n\nOK\n");
            m.get(1).expect("/registry/services/x\n4\n", "get", "/registry/services/x");

            long now = revision(m.get(2).run("get", "/registry/services/x", "-w", "json"));
            m.get(1).expect("compacted revision " + now + "\n", "compaction", Long.toString(now));
            Etcdctl.Result compacted = m.get(3).run("get", "/registry/services/x", "--rev=" + first);
            assertThat(compacted.exitCode()).isEqualTo(1);
            assertThat(compacted.errorLine()).isEqualTo("Error: etcdserver: mvcc: required revision has been compacted");
            Etcdctl.Result emptyKey = m.get(2).run("put", "", "v");
            assertThat(emptyKey.exitCode()).isEqualTo(1);
            assertThat(emptyKey.errorLine()).isEqualTo("Error: etcdserver: key is not provided");

            // kill -9 a member: the other two go on; started again on its data, it catches up
            c.kill(1);
            m.get(2).eventually("put", "/after/kill", "yes");
            m.get(3).expect("/after/kill\nyes\n", "get", "/after/kill");
            c.start(1);
            m.get(1).eventually("get", "/after/kill");
            m.get(1).expect("/after/kill\nyes\n", "get", "/after/kill", "--consistency=s");

            // a restart ignores --initial-cluster*, as etcd does: the data directory says who the member is
            c.kill(3);
            List<String> other = new ArrayList<>(c.flags(3));
            other.set(other.indexOf("--initial-cluster") + 1, "kv3=http://127.0.0.1:1");
            c.start(3, other);
            m.get(3).eventually("put", "/after/restart", "ok");
            m.get(0).expect("/after/kill\nyes\n/after/restart\nok\n", "get", "/after", "--prefix");
            assertThat(c.log(3)).contains("--initial-cluster* are ignored");
        }
    }

    /**
     * etcdctl's watch and lease commands against three processes, each command through a different member: a
     * watch from a revision on a follower, a lease granted on one member, used on another, kept alive once through
     * a third (a follower's keep-alive reaches the leader's clock through the log), and revoked.
     */
    @Test
    void etcdctlWatchesAndLeasesThroughAnyMember() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            List<Etcdctl> m = startWithClients(c);
            // a barrier first: a put retried while the members elect may have been applied twice, and the watch below
            // would then (rightly) show the earlier copy as the first one's previous value
            m.get(1).eventually("put", "ready", "1");
            long first = revision(m.get(1).run("put", "w/a", "1", "-w", "json"));
            m.get(2).expect("OK\n", "put", "w/a", "2");
            m.get(3).expect("1\n", "del", "w/a");
            Etcdctl.Background watch = m.get(2).start("watch", "--prefix", "w/", "--rev=" + first, "--prev-kv");
            String expected = "PUT\nw/a\n1\nPUT\nw/a\n1\nw/a\n2\nDELETE\nw/a\n2\nw/a\n\n";
            assertThat(watch.awaitOut(expected)).isEqualTo(expected);
            m.get(1).expect("OK\n", "put", "w/b", "live");
            String live = expected + "PUT\nw/b\nlive\n";
            assertThat(watch.awaitOut(live)).isEqualTo(live);
            watch.stop(0);

            Etcdctl.Result granted = m.get(3).eventually("lease", "grant", "60");
            Matcher g = Pattern.compile("lease ([0-9a-f]+) granted with TTL\\(60s\\)\n").matcher(granted.out());
            assertThat(g.matches()).as(granted.out()).isTrue();
            String lease = g.group(1);
            m.get(1).expect("OK\n", "put", "--lease=" + lease, "leased", "x");
            assertThat(m.get(2).run("lease", "timetolive", "--keys", lease).out()).matches("lease " + lease
                    + " granted with TTL\\(60s\\), remaining\\((59|60)s\\), attached keys\\(\\[leased\\]\\)\n");
            m.get(3).expect("lease " + lease + " keepalived with TTL(60)\n", "lease", "keep-alive", "--once", lease);
            assertThat(m.get(1).run("lease", "list").out()).isEqualTo("found 1 leases\n" + lease + "\n");
            m.get(2).expect("lease " + lease + " revoked\n", "lease", "revoke", lease);
            m.get(3).expect("", "get", "leased");
            m.get(1).expect("", "get", "leased", "--consistency=s");
        }
    }
}
