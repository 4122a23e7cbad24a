package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn kv} reads etcd's flags as etcd does: Go's syntax, etcd's defaults and derived defaults, unknown flags
 * refused, and a member identity that every member of a new cluster computes alike and a restart reads back.
 */
class EtcdFlagsTest {
    @TempDir
    Path dir;

    @Test
    void goFlagSyntaxInEveryForm() {
        EtcdFlags f = EtcdFlags.parse(new String[] {"--name=infra1", "-data-dir", "/d", "--snapshot-count", "7",
                "-initial-cluster-state=existing"});
        assertThat(f.get("name")).isEqualTo("infra1");
        assertThat(f.get("data-dir")).isEqualTo("/d");
        assertThat(f.getLong("snapshot-count")).isEqualTo(7);
        assertThat(f.get("initial-cluster-state")).isEqualTo("existing");
    }

    @Test
    void defaultsAreEtcdsWithCairnsDataDirectory() {
        EtcdFlags f = EtcdFlags.parse(new String[0]);
        assertThat(f.get("data-dir")).isEqualTo("default.cairn");
        assertThat(f.get("listen-client-urls")).isEqualTo("http://127.0.0.1:2379");
        assertThat(f.get("initial-cluster")).isEqualTo("default=http://127.0.0.1:2380");
        EtcdFlags named = EtcdFlags.parse(new String[] {"--name", "n1", "--listen-peer-urls", "http://127.0.0.1:9"});
        assertThat(named.get("data-dir")).isEqualTo("n1.cairn");
        assertThat(named.get("initial-advertise-peer-urls")).isEqualTo("http://127.0.0.1:9");
        assertThat(named.get("initial-cluster")).isEqualTo("n1=http://127.0.0.1:9");
    }

    /** Every server flag etcd 3.4.23's {@code etcd --help} lists. */
    private static final String[] ETCD_34_FLAGS = ("advertise-client-urls auth-token auth-token-ttl "
            + "auto-compaction-mode auto-compaction-retention auto-tls backend-batch-interval backend-batch-limit "
            + "bcrypt-cost cert-file cipher-suites client-cert-allowed-hostname client-cert-auth client-crl-file cors "
            + "data-dir debug discovery discovery-fallback discovery-proxy discovery-srv discovery-srv-name "
            + "election-timeout enable-pprof enable-v2 experimental-backend-bbolt-freelist-type "
            + "experimental-compaction-batch-limit experimental-corrupt-check-time experimental-enable-lease-checkpoint "
            + "experimental-enable-v2v3 experimental-initial-corrupt-check "
            + "experimental-peer-skip-client-san-verification experimental-warning-apply-duration "
            + "experimental-watch-progress-notify-interval force-new-cluster grpc-keepalive-interval "
            + "grpc-keepalive-min-time grpc-keepalive-timeout heartbeat-interval host-whitelist "
            + "initial-advertise-peer-urls initial-cluster initial-cluster-state initial-cluster-token "
            + "initial-election-tick-advance key-file listen-client-urls listen-metrics-urls listen-peer-urls log-level "
            + "log-outputs log-package-levels logger max-concurrent-streams max-request-bytes max-snapshots max-txn-ops "
            + "max-wals metrics name peer-auto-tls peer-cert-allowed-cn peer-cert-allowed-hostname peer-cert-file "
            + "peer-client-cert-auth peer-crl-file peer-key-file peer-trusted-ca-file pre-vote proxy "
            + "proxy-dial-timeout proxy-failure-wait proxy-read-timeout proxy-refresh-interval proxy-write-timeout "
            + "quota-backend-bytes snapshot-count strict-reconfig-check trusted-ca-file wal-dir").split(" ");

    /** A script written for etcd 3.4 starts Cairn: every flag is taken, and those that mean nothing here are named. */
    @Test
    void everyEtcd34FlagIsTakenAndTheIgnoredOnesAreNamed() {
        for (String flag : ETCD_34_FLAGS) {
            assertThat(EtcdFlags.parse(new String[] {"--" + flag + "=1"}).isSet(flag)).as(flag).isTrue();
        }
        EtcdFlags f = EtcdFlags.parse(new String[] {"--enable-v2", "--proxy=off", "--max-txn-ops", "64",
                "--client-cert-auth", "--name", "x", "--debug=false"});
        assertThat(f.ignoredGiven()).containsOnlyKeys("enable-v2", "proxy");
        assertThat(f.getBoolean("enable-v2")).as("a Go boolean flag alone is true").isTrue();
        assertThat(f.getBoolean("client-cert-auth")).isTrue();
        assertThat(f.getBoolean("debug")).isFalse();
        assertThat(f.get("name")).as("the boolean took no value from the next argument").isEqualTo("x");
        assertThat(f.getLong("max-txn-ops")).isEqualTo(64);
        assertThatThrownBy(() -> EtcdFlags.parse(new String[] {"--pre-vote=maybe"}).getBoolean("pre-vote"))
                .hasMessage("invalid boolean value \"maybe\" for flag --pre-vote");
        assertThat(EtcdFlags.durationMillisOrZero("0")).isZero();
        assertThatThrownBy(() -> EtcdFlags.parse(new String[] {"--config-file", "/etc/etcd.yml"}))
                .hasMessage("--config-file is not supported; pass etcd's flags on the command line");
        assertThat(EtcdFlags.durationMillisOrZero("2h")).isEqualTo(7_200_000);
    }

    @Test
    void badFlagsAreRefusedByName() {
        assertThatThrownBy(() -> EtcdFlags.parse(new String[] {"--no-such-flag=1"}))
                .hasMessage("unknown flag: --no-such-flag");
        assertThatThrownBy(() -> EtcdFlags.parse(new String[] {"--name"})).hasMessage("flag needs an argument: --name");
        assertThatThrownBy(() -> EtcdFlags.parse(new String[] {"--listen-client-urls", "localhost:2379"})
                .urls("listen-client-urls")).hasMessageContaining("must be http(s)://host:port");
        EtcdFlags mismatch = EtcdFlags.parse(new String[] {"--name", "a", "--initial-advertise-peer-urls",
                "http://127.0.0.1:1", "--initial-cluster", "a=http://127.0.0.1:2"});
        assertThatThrownBy(() -> MemberIdentity.fromFlags(mismatch))
                .hasMessageContaining("--initial-cluster has a=http://127.0.0.1:2 but missing from"
                        + " --initial-advertise-peer-urls=http://127.0.0.1:1");
    }

    @Test
    void everyMemberOfANewClusterDerivesTheSameIdsAndARestartReadsThemBack() throws Exception {
        String cluster = "a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3";
        MemberIdentity a = MemberIdentity.fromFlags(EtcdFlags.parse(new String[] {"--name", "a",
                "--initial-advertise-peer-urls", "http://127.0.0.1:1", "--initial-cluster", cluster}));
        MemberIdentity b = MemberIdentity.fromFlags(EtcdFlags.parse(new String[] {"--name", "b",
                "--initial-advertise-peer-urls", "http://127.0.0.1:2", "--initial-cluster", cluster}));
        assertThat(a.clusterId()).isEqualTo(b.clusterId());
        assertThat(a.members()).isEqualTo(b.members()).hasSize(3);
        assertThat(a.memberId()).isNotEqualTo(b.memberId()).isNotZero();
        MemberIdentity otherToken = MemberIdentity.fromFlags(EtcdFlags.parse(new String[] {"--name", "a",
                "--initial-advertise-peer-urls", "http://127.0.0.1:1", "--initial-cluster", cluster,
                "--initial-cluster-token", "another"}));
        assertThat(otherToken.clusterId()).isNotEqualTo(a.clusterId());
        a.store(dir);
        assertThat(MemberIdentity.load(dir)).isEqualTo(a);
    }
}
