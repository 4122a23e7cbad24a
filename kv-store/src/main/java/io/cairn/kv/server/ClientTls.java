package io.cairn.kv.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS for the client port, from etcd's {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file} and
 * {@code --client-cert-auth}: the server's certificate chain and its key (PEM; the key in PKCS#8, {@code PRIVATE
 * KEY}), and, when client certificates are required, the authority that must have signed them; a client without one
 * is refused in the TLS handshake. Immutable.
 *
 * @param trustedCa null unless client certificates are checked
 */
public record ClientTls(Path cert, Path key, Path trustedCa, boolean clientCertAuth) {
    public ClientTls {
        if (clientCertAuth && trustedCa == null) {
            throw new IllegalArgumentException("--client-cert-auth needs --trusted-ca-file (the CA client certificates"
                    + " must be signed by)");
        }
        for (Path p : new Path[] {cert, key, trustedCa}) {
            if (p != null && !Files.isReadable(p)) {
                throw new IllegalArgumentException("cannot read " + p);
            }
        }
    }

    /** gRPC's server context: TLS 1.2 and 1.3 with HTTP/2 (ALPN), requiring a client certificate when asked to. */
    SslContext serverContext() throws IOException {
        SslContextBuilder b;
        try {
            b = GrpcSslContexts.forServer(cert.toFile(), key.toFile());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the TLS certificate " + cert + " and key " + key
                    + " (the key must be PKCS#8, \"BEGIN PRIVATE KEY\"; convert one with openssl pkcs8 -topk8"
                    + " -nocrypt): " + e.getMessage(), e);
        }
        if (trustedCa != null) {
            b.trustManager(trustedCa.toFile());
        }
        b.clientAuth(clientCertAuth ? ClientAuth.REQUIRE : ClientAuth.NONE);
        return b.build();
    }
}
