package io.cairn.apiserver.auth;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM encoding of certificates ({@code CERTIFICATE}) and private keys (PKCS#8, {@code PRIVATE KEY}).
 *
 * <p>Key files are PKCS#8, which Netty's and the JDK's PEM readers, Go's {@code tls.X509KeyPair} and openssl accept.
 * Kubeconfigs carry an EC key as SEC 1 ({@link #privateKeyForClients}) instead, since fabric8's client reads an
 * unlabelled PKCS#8 key as RSA. Reading accepts both, and {@code RSA PRIVATE KEY}.
 */
final class Pem {
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));

    private Pem() {}

    static byte[] encode(String type, byte[] der) {
        String body = MIME.encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] certificate(X509Certificate cert) {
        try {
            return encode("CERTIFICATE", cert.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode certificate " + cert.getSubjectX500Principal(), e);
        }
    }

    /** The key in PKCS#8 ({@code getEncoded()} of a JDK EC or RSA private key is PKCS#8). */
    static byte[] privateKey(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key is not PKCS#8 but " + key.getFormat());
        }
        return encode("PRIVATE KEY", key.getEncoded());
    }

    /**
     * The key as kubeconfigs usually carry it: an EC key as SEC 1 ({@code EC PRIVATE KEY}, as k3s and kubeadm write
     * them), which every client reads, where some (fabric8's, which takes a {@code PRIVATE KEY} for RSA unless told
     * otherwise) cannot read an EC key in PKCS#8; other keys in PKCS#8.
     */
    static byte[] privateKeyForClients(PrivateKey key, java.security.PublicKey publicKey) {
        if (!(key instanceof java.security.interfaces.ECPrivateKey ec)) {
            return privateKey(key);
        }
        try {
            // as OpenSSL writes it: with the curve's name and the public key, which some readers (fabric8's) require
            org.bouncycastle.asn1.ASN1Encodable curve = org.bouncycastle.asn1.pkcs.PrivateKeyInfo
                    .getInstance(key.getEncoded()).getPrivateKeyAlgorithm().getParameters();
            org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(
                    ec.getParams().getOrder().bitLength(), ec.getS(),
                    org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(publicKey.getEncoded()).getPublicKeyData(),
                    curve);
            return encode("EC PRIVATE KEY", sec1.getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the EC key as SEC 1", e);
        }
    }

    static X509Certificate parseCertificate(byte[] pem, String what) throws IOException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(pem));
        } catch (CertificateException e) {
            throw new IOException(what + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    static PrivateKey parsePrivateKey(byte[] pem, String what) throws IOException {
        try (Reader r = new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(r)) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (o instanceof PEMKeyPair pair) {
                // the private key alone: a SEC 1 key need not carry its public key (the field is optional)
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            throw new IOException(what + " holds no unencrypted private key (found "
                    + (o == null ? "nothing" : o.getClass().getSimpleName()) + ")");
        }
    }
}
