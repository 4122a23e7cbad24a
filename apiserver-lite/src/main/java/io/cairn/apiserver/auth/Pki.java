package io.cairn.apiserver.auth;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's certificates: a CA, the API server's serving certificate and the admin's client certificate, kept as
 * PEM files in {@code <dataDir>/pki/} and created on first start.
 *
 * <h2>Files</h2>
 * {@code ca.crt}/{@code ca.key} (the cluster CA, CN {@code cairn-ca}, 10 years), {@code apiserver.crt}/{@code .key}
 * (serving, 1 year, SANs {@code localhost}, {@code 127.0.0.1}, {@code ::1}, the bind address, {@code kubernetes},
 * {@code kubernetes.default}, {@code kubernetes.default.svc}, {@code kubernetes.default.svc.cluster.local} and any
 * extra names), {@code admin.crt}/{@code .key} (client, 1 year, CN {@code cairn-admin}, O {@code system:masters}:
 * the group kube-apiserver's RBAC lets do everything). Keys are PKCS#8 PEM, mode 0600, in a 0700 directory;
 * certificates 0644.
 *
 * <h2>Why EC P-256</h2>
 * ECDSA on P-256 with SHA-256 is accepted by both peers we serve: Go's crypto/tls (kubectl, client-go; P-256 is
 * Go's best-supported curve, and k3s issues the same kind of keys) and the JDK's SunJSSE/SunEC (fabric8, our own
 * clients), in TLS 1.2 and 1.3 and with the HTTP/2 cipher list. Against RSA 2048 it is faster to generate (milliseconds
 * rather than up to a second at every first start and in every test), its handshakes are cheaper, and it is
 * stronger (about 128-bit security against 112).
 *
 * <h2>Reuse and crash safety</h2>
 * Later starts reuse the files. The serving certificate is re-issued when it does not cover the requested names;
 * either leaf is re-issued when it is missing, unreadable, not signed by the CA, does not match its key, or expires
 * within {@link #RENEW_BEFORE}. The CA is never replaced silently: a CA certificate without its key is a start-up
 * error, because a new CA would invalidate every kubeconfig issued so far. Every file is written atomically and
 * fsynced ({@link SecureFiles}); the key is written before its certificate, so the certificate is the commit mark: a
 * crash between the two leaves a key that does not match the old certificate (or no certificate), which the next
 * start detects and re-issues.
 *
 * <p>Not thread-safe while loading; the loaded instance is immutable. Two processes must not load one data directory
 * at once (the store's own lock on the data directory prevents that).
 */
public final class Pki {
    private static final Logger log = LoggerFactory.getLogger(Pki.class);

    /** The admin client certificate's user name (its CN). */
    public static final String ADMIN_USER = "cairn-admin";
    /** The admin client certificate's group (its O): kube-apiserver's superuser group. */
    public static final String ADMIN_GROUP = "system:masters";
    /** The CA's common name. */
    public static final String CA_NAME = "cairn-ca";
    /** The serving certificate's common name (clients check SANs, not the CN). */
    public static final String SERVING_NAME = "cairn-apiserver";
    /** The names every serving certificate carries, before the bind address and the extra names. */
    public static final List<String> DEFAULT_SERVING_NAMES = List.of("localhost", "127.0.0.1", "::1", "kubernetes",
            "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local");
    /** The CA's validity. */
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    /** The serving and admin certificates' validity. */
    public static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    /** A leaf certificate that expires within this is re-issued at start. */
    public static final Duration RENEW_BEFORE = Duration.ofDays(30);
    /** notBefore lies this far in the past, so a peer whose clock is slightly behind still accepts a new certificate. */
    static final Duration BACKDATE = Duration.ofMinutes(5);
    /** The signature algorithm, matching the EC P-256 keys. */
    static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    /** TLS versions offered: 1.3 and 1.2 (HTTP/2 needs at least 1.2; kubectl supports both). */
    static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Path dir;
    private final Credential ca;
    private final Credential serving;
    private final Credential admin;

    private Pki(Path dir, Credential ca, Credential serving, Credential admin) {
        this.dir = dir;
        this.ca = ca;
        this.serving = serving;
        this.admin = admin;
    }

    /**
     * Loads {@code <dataDir>/pki/}, creating or re-issuing what is missing or unusable.
     *
     * @param bindAddress the address the server listens on (a SAN unless it is a wildcard such as {@code 0.0.0.0}); may
     *     be null
     * @param extraNames further DNS names or IP literals the serving certificate must carry
     * @throws IOException on I/O failure, or when the CA certificate is present but its key is missing, does not
     *     match or the CA has expired (the message says what to do)
     */
    public static Pki loadOrCreate(Path dataDir, String bindAddress, Collection<String> extraNames) throws IOException {
        return loadOrCreate(dataDir, bindAddress, extraNames, Clock.systemUTC());
    }

    /** As {@link #loadOrCreate(Path, String, Collection)}, with the clock that dates certificates and checks expiry. */
    public static Pki loadOrCreate(Path dataDir, String bindAddress, Collection<String> extraNames, Clock clock)
            throws IOException {
        Path dir = dataDir.resolve("pki");
        SecureFiles.createDirectory(dir, SecureFiles.OWNER_ONLY_DIR);
        deleteLeftoverTemporaries(dir);
        Instant now = clock.instant();
        Credential ca = loadCa(dir, now);
        boolean newCa = ca == null;
        if (newCa) {
            ca = issueCa(dir, now);
        }
        SubjectNames wanted = SubjectNames.of(servingNames(bindAddress, extraNames));
        Credential serving = newCa ? null : reusable(dir, "apiserver", ca, now, wanted);
        if (serving == null) {
            serving = issueServing(dir, ca, wanted, now);
        }
        Credential admin = newCa ? null : reusable(dir, "admin", ca, now, null);
        if (admin == null) {
            admin = issueAdmin(dir, ca, now);
        }
        return new Pki(dir, ca, serving, admin);
    }

    /** Temporary files of a write that crashed before its rename ({@link SecureFiles}: {@code .<name>*.tmp}). */
    private static void deleteLeftoverTemporaries(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && n.endsWith(".tmp") && Files.isRegularFile(p)) {
                    log.info("deleting {}, left by a write that did not finish", p);
                    Files.delete(p);
                }
            }
        }
    }

    /** The names a serving certificate must carry for this bind address and these extra names. */
    public static List<String> servingNames(String bindAddress, Collection<String> extraNames) {
        List<String> names = new ArrayList<>(DEFAULT_SERVING_NAMES);
        if (bindAddress != null) {
            names.add(bindAddress);
        }
        if (extraNames != null) {
            names.addAll(extraNames);
        }
        return names;
    }

    public Path dir() {
        return dir;
    }

    /** The cluster CA; its certificate is what clients trust ({@code certificate-authority-data}). */
    public Credential ca() {
        return ca;
    }

    /** The API server's serving certificate and key. */
    public Credential serving() {
        return serving;
    }

    /** The admin client certificate and key (user {@code cairn-admin}, group {@code system:masters}). */
    public Credential admin() {
        return admin;
    }

    /** The serving certificate's names in canonical text form ({@code dns:localhost}, {@code ip:127.0.0.1}). */
    public List<String> servingCertificateNames() {
        return SubjectNames.of(serving.certificate()).describe();
    }

    /**
     * The server's TLS context: the serving certificate, TLS 1.3/1.2 with HTTP/2's cipher list, ALPN offering
     * {@code h2} then {@code http/1.1}, and client certificates requested but optional ({@code ClientAuth.OPTIONAL}).
     *
     * <p>Client certificates are trusted only when signed by the cluster CA, but that is decided per request by
     * {@link Authenticator}, not by the handshake, exactly as kube-apiserver does (Go's {@code RequestClientCert} plus
     * its x509 authenticator): the handshake advertises the CA as the acceptable issuer and accepts whatever
     * certificate the client proves it holds the key of; the authenticator then verifies the chain, and a certificate
     * of another CA makes the request 401 Unauthorized (or lets a valid bearer token decide). Rejecting it in the
     * handshake instead would turn kubectl's familiar "Unauthorized" into a TLS alert and would lock out a client
     * whose kubeconfig pairs a stale certificate with a valid token. Consequence: the session's peer certificates are
     * <em>unverified</em>; nothing but {@link Authenticator} may draw conclusions from them.
     */
    public SslContext serverContext() throws SSLException {
        return SslContextBuilder.forServer(serving.privateKey(), serving.certificate())
                .sslProvider(SslProvider.JDK)
                .protocols(TLS_PROTOCOLS)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .trustManager(new DeferredClientTrust(ca.certificate()))
                .clientAuth(ClientAuth.OPTIONAL)
                .applicationProtocolConfig(alpn(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    /**
     * A Netty client context for Java clients of this server: presents the admin certificate, trusts only the cluster
     * CA, and checks the server's name (create handlers with {@code newHandler(alloc, host, port)} so the name is
     * known). {@code applicationProtocols}, if any, are offered with ALPN in that order (e.g. {@code "h2",
     * "http/1.1"}).
     */
    public SslContext clientContext(String... applicationProtocols) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(TLS_PROTOCOLS)
                .keyManager(admin.privateKey(), admin.certificate())
                .trustManager(ca.certificate())
                .endpointIdentificationAlgorithm("HTTPS");
        if (applicationProtocols.length > 0) {
            b.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(alpn(applicationProtocols));
        }
        return b.build();
    }

    /**
     * A JDK {@link SSLContext} with the admin certificate and only the cluster CA trusted, for
     * {@code java.net.http.HttpClient} and other JDK clients (which check the server's name themselves).
     */
    public SSLContext adminSslContext() {
        try {
            char[] password = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("admin", admin.privateKey(), password, new Certificate[] {admin.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore(ca.certificate()));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the admin SSLContext", e);
        }
    }

    /** A key store holding {@code trusted} as its only trusted certificate. */
    static KeyStore trustStore(X509Certificate trusted) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", trusted);
        return ks;
    }

    private static ApplicationProtocolConfig alpn(String... protocols) {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols);
    }

    // ---- loading ------------------------------------------------------------------------------------------------

    /** The CA, or null when {@code ca.crt} is absent (a key without certificate is a CA whose creation crashed). */
    private static Credential loadCa(Path dir, Instant now) throws IOException {
        Path crt = dir.resolve("ca.crt");
        Path key = dir.resolve("ca.key");
        if (!Files.exists(crt)) {
            return null;
        }
        if (!Files.exists(key)) {
            throw new IOException(key + " is missing, so the cluster CA in " + crt + " cannot sign certificates. "
                    + "Restore it, or delete " + dir + " to create a new CA (kubeconfigs issued so far stop working).");
        }
        Credential ca = read(crt, key);
        if (!matches(ca.privateKey(), ca.certificate().getPublicKey())) {
            throw new IOException(key + " is not the key of the CA certificate " + crt + ". Restore the pair, or delete "
                    + dir + " to create a new CA (kubeconfigs issued so far stop working).");
        }
        Instant notAfter = ca.certificate().getNotAfter().toInstant();
        if (!now.isBefore(notAfter)) {
            throw new IOException("the cluster CA " + crt + " expired at " + notAfter + ". Delete " + dir
                    + " to create a new CA (kubeconfigs issued so far stop working).");
        }
        if (now.plus(RENEW_BEFORE).isAfter(notAfter)) {
            log.warn("the cluster CA {} expires at {}; delete {} to create a new one before then", crt, notAfter, dir);
        }
        tightenKeyPermissions(key);
        return ca;
    }

    /**
     * The leaf {@code <name>.crt}/{@code .key} if it can be reused, else null (with the reason logged).
     *
     * @param wanted for the serving certificate, the names it must cover; null for a client certificate
     */
    private static Credential reusable(Path dir, String name, Credential ca, Instant now, SubjectNames wanted)
            throws IOException {
        Path crt = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        if (!Files.exists(crt) || !Files.exists(key)) {
            log.info("{} is missing; issuing it", Files.exists(crt) ? key : crt);
            return null;
        }
        Credential leaf;
        try {
            leaf = read(crt, key);
        } catch (IOException e) {
            log.warn("{} is unreadable ({}); issuing a new one", crt, e.getMessage());
            return null;
        }
        String why = whyNotReusable(leaf, ca, now, wanted);
        if (why != null) {
            log.info("re-issuing {}: {}", crt, why);
            return null;
        }
        tightenKeyPermissions(key);
        return leaf;
    }

    /** Why a leaf must be re-issued, or null when it may be reused. */
    static String whyNotReusable(Credential leaf, Credential ca, Instant now, SubjectNames wanted) {
        X509Certificate cert = leaf.certificate();
        try {
            cert.verify(ca.certificate().getPublicKey());
        } catch (GeneralSecurityException e) {
            return "it is not signed by the cluster CA";
        }
        if (!matches(leaf.privateKey(), cert.getPublicKey())) {
            return "its key file does not match it";
        }
        Instant notAfter = cert.getNotAfter().toInstant();
        if (now.plus(RENEW_BEFORE).isAfter(notAfter)) {
            return "it expires at " + notAfter;
        }
        if (now.isBefore(cert.getNotBefore().toInstant())) {
            return "it is not valid before " + cert.getNotBefore().toInstant();
        }
        if (wanted != null) {
            List<String> missing = wanted.missingFrom(SubjectNames.of(cert));
            if (!missing.isEmpty()) {
                return "it does not cover " + missing;
            }
        }
        return null;
    }

    private static Credential read(Path crt, Path key) throws IOException {
        byte[] certPem = Files.readAllBytes(crt);
        byte[] keyPem = Files.readAllBytes(key);
        return new Credential(crt, key, Pem.parseCertificate(certPem, crt.toString()),
                Pem.parsePrivateKey(keyPem, key.toString()), certPem, keyPem);
    }

    /** A key file readable by others (copied in by hand, say) is made owner-only again. */
    private static void tightenKeyPermissions(Path key) throws IOException {
        Set<java.nio.file.attribute.PosixFilePermission> perms = SecureFiles.permissionsOf(key);
        if (perms != null && !perms.equals(SecureFiles.OWNER_ONLY)) {
            log.warn("{} had permissions {}; setting them to 0600", key,
                    java.nio.file.attribute.PosixFilePermissions.toString(perms));
            Files.setPosixFilePermissions(key, SecureFiles.OWNER_ONLY);
        }
    }

    /** Whether {@code key} is the private half of {@code pub}: a signature made with one verifies with the other. */
    static boolean matches(PrivateKey key, PublicKey pub) {
        if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
            return false;
        }
        try {
            String alg = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
            byte[] probe = "cairn key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    // ---- issuing ------------------------------------------------------------------------------------------------

    private static Credential issueCa(Path dir, Instant now) throws IOException {
        KeyPair kp = newKeyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, CA_NAME).build();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = builder(name, name, kp.getPublic(), now, now.plus(CA_VALIDITY))
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate cert = sign(b, kp.getPrivate());
            log.info("created the cluster CA {} in {}", name, dir);
            return write(dir, "ca", cert, kp.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the CA certificate", e);
        }
    }

    private static Credential issueServing(Path dir, Credential ca, SubjectNames names, Instant now)
            throws IOException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, SERVING_NAME).build();
        Credential c = issueLeaf(dir, "apiserver", ca, subject, KeyPurposeId.id_kp_serverAuth, names, now);
        log.info("issued serving certificate {} for {}", c.certPath(), names.describe());
        return c;
    }

    private static Credential issueAdmin(Path dir, Credential ca, Instant now) throws IOException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, ADMIN_GROUP)
                .addRDN(BCStyle.CN, ADMIN_USER)
                .build();
        Credential c = issueLeaf(dir, "admin", ca, subject, KeyPurposeId.id_kp_clientAuth, null, now);
        log.info("issued admin client certificate {} ({})", c.certPath(), subject);
        return c;
    }

    /**
     * A leaf certificate signed by {@code ca}. Visible for tests, which issue certificates of their own (with another
     * CA, another group) to check what the server accepts.
     */
    static Credential issueLeaf(Path dir, String fileName, Credential ca, X500Name subject, KeyPurposeId purpose,
            SubjectNames names, Instant now) throws IOException {
        KeyPair kp = newKeyPair();
        Instant caNotAfter = ca.certificate().getNotAfter().toInstant();
        Instant notAfter = now.plus(LEAF_VALIDITY).isAfter(caNotAfter) ? caNotAfter : now.plus(LEAF_VALIDITY);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X500Name issuer = X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder b = builder(issuer, subject, kp.getPublic(), now, notAfter)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(ca.certificate()));
            if (names != null) {
                b.addExtension(Extension.subjectAlternativeName, false, names.generalNames());
            }
            return write(dir, fileName, sign(b, ca.privateKey()), kp.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue certificate " + subject, e);
        }
    }

    /** A self-signed CA in {@code dir} that is not this cluster's: for tests of what the server rejects. */
    static Credential issueForeignCa(Path dir, Instant now) throws IOException {
        SecureFiles.createDirectory(dir, SecureFiles.OWNER_ONLY_DIR);
        return issueCa(dir, now);
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey pub, Instant now,
            Instant notAfter) {
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(BACKDATE)), Date.from(notAfter),
                subject, pub);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signer)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** Writes the key, then the certificate (the commit mark), each atomically. */
    private static Credential write(Path dir, String name, X509Certificate cert, PrivateKey key) throws IOException {
        Path crt = dir.resolve(name + ".crt");
        Path keyPath = dir.resolve(name + ".key");
        byte[] keyPem = Pem.privateKey(key);
        byte[] certPem = Pem.certificate(cert);
        SecureFiles.writeAtomically(keyPath, keyPem, SecureFiles.OWNER_ONLY);
        SecureFiles.writeAtomically(crt, certPem, SecureFiles.PUBLIC_READ);
        return new Credential(crt, keyPath, cert, key, certPem, keyPem);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate EC P-256 keys", e);
        }
    }
}
