package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made by the real openssl, as etcd's guides make them: {@code ca.crt}, a serving certificate for
 * 127.0.0.1 that also authenticates clients ({@code server.crt}, {@code server.key}: what members show each other on
 * their peer ports too) and a client certificate ({@code client.crt}, {@code client.key}); EC P-256 keys in PKCS#8.
 */
final class TestCertificates {
    private TestCertificates() {}

    static boolean opensslInstalled() {
        return Files.isExecutable(Path.of("/usr/bin/openssl"));
    }

    /** Writes the files into {@code dir}. */
    static void make(Path dir) throws Exception {
        String ec = "ec_paramgen_curve:P-256";
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", "ca.key", "-out",
                "ca.crt", "-days", "2", "-subj", "/CN=test-ca");
        Files.writeString(dir.resolve("server.ext"),
                "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        for (String who : List.of("server", "client")) {
            openssl(dir, "req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", who + ".key", "-out",
                    who + ".csr", "-subj", "/CN=" + who);
            openssl(dir, "x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", who + ".crt", "-days", "2", "-extfile", who + ".ext");
        }
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("openssl.log"))).isZero();
    }
}
