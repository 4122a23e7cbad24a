package io.cairn.bench.raft;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away certificate authority and one member certificate (for 127.0.0.1) made with {@code openssl}, so
 * that {@code cairn bench raft --tls} can measure mutual TLS between members. Returns the member flags.
 */
final class TestCertificates {
    private TestCertificates() {}

    static List<String> create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path ext = dir.resolve("ext.cnf");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=cairn bench CA");
        run(dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "member.key.raw", "-out", "member.csr", "-subj", "/CN=cairn bench member");
        run(dir, "openssl", "x509", "-req", "-in", "member.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "member.pem", "-days", "2", "-extfile", "ext.cnf");
        run(dir, "openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "member.key.raw", "-out", "member.key");
        return new ArrayList<>(List.of("--peer-cert-file", dir.resolve("member.pem").toString(),
                "--peer-key-file", dir.resolve("member.key").toString(),
                "--peer-trusted-ca-file", dir.resolve("ca.pem").toString()));
    }

    private static void run(Path dir, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        } catch (IOException e) {
            throw new IOException("--tls needs openssl to make test certificates: " + e.getMessage(), e);
        }
        if (p.waitFor() != 0) {
            throw new IOException("openssl failed (" + String.join(" ", command) + "); see " + dir.resolve("openssl.log"));
        }
    }
}
