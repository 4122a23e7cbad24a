package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --quota-backend-bytes} as etcd's users meet it, through the real {@code etcdctl} 3.4 against three
 * {@code cairn kv} processes: writes past the quota are refused with "etcdserver: mvcc: database space exceeded",
 * the member raises its NOSPACE alarm, every member then refuses writes (reads and deletes go on), Status and
 * {@code /health} report the alarm, and etcd's procedure (delete, compact, defragment, {@code alarm disarm}) brings
 * writes back.
 */
class EtcdctlQuotaTest {
    private static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";
    private static final long QUOTA_BYTES = 1_500_000;

    @TempDir
    Path dir;

    @Test
    void writesPastTheQuotaRaiseNospaceUntilSpaceIsFreedAndTheAlarmDisarmed() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            for (int i = 1; i <= 3; i++) {
                List<String> flags = new ArrayList<>(c.flags(i));
                flags.addAll(List.of("--quota-backend-bytes", Long.toString(QUOTA_BYTES)));
                c.start(i, flags);
            }
            Etcdctl all = new Etcdctl(c.endpoints(), dir);
            all.eventually("put", "/small", "1");

            // 100 KiB values that do not compress, until a put is refused (3 MiB is twice the quota)
            Random random = new Random(7);
            Etcdctl.Result refused = null;
            int written = 0;
            for (int i = 0; i < 30 && refused == null; i++) {
                Etcdctl.Result r = all.run("put", "/big/" + i, randomText(random, 100 * 1024));
                if (r.exitCode() != 0) {
                    refused = r;
                } else {
                    written++;
                    Thread.sleep(150); // the store's files grow as it flushes
                }
            }
            assertThat(refused).as("a put past the quota is refused (%d written)", written).isNotNull();
            assertThat(refused.errorLine()).isEqualTo("Error: " + NO_SPACE);

            String alarms = all.eventually("alarm", "list").out();
            assertThat(alarms).matches("(memberID:\\d+ alarm:NOSPACE \\n)+");
            for (int i = 1; i <= 3; i++) {
                Etcdctl one = new Etcdctl(c.endpoint(i), dir);
                assertThat(one.run("put", "/small", "2").errorLine()).as("member %d refuses writes", i)
                        .isEqualTo("Error: " + NO_SPACE);
                assertThat(one.run("get", "/small").out()).isEqualTo("/small\n1\n");
                assertThat(one.run("lease", "grant", "30").errorLine())
                        .isEqualTo("Error: failed to grant lease (" + NO_SPACE + ")");
            }
            assertThat(all.run("endpoint", "status").out()).contains("alarm:NOSPACE");

            // etcd's procedure: free the space, compact, defragment, disarm
            assertThat(all.run("del", "/big/", "--prefix").out().strip()).isEqualTo(Integer.toString(written));
            String revision = all.run("get", "/small", "-w", "fields").out().lines()
                    .filter(l -> l.startsWith("\"Revision\"")).findFirst().orElseThrow().replaceAll("\\D", "");
            assertThat(all.run("compact", revision, "--physical").exitCode()).isZero();
            assertThat(all.run("defrag").exitCode()).isZero();
            assertThat(all.run("alarm", "disarm").out()).matches("(memberID:\\d+ alarm:NOSPACE \\n)+");
            assertThat(all.run("alarm", "list").out()).isEmpty();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Etcdctl.Result put;
            do {
                Thread.sleep(1_100); // a member reads its store's size at most once a second
                put = all.run("put", "/small", "3");
                if (put.exitCode() != 0) {
                    all.run("alarm", "disarm"); // a put before the member saw its new size raised it again
                }
            } while (put.exitCode() != 0 && System.nanoTime() < deadline);
            assertThat(put.exitCode()).as(put.err()).isZero();
            assertThat(all.run("get", "/small", "--print-value-only").out()).isEqualTo("3\n");
            assertThat(all.run("alarm", "list").out()).isEmpty();
        }
    }

    private static String randomText(Random random, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append((char) ('a' + random.nextInt(26)));
        }
        return b.toString();
    }
}
