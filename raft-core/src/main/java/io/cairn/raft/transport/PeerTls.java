package io.cairn.raft.transport;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * Mutual TLS for the peer transport, from PEM files: this member's certificate chain and its private key
 * (PKCS#8), and the certificates of the authority that signs every member's. Each side of every connection
 * presents its certificate and checks the other's against that authority; a dialling member also checks that
 * the certificate names the address it dialled (subject alternative name), as etcd's peer TLS does.
 */
public record PeerTls(Path certificateChain, Path privateKey, Path trustedCertificates) {
    public PeerTls {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(trustedCertificates, "trustedCertificates");
    }

    /** The two contexts: accepting (client certificate required) and dialling. */
    record Contexts(SslContext server, SslContext client) {}

    Contexts contexts() {
        for (Path p : new Path[] {certificateChain, privateKey, trustedCertificates}) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("TLS file " + p + " is not readable");
            }
        }
        try {
            SslContext server = SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                    .trustManager(trustedCertificates.toFile()).clientAuth(ClientAuth.REQUIRE)
                    .protocols("TLSv1.3", "TLSv1.2").build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(certificateChain.toFile(), privateKey.toFile())
                    .trustManager(trustedCertificates.toFile()).protocols("TLSv1.3", "TLSv1.2").build();
            return new Contexts(server, client);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up peer TLS from " + certificateChain + ", " + privateKey
                    + " and " + trustedCertificates + ": " + e.getMessage(), e);
        }
    }
}
