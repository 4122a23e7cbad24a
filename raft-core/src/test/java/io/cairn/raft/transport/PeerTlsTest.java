package io.cairn.raft.transport;

import static io.cairn.raft.transport.Members.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.raft.core.MessageType;
import io.cairn.raft.transport.Members.Member;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS between members, with the test certificates in {@code src/test/resources/tls}. */
class PeerTlsTest {
    @TempDir
    Path dir;

    private Members members;

    @BeforeEach
    void setUp() {
        members = new Members(dir);
    }

    @AfterEach
    void tearDown() {
        members.close();
    }

    private static Path file(String name) {
        try {
            return Path.of(PeerTlsTest.class.getResource("/tls/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static UnaryOperator<NettyTransportConfig.Builder> tls(String cert, String ca) {
        return b -> b.tls(new PeerTls(file(cert + ".pem"), file(cert + ".key"), file(ca + ".pem")));
    }

    @Test
    void membersWithCertificatesFromTheClusterAuthorityExchangeMessages() throws Exception {
        Member a = members.start(1, 0, tls("member1", "ca"));
        Member b = members.start(2, 0, tls("member2", "ca"));
        Members.mesh(a, b);
        a.transport().send(5, Samples.full(MessageType.APPEND, 1, 2));
        b.transport().send(5, Samples.full(MessageType.APPEND_RESPONSE, 2, 1));
        eventually().until(() -> b.inbound().messages.size() == 1 && a.inbound().messages.size() == 1);
        assertThat(b.inbound().messages.get(0).message()).isEqualTo(Samples.full(MessageType.APPEND, 1, 2));
        assertThat(a.transport().stats().badPeers()).isZero();
    }

    @Test
    void aMemberWhoseCertificateAnotherAuthoritySignedIsRefusedAndLogged() throws Exception {
        Member a = members.start(1, 0, tls("member1", "ca"));
        // The rogue trusts our authority, so only its own certificate can be what keeps it out.
        Member rogue = members.start(3, 0, tls("rogue", "ca"));
        rogue.transport().setPeer(1, a.address());
        for (int i = 0; i < 5; i++) {
            rogue.transport().send(5, Samples.full(MessageType.APPEND, 3, 1));
        }
        eventually().until(() -> a.transport().stats().badPeers() >= 1);
        Thread.sleep(300);
        assertThat(a.inbound().messages).as("nothing from the rogue is delivered").isEmpty();
    }

    @Test
    void aPlainTcpMemberCannotTalkToATlsMember() throws Exception {
        Member a = members.start(1, 0, tls("member1", "ca"));
        Member plain = members.start(2);
        plain.transport().setPeer(1, a.address());
        plain.transport().send(5, Samples.full(MessageType.APPEND, 2, 1));
        eventually().until(() -> a.transport().stats().badPeers() >= 1);
        assertThat(a.inbound().messages).isEmpty();
    }

    @Test
    void unreadableFilesAreRefusedAtConfiguration() {
        PeerTls missing = new PeerTls(dir.resolve("none.pem"), file("member1.key"), file("ca.pem"));
        assertThatThrownBy(() -> new NettyTransport(Members.defaults(1, 0).tls(missing).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none.pem");
    }
}
