package io.cairn.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiTest {
    @TempDir
    Path data;

    private static final List<String> NONE = List.of();

    @Test
    void firstStartCreatesCaServingAndAdminCertificates() throws Exception {
        Pki pki = Pki.loadOrCreate(data, "10.1.2.3", List.of("cairn.example.com", "192.168.0.9"));

        Path dir = data.resolve("pki");
        for (String f : List.of("ca", "apiserver", "admin")) {
            assertThat(dir.resolve(f + ".crt")).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(f + ".key"))))
                    .isEqualTo("rw-------");
            assertThat(Files.readString(dir.resolve(f + ".key"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
            assertThat(Files.readString(dir.resolve(f + ".crt"))).startsWith("-----BEGIN CERTIFICATE-----\n");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary files left behind")
                    .containsExactlyInAnyOrder("ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "admin.crt",
                            "admin.key");
        }

        X509Certificate ca = pki.ca().certificate();
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(validity(ca)).isBetween(Duration.ofDays(3649), Duration.ofDays(3651));

        X509Certificate serving = pki.serving().certificate();
        serving.verify(ca.getPublicKey());
        assertThat(serving.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(validity(serving)).isBetween(Duration.ofDays(364), Duration.ofDays(366));
        assertThat(pki.servingCertificateNames()).containsExactlyInAnyOrder("dns:localhost", "ip:127.0.0.1", "ip:::1",
                "ip:10.1.2.3", "dns:kubernetes", "dns:kubernetes.default", "dns:kubernetes.default.svc",
                "dns:kubernetes.default.svc.cluster.local", "dns:cairn.example.com", "ip:192.168.0.9");

        X509Certificate admin = pki.admin().certificate();
        admin.verify(ca.getPublicKey());
        assertThat(admin.getSubjectX500Principal().getName()).isEqualTo("CN=cairn-admin,O=system:masters");
        assertThat(admin.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(validity(admin)).isBetween(Duration.ofDays(364), Duration.ofDays(366));
    }

    @Test
    void wildcardBindAddressIsNotASubjectName() throws Exception {
        Pki pki = Pki.loadOrCreate(data, "0.0.0.0", NONE);
        assertThat(pki.servingCertificateNames()).doesNotContain("ip:0.0.0.0").contains("ip:127.0.0.1");
    }

    @Test
    void laterStartsReuseTheFiles() throws Exception {
        Pki first = Pki.loadOrCreate(data, "127.0.0.1", List.of("a.example"));
        Pki second = Pki.loadOrCreate(data, "127.0.0.1", List.of("A.EXAMPLE"));

        assertThat(second.ca().certPem()).isEqualTo(first.ca().certPem());
        assertThat(second.serving().certPem()).isEqualTo(first.serving().certPem());
        assertThat(second.admin().certPem()).isEqualTo(first.admin().certPem());
        assertThat(second.admin().keyPem()).isEqualTo(first.admin().keyPem());
    }

    @Test
    void servingCertificateIsReissuedOnlyWhenANameIsNotCovered() throws Exception {
        Pki first = Pki.loadOrCreate(data, "127.0.0.1", NONE);
        Pki second = Pki.loadOrCreate(data, "127.0.0.1", List.of("new.example", "::2"));

        assertThat(second.serving().certPem()).isNotEqualTo(first.serving().certPem());
        assertThat(second.servingCertificateNames()).contains("dns:new.example", "ip:::2", "dns:localhost");
        assertThat(second.ca().certPem()).isEqualTo(first.ca().certPem());
        assertThat(second.admin().certPem()).isEqualTo(first.admin().certPem());
        second.serving().certificate().verify(first.ca().certificate().getPublicKey());
    }

    @Test
    void leavesCloseToExpiryAreRenewedButTheCaIsKept() throws Exception {
        Instant start = Instant.parse("2030-01-01T00:00:00Z");
        Pki first = Pki.loadOrCreate(data, null, NONE, Clock.fixed(start, ZoneOffset.UTC));
        Pki early = Pki.loadOrCreate(data, null, NONE, Clock.fixed(start.plus(Duration.ofDays(300)), ZoneOffset.UTC));
        Pki late = Pki.loadOrCreate(data, null, NONE, Clock.fixed(start.plus(Duration.ofDays(340)), ZoneOffset.UTC));

        assertThat(early.admin().certPem()).isEqualTo(first.admin().certPem());
        assertThat(late.admin().certPem()).isNotEqualTo(first.admin().certPem());
        assertThat(late.serving().certPem()).isNotEqualTo(first.serving().certPem());
        assertThat(late.ca().certPem()).isEqualTo(first.ca().certPem());
        assertThat(late.admin().certificate().getNotAfter().toInstant())
                .isAfter(start.plus(Duration.ofDays(700)));
    }

    /** A crash after writing a new key but before its certificate leaves a mismatched pair; the next start repairs it. */
    @Test
    void aKeyThatDoesNotMatchItsCertificateIsReissued() throws Exception {
        Pki first = Pki.loadOrCreate(data, null, NONE);
        Path dir = data.resolve("pki");
        Files.copy(dir.resolve("admin.key"), dir.resolve("apiserver.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Pki second = Pki.loadOrCreate(data, null, NONE);

        assertThat(second.serving().certPem()).isNotEqualTo(first.serving().certPem());
        assertThat(Pki.matches(second.serving().privateKey(), second.serving().certificate().getPublicKey())).isTrue();
        assertThat(second.admin().certPem()).isEqualTo(first.admin().certPem());
    }

    /** A crash during the very first start, after ca.key but before ca.crt: the CA is simply created again. */
    @Test
    void aCaKeyWithoutItsCertificateIsAnUnfinishedFirstStart() throws Exception {
        Path dir = Files.createDirectories(data.resolve("pki"));
        Files.writeString(dir.resolve("ca.key"), "half a key");

        Pki pki = Pki.loadOrCreate(data, null, NONE);

        assertThat(Pki.matches(pki.ca().privateKey(), pki.ca().certificate().getPublicKey())).isTrue();
    }

    /** A crash in the middle of a write leaves only a temporary file (never a torn key); the next start removes it. */
    @Test
    void temporariesOfAnInterruptedWriteAreDeleted() throws Exception {
        Pki first = Pki.loadOrCreate(data, null, NONE);
        Path leftover = Files.writeString(data.resolve("pki/.apiserver.key8234.tmp"), "-----BEGIN PRIVATE KEY-----\nMI");

        Pki second = Pki.loadOrCreate(data, null, NONE);

        assertThat(leftover).doesNotExist();
        assertThat(second.serving().keyPem()).isEqualTo(first.serving().keyPem());
    }

    @Test
    void aCaCertificateWithoutItsKeyIsAClearStartupError() throws Exception {
        Pki.loadOrCreate(data, null, NONE);
        Files.delete(data.resolve("pki/ca.key"));

        assertThatThrownBy(() -> Pki.loadOrCreate(data, null, NONE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("ca.key is missing")
                .hasMessageContaining("delete " + data.resolve("pki"));
    }

    @Test
    void leavesSignedByAnotherCaAreReissued() throws Exception {
        Pki first = Pki.loadOrCreate(data, null, NONE);
        Path other = data.resolve("other");
        Pki foreign = Pki.loadOrCreate(other, null, NONE);
        Files.copy(other.resolve("pki/admin.crt"), data.resolve("pki/admin.crt"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(other.resolve("pki/admin.key"), data.resolve("pki/admin.key"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Pki second = Pki.loadOrCreate(data, null, NONE);

        assertThat(second.admin().certPem()).isNotEqualTo(foreign.admin().certPem());
        second.admin().certificate().verify(first.ca().certificate().getPublicKey());
    }

    @Test
    void base64FormsAreThePemFiles() throws Exception {
        Pki pki = Pki.loadOrCreate(data, null, NONE);
        byte[] decoded = java.util.Base64.getDecoder().decode(pki.admin().keyBase64());
        assertThat(new String(decoded, StandardCharsets.US_ASCII)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(((java.security.interfaces.ECPrivateKey) Pem.parsePrivateKey(decoded, "client-key-data")).getS())
                .as("the same key as the file").isEqualTo(((java.security.interfaces.ECPrivateKey) Pem.parsePrivateKey(
                        Files.readAllBytes(pki.admin().keyPath()), "admin.key")).getS());
        assertThat(pki.ca().certBase64()).isEqualTo(
                java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(data.resolve("pki/ca.crt"))));
    }

    private static Duration validity(X509Certificate c) {
        return Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant());
    }
}
