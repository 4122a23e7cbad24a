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
