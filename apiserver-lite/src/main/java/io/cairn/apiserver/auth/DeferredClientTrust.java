package io.cairn.apiserver.auth;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The server's trust manager for client certificates: it names the cluster CA as the acceptable issuer (so clients
 * pick the right certificate) and accepts any client chain in the handshake, leaving the decision to
 * {@link Authenticator}, which verifies the chain against the CA for every request. See
 * {@link Pki#serverContext()} for why. JSSE still checks that the client holds the certificate's private key
 * (CertificateVerify), so a session's peer certificate is at least the client's own. Server-side only: it trusts no
 * server. Stateless; thread-safe.
 */
final class DeferredClientTrust extends X509ExtendedTrustManager {
    private final X509Certificate ca;

    DeferredClientTrust(X509Certificate ca) {
        this.ca = ca;
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {ca};
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("empty client certificate chain");
        }
        // Verified by Authenticator per request (kube-apiserver's model).
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager is for a server's clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }
}
