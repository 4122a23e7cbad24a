package io.cairn.apiserver.auth;

import io.cairn.apiserver.api.ApiException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who made a request: from the TLS client certificate, or from a static bearer token.
 *
 * <p>It follows kube-apiserver's union authenticator, with the client-certificate authenticator first and the token
 * file second: the first one that accepts wins; when none accepts, any one that failed (a certificate that does not
 * verify, a bearer token that is not known) makes the request 401 Unauthorized; when none was even offered
 * credentials, the answer is empty and the caller decides (kube-apiserver's {@code --anonymous-auth}: either
 * {@link User#ANONYMOUS} or 401). So a valid client certificate with a wrong token is the certificate's user, as in
 * kube-apiserver.
 *
 * <ul>
 *   <li>Client certificate: the peer's chain must verify against the cluster CA (signature, validity dates, and an
 *       extended key usage that allows client authentication); then user = the subject's CN, groups = its O values.
 *       A certificate without a CN is not a user (and not an error), as in kube-apiserver. The chain is verified here
 *       for every request: {@link Pki#serverContext()} accepts any client certificate in the handshake and leaves
 *       trust to this class, as kube-apiserver does.</li>
 *   <li>Bearer token: {@code Authorization: Bearer <token>} (scheme case-insensitive, surrounding blanks ignored);
 *       another scheme ({@code Basic}) is not ours and counts as no credentials, as in kube-apiserver.</li>
 * </ul>
 *
 * <p>Every accepted user has {@link User#AUTHENTICATED} among its groups. Failures are logged at debug level with the
 * reason (never the token). Immutable; thread-safe.
 */
public final class Authenticator {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

    /** Extended key usage OIDs that allow a certificate to authenticate a TLS client. */
    private static final Set<String> CLIENT_AUTH_USAGES = Set.of("1.3.6.1.5.5.7.3.2", "2.5.29.37.0");

    private final X509Certificate ca;
    private final TokenFile tokens;
    private final Clock clock;
    private final ServiceAccountTokens serviceAccounts;
    private final java.util.function.Predicate<ServiceAccountTokens.Claims> bound;

    /**
     * @param ca the only CA whose client certificates name users
     * @param tokens the static tokens ({@link TokenFile#empty()} for none)
     */
    public Authenticator(X509Certificate ca, TokenFile tokens) {
        this(ca, tokens, Clock.systemUTC());
    }

    Authenticator(X509Certificate ca, TokenFile tokens, Clock clock) {
        this(ca, tokens, clock, null, c -> false);
    }

    private Authenticator(X509Certificate ca, TokenFile tokens, Clock clock, ServiceAccountTokens serviceAccounts,
                          java.util.function.Predicate<ServiceAccountTokens.Claims> bound) {
        this.ca = ca;
        this.tokens = tokens;
        this.clock = clock;
        this.serviceAccounts = serviceAccounts;
        this.bound = bound;
    }

    /**
     * This authenticator, also taking service account tokens of {@code issuer} whose account {@code bound} says still
     * exists with the token's uid: user {@code system:serviceaccount:<ns>:<name>}, groups {@code system:serviceaccounts}
     * and {@code system:serviceaccounts:<ns>}.
     */
    public Authenticator withServiceAccounts(ServiceAccountTokens issuer,
                                             java.util.function.Predicate<ServiceAccountTokens.Claims> bound) {
        return new Authenticator(ca, tokens, clock, issuer, bound);
    }

    /**
     * The cluster's authenticator: client certificates of {@code pki}'s CA, and the tokens of {@code tokenFile}
     * (null: none).
     *
     * @throws IOException when the token file cannot be read or is malformed (the message names the line)
     */
    public static Authenticator create(Pki pki, Path tokenFile) throws IOException {
        return new Authenticator(pki.ca().certificate(), tokenFile == null ? TokenFile.empty() : TokenFile.load(tokenFile));
    }

    /**
     * Who sent the request.
     *
     * @param sessionOrNull the TLS session (null on a plain-text or in-process connection)
     * @param authorizationHeaderOrNull the {@code Authorization} header's value, if any
     * @return the user, or empty when no credentials were offered at all
     * @throws ApiException 401 Unauthorized when credentials were offered and none was accepted
     */
    public Optional<User> authenticate(SSLSession sessionOrNull, String authorizationHeaderOrNull) {
        List<String> failures = new ArrayList<>(2);
        X509Certificate[] chain = peerChain(sessionOrNull);
        if (chain.length > 0) {
            try {
                Optional<User> user = fromCertificate(chain);
                if (user.isPresent()) {
                    return user;
                }
            } catch (GeneralSecurityException e) {
                failures.add("client certificate " + chain[0].getSubjectX500Principal() + ": " + e.getMessage());
            }
        }
        String token = bearerToken(authorizationHeaderOrNull);
        if (token != null) {
            Optional<User> user = tokens.lookup(token);
            if (user.isPresent()) {
                return user;
            }
            if (serviceAccounts != null) {
                Optional<ServiceAccountTokens.Claims> claims = serviceAccounts.verify(token, clock.instant());
                if (claims.isPresent() && bound.test(claims.get())) {
                    ServiceAccountTokens.Claims c = claims.get();
                    return Optional.of(User.authenticated(c.userName(), c.uid(),
                            List.of("system:serviceaccounts", "system:serviceaccounts:" + c.namespace())));
                }
            }
            failures.add("invalid bearer token");
        }
        if (!failures.isEmpty()) {
            log.debug("unauthorized: {}", failures);
            throw ApiException.unauthorized();
        }
        return Optional.empty();
    }

    /** As {@link #authenticate}, with no credentials also a 401 (kube-apiserver with {@code --anonymous-auth=false}). */
    public User authenticateOrThrow(SSLSession sessionOrNull, String authorizationHeaderOrNull) {
        return authenticate(sessionOrNull, authorizationHeaderOrNull).orElseThrow(ApiException::unauthorized);
    }

    /**
     * The user a verified chain names: CN and O values; empty when the certificate has no CN.
     *
     * @throws GeneralSecurityException when the chain does not lead to the CA, is outside its validity, or the leaf is
     *     not meant for client authentication
     */
    Optional<User> fromCertificate(X509Certificate[] chain) throws GeneralSecurityException {
        verify(chain);
        X500Name subject = X500Name.getInstance(chain[0].getSubjectX500Principal().getEncoded());
        List<String> cns = values(subject, BCStyle.CN);
        if (cns.isEmpty() || cns.get(0).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(User.authenticated(cns.get(0), "", values(subject, BCStyle.O)));
    }

    private void verify(X509Certificate[] chain) throws GeneralSecurityException {
        // The path to validate excludes the CA itself when the peer sent it along.
        List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
        if (path.size() > 1 && path.get(path.size() - 1).equals(ca)) {
            path.remove(path.size() - 1);
        }
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(clock.instant()));
        try {
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            throw new GeneralSecurityException("verifying certificate failed: " + e.getMessage(), e);
        }
        List<String> usages;
        try {
            usages = chain[0].getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new GeneralSecurityException("unreadable extended key usage", e);
        }
        // No extension means any usage (RFC 5280 §4.2.1.12; Go treats it the same way).
        if (usages != null && usages.stream().noneMatch(CLIENT_AUTH_USAGES::contains)) {
            throw new GeneralSecurityException("certificate is not for client authentication (extended key usage "
                    + usages + ")");
        }
    }

    private static List<String> values(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        List<String> out = new ArrayList<>();
        for (RDN rdn : name.getRDNs(type)) {
            for (var atv : rdn.getTypesAndValues()) {
                if (atv.getType().equals(type)) {
                    out.add(asString(atv.getValue()));
                }
            }
        }
        return out;
    }

    private static String asString(ASN1Encodable v) {
        return v instanceof org.bouncycastle.asn1.ASN1String s ? s.getString() : IETFUtils.valueToString(v);
    }

    private static X509Certificate[] peerChain(SSLSession session) {
        if (session == null) {
            return new X509Certificate[0];
        }
        try {
            Certificate[] certs = session.getPeerCertificates();
            List<X509Certificate> out = new ArrayList<>(certs.length);
            for (Certificate c : certs) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return out.toArray(new X509Certificate[0]);
        } catch (SSLPeerUnverifiedException e) {
            return new X509Certificate[0];
        }
    }

    /** The token of {@code Bearer <token>}; null when the header is absent, empty, or of another scheme. */
    static String bearerToken(String header) {
        if (header == null) {
            return null;
        }
        String h = header.strip();
        // kube-apiserver splits on single spaces into at most three parts and takes the second.
        String[] parts = h.split(" ", 3);
        if (parts.length < 2 || !parts[0].toLowerCase(Locale.ROOT).equals("bearer") || parts[1].isEmpty()) {
            return null;
        }
        return parts[1];
    }
}
