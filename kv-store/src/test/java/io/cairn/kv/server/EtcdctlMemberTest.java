package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Cluster service through the real {@code etcdctl} 3.4 against {@code cairn kv} processes, following etcd's
 * documented procedure for adding a member ("Runtime reconfiguration"): {@code member list} (table and JSON) on a
 * new cluster of three; {@code member add --learner} prints the new member's {@code ETCD_INITIAL_CLUSTER}; a
 * promotion before the learner runs is refused with etcd's error, on the leader and on followers (which forward it);
 * the new process started with that {@code --initial-cluster} and {@code --initial-cluster-state existing} learns
 * its id from a peer, catches up (data written before is readable from it, serializably), is promoted, and every
 * member lists the same four; {@code member update} moves its peer URL and it keeps up there; {@code member remove}
 * makes its process exit, as etcd's does; and a restart of every member keeps the membership. etcd's error texts
 * for the refusals along the way.
 */
class EtcdctlMemberTest {
    @TempDir
    Path dir;

    /** Runs until etcdctl exits 0 (within 90 s: a loaded machine may take over 30 s to start three members). */
    private static Etcdctl.Result ok(Etcdctl ctl, String... args) throws Exception {
        return until(ctl, r -> r.exitCode() == 0, args);
    }

    /** Runs until {@code wanted} holds for what etcdctl answered (within 90 s). */
    private static Etcdctl.Result until(Etcdctl ctl, Predicate<Etcdctl.Result> wanted, String... args)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Etcdctl.Result r;
        do {
            r = ctl.run(args);
            if (wanted.test(r)) {
                return r;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("etcdctl " + List.of(args) + " never answered as wanted; last: exit " + r.exitCode()
                + ", out: " + r.out() + ", err: " + r.err());
    }

    /** Runs once and expects a refusal with {@code error} ("Error: " and etcd's text). */
    private static void refused(Etcdctl ctl, String error, String... args) throws Exception {
        Etcdctl.Result r = ctl.run(args);
        assertThat(r.exitCode()).as("exit code of %s: %s", List.of(args), r.out()).isNotZero();
        assertThat(r.errorLine()).as("etcdctl %s", List.of(args)).isEqualTo("Error: " + error);
    }

    /** The rows of {@code member list} (simple): id, status, name, peer URLs, client URLs, learner. */
    private static List<String[]> rows(Etcdctl.Result r) {
        List<String[]> rows = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (!line.isBlank()) {
                rows.add(line.split(", ", -1));
            }
        }
        return rows;
    }

    private static String row(KvProcesses c, int i, String id, boolean learner) {
        return String.join(", ", id, "started", c.name(i), c.peerUrl(i), c.clientUrl(i), Boolean.toString(learner));
    }

    /** The id etcdctl prints for member {@code name} in {@code member list}. */
    private static String idOf(Etcdctl.Result list, String name) {
        return rows(list).stream().filter(row -> row[2].equals(name)).findFirst().orElseThrow()[0];
    }

    private static boolean allStarted(Etcdctl.Result r, int count) {
        List<String[]> rows = rows(r);
        return r.exitCode() == 0 && rows.size() == count
                && rows.stream().allMatch(row -> row[1].equals("started") && !row[4].isEmpty());
    }

    @Test
    void membersAreListedAddedPromotedUpdatedAndRemovedAsEtcdDoes() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            c.startAll();
            Etcdctl all = new Etcdctl(c.endpoints(), dir);
            Etcdctl kv1 = new Etcdctl(c.endpoint(1), dir);

            // a new cluster lists its three members, once each has published its name and client URLs
            Etcdctl.Result list = until(kv1, r -> allStarted(r, 3), "member", "list");
            String id1 = idOf(list, "kv1");
            String id2 = idOf(list, "kv2");
            String id3 = idOf(list, "kv3");
            assertThat(list.out()).isEqualTo(String.join("\n", List.of(row(c, 1, id1, false), row(c, 2, id2, false),
                    row(c, 3, id3, false)).stream().sorted(EtcdctlMemberTest::byId).toList()) + "\n");
            Etcdctl.Result table = ok(kv1, "member", "list", "-w", "table");
            assertThat(table.out()).contains("|        ID        | STATUS  | NAME |")
                    .contains("| " + c.peerUrl(2) + " |")
                    .contains("| " + c.clientUrl(3) + " |");
            Etcdctl.Result json = ok(kv1, "member", "list", "-w", "json");
            assertThat(json.out()).contains("\"name\":\"kv1\",\"peerURLs\":[\"" + c.peerUrl(1)
                    + "\"],\"clientURLs\":[\"" + c.clientUrl(1) + "\"]")
                    .contains("\"ID\":" + Long.toUnsignedString(Long.parseUnsignedLong(id2, 16)) + ",")
                    .doesNotContain("isLearner");
            ok(all, "put", "/before", "written before the member was added");

            // etcd's refusals
            refused(kv1, "etcdserver: Peer URLs already exists", "member", "add", "kvx", "--peer-urls=" + c.peerUrl(2));
            refused(kv1, "etcdserver: member not found", "member", "remove", "1234abcd");
            refused(kv1, "etcdserver: member not found", "member", "update", "1234abcd",
                    "--peer-urls=http://127.0.0.1:1");
            refused(kv1, "etcdserver: can only promote a learner member", "member", "promote", id2);

            // etcd's procedure: member add prints what the new member is started with
            c.reserve(4);
            Etcdctl.Result added = ok(new Etcdctl(c.endpoint(2), dir), "member", "add", "kv4",
                    "--peer-urls=" + c.peerUrl(4), "--learner");
            Matcher m = Pattern.compile("Member +([0-9a-f]+) added to cluster +([0-9a-f]+)\\n\\nETCD_NAME=\"kv4\"\\n"
                    + "ETCD_INITIAL_CLUSTER=\"([^\"]+)\"\\nETCD_INITIAL_ADVERTISE_PEER_URLS=\"([^\"]+)\"\\n"
                    + "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\\n").matcher(added.out());
            assertThat(m.matches()).as(added.out()).isTrue();
            String id4 = m.group(1);
            String initialCluster = m.group(3);
            assertThat(initialCluster.split(",")).containsExactlyInAnyOrder("kv1=" + c.peerUrl(1),
                    "kv2=" + c.peerUrl(2), "kv3=" + c.peerUrl(3), "kv4=" + c.peerUrl(4));
            assertThat(ok(kv1, "member", "list").out()).contains(id4 + ", unstarted, , " + c.peerUrl(4) + ", , true");
            refused(kv1, "etcdserver: too many learner members in cluster", "member", "add", "kv5",
                    "--peer-urls=http://127.0.0.1:1", "--learner");

            // not running yet, so not in sync with the leader: refused by the leader, also when a follower asks
            for (int i = 1; i <= 3; i++) {
                refused(new Etcdctl(c.endpoint(i), dir),
                        "etcdserver: can only promote a learner member which is in sync with leader", "member",
                        "promote", id4);
            }

            // the new member learns its id from a peer, catches up, and serves what was written before
            c.start(4, c.joinFlags(4, initialCluster));
            Etcdctl kv4 = new Etcdctl(c.endpoint(4), dir);
            assertThat(until(kv4, r -> r.out().contains("written before"), "get", "/before", "--consistency=s").out())
                    .isEqualTo("/before\nwritten before the member was added\n");
            assertThat(until(kv1, r -> allStarted(r, 4), "member", "list").out())
                    .contains(row(c, 4, id4, true));

            // promoted once it is in sync; then every member lists the same four voters
            Etcdctl.Result promoted = until(new Etcdctl(c.endpoint(3), dir), r -> r.exitCode() == 0
                    || !r.err().contains("in sync with leader"), "member", "promote", id4);
            assertThat(promoted.out()).as(promoted.err())
                    .matches("Member +" + id4 + " promoted in cluster +[0-9a-f]+\\n");
            String expected = String.join("\n", List.of(row(c, 1, id1, false), row(c, 2, id2, false),
                    row(c, 3, id3, false), row(c, 4, id4, false)).stream().sorted(EtcdctlMemberTest::byId).toList())
                    + "\n";
            for (int i = 1; i <= 4; i++) {
                until(new Etcdctl(c.endpoint(i), dir), r -> r.out().equals(expected), "member", "list");
            }
            ok(kv4, "put", "/after", "written through the new voter");
            assertThat(ok(kv1, "get", "/after").out()).isEqualTo("/after\nwritten through the new voter\n");

            // member update: kv4 moves to another peer port, restarts there, and keeps up
            c.movePeerPort(4);
            assertThat(ok(kv1, "member", "update", id4, "--peer-urls=" + c.peerUrl(4)).out())
                    .matches("Member +" + id4 + " updated in cluster +[0-9a-f]+\\n");
            c.kill(4);
            c.start(4, c.joinFlags(4, initialCluster));
            ok(kv1, "put", "/moved", "written after kv4 moved");
            until(kv4, r -> r.out().contains("after kv4 moved"), "get", "/moved", "--consistency=s");
            until(kv4, r -> r.out().contains(row(c, 4, id4, false)), "member", "list");

            // member remove: the removed member's process exits, as etcd's does
            Etcdctl.Result removed = ok(kv1, "member", "remove", id4);
            assertThat(removed.out()).matches("Member +" + id4 + " removed from cluster +[0-9a-f]+\\n");
            Process p4 = c.process(4);
            assertThat(p4.waitFor(30, TimeUnit.SECONDS)).as("the removed member exits: %s", c.log(4)).isTrue();
            assertThat(p4.exitValue()).isZero();
            assertThat(c.log(4)).contains("has been permanently removed from the cluster");
            c.forget(4);
            String three = String.join("\n", List.of(row(c, 1, id1, false), row(c, 2, id2, false),
                    row(c, 3, id3, false)).stream().sorted(EtcdctlMemberTest::byId).toList()) + "\n";
            for (int i = 1; i <= 3; i++) {
                until(new Etcdctl(c.endpoint(i), dir), r -> r.out().equals(three), "member", "list");
            }
            refused(kv1, "etcdserver: member not found", "member", "remove", id4);

            // a restart of every member keeps the membership (and writes go on)
            for (int i = 1; i <= 3; i++) {
                c.kill(i);
            }
            c.startAll();
            for (int i = 1; i <= 3; i++) {
                until(new Etcdctl(c.endpoint(i), dir), r -> r.out().equals(three), "member", "list");
            }
            ok(new Etcdctl(c.endpoints(), dir), "put", "/restarted", "yes");
            assertThat(until(new Etcdctl(c.endpoint(3), dir), r -> r.out().contains("yes"), "get", "/restarted",
                    "--consistency=s").out()).isEqualTo("/restarted\nyes\n");
        }
    }

    /** etcd lists members in ID order (unsigned). */
    private static int byId(String a, String b) {
        return Long.compareUnsigned(Long.parseUnsignedLong(a.substring(0, a.indexOf(',')), 16),
                Long.parseUnsignedLong(b.substring(0, b.indexOf(',')), 16));
    }
}
