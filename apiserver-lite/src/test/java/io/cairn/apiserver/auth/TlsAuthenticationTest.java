package io.cairn.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path over real TLS: {@link Pki#serverContext()} on a Netty server, JDK and Netty clients, and the
 * {@link Authenticator} reading the session each request arrives on.
 */
class TlsAuthenticationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    private Pki pki;
    private WhoAmIServer server;

    @BeforeEach
    void start() throws Exception {
        pki = Pki.loadOrCreate(data, "127.0.0.1", List.of());
        Path tokens = Files.writeString(data.resolve("tokens.csv"), "s3cret,alice,uid-1,\"devs,ops\"\n");
        server = new WhoAmIServer(pki, Authenticator.create(pki, tokens));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void adminCertificateOverHttp2IsCairnAdminInSystemMasters() throws Exception {
        JsonNode body = get(HttpClient.Version.HTTP_2, pki.adminSslContext(), null, 200);

        assertThat(body.path("user").asText()).isEqualTo("cairn-admin");
        assertThat(body.path("groups")).extracting(JsonNode::asText)
                .containsExactly("system:masters", "system:authenticated");
        assertThat(body.path("protocol").asText()).as("ALPN chose HTTP/2").isEqualTo("h2");
        assertThat(server.seen.poll(5, TimeUnit.SECONDS).user()).isEqualTo(
                User.authenticated("cairn-admin", "", List.of("system:masters")));
    }

    @Test
    void http11ClientsAreServedToo() throws Exception {
        JsonNode body = get(HttpClient.Version.HTTP_1_1, pki.adminSslContext(), null, 200);

        assertThat(body.path("user").asText()).isEqualTo("cairn-admin");
        assertThat(body.path("protocol").asText()).isEqualTo("http/1.1");
    }

    @Test
    void withoutClientCertificateABearerTokenAuthenticates() throws Exception {
        JsonNode body = get(HttpClient.Version.HTTP_2, trustOnly(pki.ca().certificate()), "Bearer s3cret", 200);

        assertThat(body.path("user").asText()).isEqualTo("alice");
        assertThat(body.path("groups")).extracting(JsonNode::asText)
                .containsExactly("devs", "ops", "system:authenticated");
    }

    @Test
    void withoutCredentialsOrWithAWrongTokenTheAnswerIs401() throws Exception {
        JsonNode none = get(HttpClient.Version.HTTP_2, trustOnly(pki.ca().certificate()), null, 401);
        JsonNode wrong = get(HttpClient.Version.HTTP_2, trustOnly(pki.ca().certificate()), "Bearer nope", 401);

        assertThat(none.path("reason").asText()).isEqualTo("Unauthorized");
        assertThat(wrong.path("reason").asText()).isEqualTo("Unauthorized");
    }

    /** kube-apiserver's union: the certificate authenticator accepts first, so a stale token does not matter. */
    @Test
    void aValidCertificateWinsOverAWrongToken() throws Exception {
        JsonNode body = get(HttpClient.Version.HTTP_2, pki.adminSslContext(), "Bearer nope", 200);

        assertThat(body.path("user").asText()).isEqualTo("cairn-admin");
    }

    /**
     * A certificate of another CA (claiming system:masters) is not a user: the handshake lets it through, as
     * kube-apiserver's does, and the authenticator refuses it, so the client gets the Status kubectl users know.
     */
    @Test
    void aClientCertificateOfAnotherCaIsNotAUser() throws Exception {
        JsonNode body = get(HttpClient.Version.HTTP_2, forcing(foreignClient("mallory", "system:masters")), null, 401);

        assertThat(body.path("reason").asText()).isEqualTo("Unauthorized");
        WhoAmIServer.Seen seen = server.seen.poll(5, TimeUnit.SECONDS);
        assertThat(seen.user()).isNull();
        assertThat(seen.status()).isEqualTo(401);
    }

    /** kube-apiserver's union again: a certificate that fails does not stop a valid token from authenticating. */
    @Test
    void aForeignCertificateDoesNotBlockAValidToken() throws Exception {
        JsonNode body = get(HttpClient.Version.HTTP_2, forcing(foreignClient("mallory", "system:masters")),
                "Bearer s3cret", 200);

        assertThat(body.path("user").asText()).isEqualTo("alice");
    }

    /** The handshake names the cluster CA as the acceptable issuer of client certificates. */
    @Test
    void theHandshakeAsksForCertificatesOfTheClusterCa() throws Exception {
        java.util.List<Principal> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Credential foreign = foreignClient("mallory", "x");
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {new AlwaysPresent(foreign, asked)}, trustManagers(pki.ca().certificate()), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port());
        s.setEnabledProtocols(new String[] {"TLSv1.2"}); // 1.2's CertificateRequest always lists the CAs
        try (s) {
            s.startHandshake();
        }
        assertThat(asked).extracting(Principal::getName).contains("CN=cairn-ca");
    }

    @Test
    void nettyClientContextNegotiatesH2AndChecksTheServerName() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SslContext client = pki.clientContext("h2", "http/1.1");
            SslHandler good = handshake(group, client, "localhost");
            assertThat(good.handshakeFuture().await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(good.handshakeFuture().isSuccess()).as("%s", good.handshakeFuture().cause()).isTrue();
            assertThat(good.applicationProtocol()).isEqualTo("h2");
            good.engine().getSession().getPeerCertificates()[0].verify(pki.ca().certificate().getPublicKey());
            good.closeOutbound();

            SslHandler wrongName = handshake(group, client, "not-in-the-certificate.example");
            assertThat(wrongName.handshakeFuture().await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(wrongName.handshakeFuture().isSuccess()).isFalse();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private SslHandler handshake(EventLoopGroup group, SslContext ctx, String peerHost) throws InterruptedException {
        SslHandler[] holder = new SslHandler[1];
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                        holder[0] = ctx.newHandler(c.alloc(), peerHost, server.port());
                        c.pipeline().addLast(holder[0]);
                    }
                })
                .connect("127.0.0.1", server.port()).sync().channel();
        ch.closeFuture();
        return holder[0];
    }

    private JsonNode get(HttpClient.Version version, SSLContext ssl, String authorization, int expectedStatus)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().version(version).sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/whoami"))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        HttpResponse<String> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as(resp.body()).isEqualTo(expectedStatus);
        return JSON.readTree(resp.body());
    }

    /** A client certificate for {@code user}/{@code group} signed by a CA of its own. */
    private Credential foreignClient(String user, String group) throws Exception {
        Credential otherCa = Pki.issueForeignCa(data.resolve("foreign"), Instant.now());
        return Pki.issueLeaf(data.resolve("foreign"), "client", otherCa,
                new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, group).addRDN(BCStyle.CN, user).build(),
                KeyPurposeId.id_kp_clientAuth, null, Instant.now());
    }

    static SSLContext trustOnly(X509Certificate ca) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, trustManagers(ca), new SecureRandom());
        return ctx;
    }

    static javax.net.ssl.TrustManager[] trustManagers(X509Certificate ca) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(Pki.trustStore(ca));
        return tmf.getTrustManagers();
    }

    /** An SSLContext that presents {@code c} whatever CAs the server asks for, and trusts the cluster CA. */
    private SSLContext forcing(Credential c) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[] {new AlwaysPresent(c, new java.util.ArrayList<>())},
                trustManagers(pki.ca().certificate()), null);
        return ctx;
    }

    /** Presents its certificate whatever CAs the server asks for, and notes which ones it asked for. */
    private static final class AlwaysPresent extends X509ExtendedKeyManager {
        private final Credential c;
        private final java.util.List<Principal> asked;

        AlwaysPresent(Credential c, java.util.List<Principal> asked) {
            this.c = c;
            this.asked = asked;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            if (issuers != null) {
                asked.addAll(java.util.Arrays.asList(issuers));
            }
            return "c";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return chooseClientAlias(keyType, issuers, null);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return new X509Certificate[] {c.certificate()};
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return c.privateKey();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {"c"};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

}
