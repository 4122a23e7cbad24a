package io.cairn.apiserver.auth;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * One certificate with its private key, as {@link Pki} keeps it: the files, the parsed objects and the exact PEM
 * bytes on disk. The {@code *Base64} forms are what a kubeconfig's {@code *-data} fields hold (base64 of the PEM).
 * Immutable; the byte accessors return copies.
 */
public final class Credential {
    private final Path certPath;
    private final Path keyPath;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final byte[] certPem;
    private final byte[] keyPem;

    Credential(Path certPath, Path keyPath, X509Certificate certificate, PrivateKey privateKey, byte[] certPem,
            byte[] keyPem) {
        this.certPath = certPath;
        this.keyPath = keyPath;
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.certPem = certPem.clone();
        this.keyPem = keyPem.clone();
    }

    /**
     * An unencrypted private key from a PEM file in any form the tools that make etcd's and Kubernetes' certificates
     * write: PKCS#8 ({@code PRIVATE KEY}), SEC 1 ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}).
     */
    public static PrivateKey readPrivateKey(Path file) throws java.io.IOException {
        return Pem.parsePrivateKey(java.nio.file.Files.readAllBytes(file), file.toString());
    }

    public Path certPath() {
        return certPath;
    }

    public Path keyPath() {
        return keyPath;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public byte[] certPem() {
        return certPem.clone();
    }

    public byte[] keyPem() {
        return keyPem.clone();
    }

    /** base64 of the certificate's PEM: a kubeconfig's {@code certificate-authority-data} or {@code client-certificate-data}. */
    public String certBase64() {
        return Base64.getEncoder().encodeToString(certPem);
    }

    /**
     * base64 of the key's PEM as clients read it best (an EC key as {@code EC PRIVATE KEY}, see
     * {@link Pem#privateKeyForClients}): a kubeconfig's {@code client-key-data}.
     */
    public String keyBase64() {
        return Base64.getEncoder().encodeToString(Pem.privateKeyForClients(privateKey, certificate.getPublicKey()));
    }

    @Override
    public String toString() {
        return certificate.getSubjectX500Principal() + " (" + certPath + ", until " + certificate.getNotAfter().toInstant()
                + ")";
    }
}
