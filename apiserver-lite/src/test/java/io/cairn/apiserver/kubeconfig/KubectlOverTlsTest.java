package io.cairn.apiserver.kubeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.apiserver.Kubectl;
import io.cairn.apiserver.auth.Authenticator;
import io.cairn.apiserver.auth.Pki;
import io.cairn.apiserver.auth.User;
import io.cairn.apiserver.auth.WhoAmIServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real client end to end: kubectl (Go's TLS) with the standalone kubeconfig, against a Netty server using
 * {@link Pki#serverContext()}. It proves Go accepts our CA, the serving certificate's names, the EC P-256 PKCS#8 key
 * in {@code client-key-data} and our ALPN, and that the authenticator sees the admin. Skipped without kubectl.
 */
class KubectlOverTlsTest {
    @TempDir
    Path home;

    @Test
    void kubectlWithTheStandaloneKubeconfigIsCairnAdmin() throws Exception {
        Path kubectl = Kubectl.find();
        assumeTrue(kubectl != null, "kubectl is not on the PATH");
        Pki pki = Pki.loadOrCreate(home.resolve("data"), "127.0.0.1", List.of());
        try (WhoAmIServer server = new WhoAmIServer(pki, Authenticator.create(pki, null))) {
            Path file = home.resolve("data/kubeconfig");
            Kubeconfig.writeStandalone(file, Kubeconfig.Entry.of(pki, "https://127.0.0.1:" + server.port()));

            Kubectl.Result r = Kubectl.run(kubectl, home, null, "--kubeconfig", file.toString(), "get", "--raw", "/whoami");

            assertThat(r.exitCode()).as("stderr: %s", r.stderr()).isZero();
            JsonNode body = new ObjectMapper().readTree(r.stdout());
            assertThat(body.path("user").asText()).isEqualTo("cairn-admin");
            assertThat(body.path("protocol").asText()).as("Go negotiated HTTP/2").isEqualTo("h2");
            assertThat(server.seen).anySatisfy(s -> {
                assertThat(s.path()).isEqualTo("/whoami");
                assertThat(s.user()).isEqualTo(User.ADMIN);
            });
        }
    }
}
