package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Auth on three {@code cairn kv} processes (decision 0024), judged by the real etcdctl 3.4 and by jetcd 0.8.5:
 * a root user, a role with a prefix permission, a user holding it; auth enabled; that user's puts and gets allowed
 * under the prefix and refused elsewhere with etcd's texts, on every member (a token issued through one member works
 * on the others); a watch refused; a wrong password refused; the state kept when every member restarts; auth disabled.
 */
class EtcdctlAuthTest {
    @TempDir
    Path dir;

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void usersRolesAndPermissionsAsEtcdctlAndJetcdSeeThem() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            c.startAll();
            Etcdctl all = new Etcdctl(c.endpoints(), dir);
            all.eventually("put", "/app/seed", "1");
            all.expect("User root created\n", "user", "add", "root:rootpw");
            all.expect("Role app created\n", "role", "add", "app");
            all.expect("Role app updated\n", "role", "grant-permission", "app", "--prefix=true", "readwrite", "/app/");
            all.expect("User alice created\n", "user", "add", "alice:alicepw");
            all.expect("Role app is granted to user alice\n", "user", "grant-role", "alice", "app");
            // etcdctl adds the root role and grants it to root when enable says it is missing
            all.expect("Authentication Enabled\n", "auth", "enable");

            for (int i = 1; i <= 3; i++) {
                Etcdctl one = new Etcdctl(c.endpoint(i), dir);
                one.expect("OK\n", "put", "/app/k" + i, "v" + i, "--user=alice:alicepw");
                one.expect("/app/k" + i + "\nv" + i + "\n", "get", "/app/k" + i, "--user=alice:alicepw");
                assertThat(one.run("put", "/other", "x", "--user=alice:alicepw").errorLine())
                        .isEqualTo("Error: etcdserver: permission denied");
                assertThat(one.run("get", "/app/k1").errorLine()).isEqualTo("Error: etcdserver: user name is empty");
            }
            assertThat(all.run("get", "/app/k1", "--user=alice:wrong").errorLine())
                    .isEqualTo("Error: etcdserver: authentication failed, invalid user ID or password");
            Etcdctl.Result watch = all.run("watch", "/other", "--user=alice:alicepw");
            assertThat(watch.exitCode()).isEqualTo(5);
            // what etcd 3.4 prints (robustness row: the reason was etcd's text without Go's "rpc error" wrapping)
            assertThat(watch.out() + watch.err()).contains("watch was canceled (rpc error: code = PermissionDenied"
                    + " desc = etcdserver: permission denied)");
            assertThat(all.run("user", "list", "--user=alice:alicepw").errorLine())
                    .isEqualTo("Error: etcdserver: permission denied");
            all.expect("alice\nroot\n", "user", "list", "--user=root:rootpw");

            jetcdSeesTheSameRules(c);

            // every member restarts: users, roles, permissions and the enabled flag are in the store
            for (int i = 1; i <= 3; i++) {
                c.kill(i);
            }
            c.startAll();
            all.eventually("get", "/app/k1", "--user=alice:alicepw");
            all.expect("/app/k2\nv2\n", "get", "/app/k2", "--user=alice:alicepw");
            assertThat(all.run("put", "/other", "x", "--user=alice:alicepw").errorLine())
                    .isEqualTo("Error: etcdserver: permission denied");
            assertThat(all.run("get", "/app/k1").errorLine()).isEqualTo("Error: etcdserver: user name is empty");

            all.expect("Authentication Disabled\n", "auth", "disable", "--user=root:rootpw");
            all.expect("OK\n", "put", "/other", "x");
            all.expect("/other\nx\n", "get", "/other");
        }
    }

    /** jetcd authenticates with user and password at connect and sends the token with every call. */
    private static void jetcdSeesTheSameRules(KvProcesses c) throws Exception {
        io.etcd.jetcd.ClientBuilder b = Client.builder().endpoints(java.util.Arrays.stream(c.endpoints().split(","))
                .map(e -> "http://" + e).toArray(String[]::new));
        try (Client alice = b.user(bs("alice")).password(bs("alicepw")).build()) {
            alice.getKVClient().put(bs("/app/j"), bs("1")).get(20, TimeUnit.SECONDS);
            assertThat(alice.getKVClient().get(bs("/app/"), GetOption.builder().isPrefix(true).build())
                    .get(20, TimeUnit.SECONDS).getKvs()).extracting(kv -> kv.getKey().toString(StandardCharsets.UTF_8))
                    .contains("/app/j", "/app/k1");
            assertThatThrownBy(() -> alice.getKVClient().put(bs("/other"), bs("1")).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("etcdserver: permission denied");
            assertThatThrownBy(() -> alice.getKVClient().get(bs("/")).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("etcdserver: permission denied");
            CompletableFuture<Throwable> refused = new CompletableFuture<>();
            try (Watch.Watcher w = alice.getWatchClient().watch(bs("/other"), WatchOption.DEFAULT,
                    r -> refused.completeExceptionally(new AssertionError("an event: " + r.getEvents())),
                    refused::complete)) {
                assertThat(refused.get(20, TimeUnit.SECONDS)).hasMessageContaining("etcdserver: permission denied");
            }
            // the Lock and Election services act for the caller: allowed under /app/, refused elsewhere
            long lease = alice.getLeaseClient().grant(30).get(20, TimeUnit.SECONDS).getID();
            ByteSequence held = alice.getLockClient().lock(bs("/app/lock"), lease).get(20, TimeUnit.SECONDS).getKey();
            assertThat(held.toString(StandardCharsets.UTF_8)).startsWith("/app/lock/");
            alice.getLockClient().unlock(held).get(20, TimeUnit.SECONDS);
            assertThatThrownBy(() -> alice.getLockClient().lock(bs("/nolock"), lease).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("etcdserver: permission denied");
            alice.getElectionClient().campaign(bs("/app/election"), lease, bs("alice")).get(20, TimeUnit.SECONDS);
            assertThat(alice.getElectionClient().leader(bs("/app/election")).get(20, TimeUnit.SECONDS).getKv()
                    .getValue()).isEqualTo(bs("alice"));
            assertThatThrownBy(() -> alice.getElectionClient().leader(bs("/noelection")).get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("etcdserver: permission denied");
        }
        try (Client root = b.user(bs("root")).password(bs("rootpw")).build()) {
            root.getKVClient().put(bs("/other"), bs("root was here")).get(20, TimeUnit.SECONDS);
        }
        try (Client wrong = b.user(bs("alice")).password(bs("nope")).build()) {
            // jetcd turns a failed Authenticate into UNAUTHENTICATED for the call that needed the token
            assertThatThrownBy(() -> wrong.getKVClient().get(bs("/app/j")).get(20, TimeUnit.SECONDS))
                    .hasMessageContaining("UNAUTHENTICATED");
        }
    }
}
