package io.cairn.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.apiserver.api.ApiException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authenticator's decisions, with sessions that carry chosen peer certificates. */
class AuthenticatorTest {
    @TempDir
    Path data;

    private Pki pki;
    private Authenticator auth;

    @BeforeEach
    void setUp() throws Exception {
        pki = Pki.loadOrCreate(data, null, List.of());
        Path tokens = Files.writeString(data.resolve("tokens.csv"), "t0k3n,bob,uid-7,readers\n");
        auth = Authenticator.create(pki, tokens);
    }

    @Test
    void adminCertificateIsCairnAdmin() {
        Optional<User> u = auth.authenticate(session(pki.admin().certificate()), null);

        assertThat(u).contains(new User("cairn-admin", "", List.of("system:masters", "system:authenticated")));
        assertThat(u.get().inGroup(User.MASTERS)).isTrue();
    }

    @Test
    void aChainThatIncludesTheCaIsAcceptedToo() {
        assertThat(auth.authenticate(session(pki.admin().certificate(), pki.ca().certificate()), null))
                .map(User::name).contains("cairn-admin");
    }

    @Test
    void noCredentialsIsEmptyAndTheCallerDecides() {
        assertThat(auth.authenticate(null, null)).isEmpty();
        assertThat(auth.authenticate(session(), null)).isEmpty();
        assertThat(auth.authenticate(null, "Basic YWxpY2U6cHc=")).as("another scheme is not ours").isEmpty();
        assertThat(auth.authenticate(null, "Bearer ")).isEmpty();
        assertThatThrownBy(() -> auth.authenticateOrThrow(null, null)).isInstanceOf(ApiException.class)
                .extracting(e -> ((ApiException) e).code()).isEqualTo(401);
    }

    @Test
    void bearerTokensAreLookedUp() {
        assertThat(auth.authenticate(null, "Bearer t0k3n")).contains(
                new User("bob", "uid-7", List.of("readers", "system:authenticated")));
        assertThat(auth.authenticate(null, "  bearer t0k3n  ")).map(User::name).contains("bob");
    }

    @Test
    void anUnknownTokenIs401() {
        assertThatThrownBy(() -> auth.authenticate(null, "Bearer wrong"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(401);
                    assertThat(e.toStatus().path("reason").asText()).isEqualTo("Unauthorized");
                });
    }

    @Test
    void aValidCertificateWithAWrongTokenIsTheCertificatesUser() {
        assertThat(auth.authenticate(session(pki.admin().certificate()), "Bearer wrong")).map(User::name)
                .contains("cairn-admin");
    }

    @Test
    void aCertificateOfAnotherCaIs401UnlessATokenIsValid() throws Exception {
        Credential otherCa = Pki.issueForeignCa(data.resolve("other"), Instant.now());
        Credential mallory = Pki.issueLeaf(data.resolve("other"), "m", otherCa,
                new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "system:masters").addRDN(BCStyle.CN, "cairn-admin")
                        .build(), KeyPurposeId.id_kp_clientAuth, null, Instant.now());

        assertThatThrownBy(() -> auth.authenticate(session(mallory.certificate()), null))
                .isInstanceOf(ApiException.class);
        assertThat(auth.authenticate(session(mallory.certificate()), "Bearer t0k3n")).map(User::name).contains("bob");
    }

    @Test
    void aServingCertificateIsNotAClientCertificate() {
        assertThatThrownBy(() -> auth.authenticate(session(pki.serving().certificate()), null))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void anExpiredClientCertificateIs401() {
        Authenticator later = new Authenticator(pki.ca().certificate(), TokenFile.empty(),
                Clock.fixed(Instant.now().plus(Duration.ofDays(400)), ZoneOffset.UTC));

        assertThatThrownBy(() -> later.authenticate(session(pki.admin().certificate()), null))
                .isInstanceOf(ApiException.class);
    }

    @Test
    void groupsAreAllOrganizationValuesAndACertificateWithoutCommonNameIsNoUser() throws Exception {
        Credential multi = Pki.issueLeaf(data.resolve("pki"), "multi", pki.ca(), new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "team-a").addRDN(BCStyle.O, "team-b").addRDN(BCStyle.CN, "carol").build(),
                KeyPurposeId.id_kp_clientAuth, null, Instant.now());
        Credential noCn = Pki.issueLeaf(data.resolve("pki"), "nocn", pki.ca(),
                new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "team-a").build(),
                KeyPurposeId.id_kp_clientAuth, null, Instant.now());

        assertThat(auth.authenticate(session(multi.certificate()), null)).contains(
                new User("carol", "", List.of("team-a", "team-b", "system:authenticated")));
        assertThat(auth.authenticate(session(noCn.certificate()), null)).isEmpty();
    }

    /** An SSLSession whose peer sent {@code chain} (none: no client certificate). */
    private static SSLSession session(Certificate... chain) {
        return (SSLSession) Proxy.newProxyInstance(AuthenticatorTest.class.getClassLoader(),
                new Class<?>[] {SSLSession.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getPeerCertificates")) {
                        if (chain.length == 0) {
                            throw new SSLPeerUnverifiedException("peer not authenticated");
                        }
                        return chain.clone();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
