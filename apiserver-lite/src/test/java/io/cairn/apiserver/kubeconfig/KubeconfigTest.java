package io.cairn.apiserver.kubeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.Kubectl;
import io.cairn.apiserver.auth.Pki;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigTest {
    /** A user's kubeconfig with a context of their own, a field we do not model and a comment. */
    private static final String USERS_CONFIG = """
            # my clusters
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                server: https://work.example:443
                certificate-authority: /etc/work-ca.crt
                proxy-url: http://proxy.example:3128
              name: work
            contexts:
            - context:
                cluster: work
                user: me
                namespace: team
              name: work
            current-context: work
            preferences:
              colors: true
            users:
            - name: me
              user:
                token: "0123"
            """;

    @TempDir
    Path home;

    private Pki pki;
    private Kubeconfig.Entry entry;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        pki = Pki.loadOrCreate(home.resolve("data"), null, List.of());
        entry = Kubeconfig.Entry.of(pki, "https://127.0.0.1:6443");
        config = home.resolve(".kube/config");
    }

    @Test
    void standaloneKubeconfigHasTheClusterUserAndContext() throws Exception {
        Path file = home.resolve("data/kubeconfig");
        Kubeconfig.writeStandalone(file, entry);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        JsonNode c = Kubeconfig.read(file);
        assertThat(c.path("current-context").asText()).isEqualTo("cairn");
        assertThat(c.at("/clusters/0/name").asText()).isEqualTo("cairn");
        assertThat(c.at("/clusters/0/cluster/server").asText()).isEqualTo("https://127.0.0.1:6443");
        assertThat(decode(c.at("/clusters/0/cluster/certificate-authority-data")))
                .isEqualTo(Files.readString(pki.ca().certPath()));
        assertThat(c.at("/users/0/name").asText()).isEqualTo("cairn-admin");
        assertThat(decode(c.at("/users/0/user/client-certificate-data")))
                .isEqualTo(Files.readString(pki.admin().certPath()));
        assertThat(decode(c.at("/users/0/user/client-key-data"))).as("an EC key as SEC 1, which every client reads")
                .startsWith("-----BEGIN EC PRIVATE KEY-----")
                .isEqualTo(new String(java.util.Base64.getDecoder().decode(pki.admin().keyBase64()),
                        java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(c.at("/contexts/0/name").asText()).isEqualTo("cairn");
        assertThat(c.at("/contexts/0/context/cluster").asText()).isEqualTo("cairn");
        assertThat(c.at("/contexts/0/context/user").asText()).isEqualTo("cairn-admin");
    }

    @Test
    void mergeKeepsTheUsersEntriesAndRemoveRestoresTheFile() throws Exception {
        writeUsersConfig("rw-r-----");
        ObjectNode original = Kubeconfig.read(config);

        assertThat(Kubeconfig.merge(config, entry, true)).isTrue();

        ObjectNode merged = Kubeconfig.read(config);
        assertThat(merged.path("current-context").asText()).isEqualTo("cairn");
        assertThat(Kubeconfig.names(merged, "contexts")).containsExactly("work", "cairn");
        assertThat(Kubeconfig.names(merged, "clusters")).containsExactly("work", "cairn");
        assertThat(Kubeconfig.names(merged, "users")).containsExactly("me", "cairn-admin");
        assertThat(merged.at("/clusters/0")).isEqualTo(original.at("/clusters/0"));
        assertThat(merged.at("/contexts/0")).isEqualTo(original.at("/contexts/0"));
        assertThat(merged.at("/users/0/user/token").asText()).as("a quoted number stays a string").isEqualTo("0123");
        assertThat(merged.at("/users/0")).isEqualTo(original.at("/users/0"));
        assertThat(merged.get("preferences")).isEqualTo(original.get("preferences"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r-----");

        assertThat(Kubeconfig.remove(config)).isTrue();

        assertThat(Kubeconfig.read(config)).isEqualTo(original);
        assertThat(Files.exists(home.resolve(".kube/config.lock"))).isFalse();
    }

    @Test
    void mergeWithoutMakingCurrentLeavesTheCurrentContext() throws Exception {
        writeUsersConfig("rw-------");

        Kubeconfig.merge(config, entry, false);
        assertThat(Kubeconfig.read(config).path("current-context").asText()).isEqualTo("work");

        Kubeconfig.remove(config);
        assertThat(Kubeconfig.read(config).path("current-context").asText()).isEqualTo("work");
    }

    @Test
    void mergeCreatesAMissingFileOwnerOnlyAndRemoveEmptiesTheCurrentContext() throws Exception {
        assertThat(Kubeconfig.merge(config, entry, true)).isTrue();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
        assertThat(Kubeconfig.read(config).path("current-context").asText()).isEqualTo("cairn");

        Kubeconfig.remove(config);
        ObjectNode after = Kubeconfig.read(config);
        assertThat(after.path("current-context").asText()).isEmpty();
        assertThat(Kubeconfig.names(after, "contexts")).isEmpty();
    }

    @Test
    void mergingAgainUnchangedLeavesTheFileByteForByte() throws Exception {
        writeUsersConfig("rw-------");
        Kubeconfig.merge(config, entry, true);
        byte[] once = Files.readAllBytes(config);

        assertThat(Kubeconfig.merge(config, entry, true)).isFalse();
        assertThat(Files.readAllBytes(config)).isEqualTo(once);
        assertThat(Kubeconfig.remove(home.resolve("absent"))).isFalse();
        assertThat(home.resolve("absent")).doesNotExist();
    }

    /** A restart re-merges with a new server URL; the namespace the user set on our context stays. */
    @Test
    void mergingAgainUpdatesOurEntriesInPlace() throws Exception {
        writeUsersConfig("rw-------");
        Kubeconfig.merge(config, entry, true);
        ObjectNode c = Kubeconfig.read(config);
        ((ObjectNode) c.at("/contexts/1/context")).put("namespace", "demo");
        Files.write(config, Kubeconfig.toYaml(c));

        Kubeconfig.merge(config, new Kubeconfig.Entry("https://127.0.0.1:7443", entry.certificateAuthorityData(),
                entry.clientCertificateData(), entry.clientKeyData()), true);

        ObjectNode again = Kubeconfig.read(config);
        assertThat(Kubeconfig.names(again, "contexts")).containsExactly("work", "cairn");
        assertThat(again.at("/contexts/1/context/namespace").asText()).isEqualTo("demo");
        assertThat(again.at("/clusters/1/cluster/server").asText()).isEqualTo("https://127.0.0.1:7443");
        Kubeconfig.remove(config);
        assertThat(Kubeconfig.read(config).path("current-context").asText()).as("still restores").isEqualTo("work");
    }

    @Test
    void removeLeavesACurrentContextTheUserSwitchedTo() throws Exception {
        writeUsersConfig("rw-------");
        Kubeconfig.merge(config, entry, true);
        ObjectNode c = Kubeconfig.read(config);
        c.put("current-context", "work");
        Files.write(config, Kubeconfig.toYaml(c));

        Kubeconfig.remove(config);

        assertThat(Kubeconfig.read(config).path("current-context").asText()).isEqualTo("work");
    }

    @Test
    void removeEmptiesTheCurrentContextWhenThePreviousOneIsGone() throws Exception {
        writeUsersConfig("rw-------");
        Kubeconfig.merge(config, entry, true);
        ObjectNode c = Kubeconfig.read(config);
        ((com.fasterxml.jackson.databind.node.ArrayNode) c.get("contexts")).remove(0);
        Files.write(config, Kubeconfig.toYaml(c));

        Kubeconfig.remove(config);

        assertThat(Kubeconfig.read(config).path("current-context").asText()).isEmpty();
    }

    @Test
    void aSymbolicLinkIsFollowedAndKept() throws Exception {
        Path real = home.resolve("dotfiles/kubeconfig");
        Files.createDirectories(real.getParent());
        Files.writeString(real, USERS_CONFIG);
        Files.createDirectories(config.getParent());
        Files.createSymbolicLink(config, real);

        Kubeconfig.merge(config, entry, true);

        assertThat(Files.isSymbolicLink(config)).isTrue();
        assertThat(Kubeconfig.read(real).path("current-context").asText()).isEqualTo("cairn");
    }

    @Test
    void aHeldLockIsReportedNotBroken() throws Exception {
        writeUsersConfig("rw-------");
        Files.createFile(home.resolve(".kube/config.lock"));

        assertThatThrownBy(() -> Kubeconfig.merge(config, entry, true)).isInstanceOf(IOException.class)
                .hasMessageContaining("config.lock exists");
        assertThat(Files.readString(config)).isEqualTo(USERS_CONFIG);
    }

    @Test
    void aFileThatIsNotAKubeconfigIsAnError() throws Exception {
        Files.createDirectories(config.getParent());
        Files.writeString(config, "- just\n- a list\n");

        assertThatThrownBy(() -> Kubeconfig.merge(config, entry, true)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a kubeconfig");
    }

    @Test
    void targetFileIsChosenAsKubectlDoes() throws Exception {
        String sep = File.pathSeparator;
        Path a = home.resolve("a");
        Path b = home.resolve("b");
        Path c = home.resolve("c");

        assertThat(Kubeconfig.defaultPath(Map.of(), home)).isEqualTo(home.resolve(".kube/config"));
        assertThat(Kubeconfig.defaultPath(Map.of("KUBECONFIG", ""), home)).isEqualTo(home.resolve(".kube/config"));
        assertThat(Kubeconfig.defaultPath(Map.of("KUBECONFIG", a.toString()), home)).isEqualTo(a);
        assertThat(Kubeconfig.defaultPath(Map.of("KUBECONFIG", a + sep + sep + b + sep + c), home))
                .as("none exists: the last").isEqualTo(c);
        Files.writeString(b, "");
        assertThat(Kubeconfig.defaultPath(Map.of("KUBECONFIG", a + sep + b + sep + c), home))
                .as("the first that exists").isEqualTo(b);
    }

    /** kubectl reads the merged file, and keeps our memory of the previous context when it rewrites the file. */
    @Test
    void kubectlReadsAndRewritesTheMergedFile() throws Exception {
        Path kubectl = Kubectl.find();
        assumeTrue(kubectl != null, "kubectl is not on the PATH");
        writeUsersConfig("rw-------");
        Kubeconfig.merge(config, entry, true);

        Kubectl.Result view = Kubectl.run(kubectl, home, null, "config", "view", "--kubeconfig", config.toString(), "-o",
                "jsonpath={.current-context}");
        assertThat(view.exitCode()).as(view.stderr()).isZero();
        assertThat(view.stdout().trim()).isEqualTo("cairn");
        Kubectl.Result contexts = Kubectl.run(kubectl, home, null, "config", "get-contexts", "--kubeconfig",
                config.toString(), "-o", "name");
        assertThat(contexts.stdout().lines()).containsExactlyInAnyOrder("cairn", "work");

        Kubectl.Result set = Kubectl.run(kubectl, home, null, "config", "set-context", "cairn", "--namespace=demo",
                "--kubeconfig", config.toString());
        assertThat(set.exitCode()).as(set.stderr()).isZero();
        Kubeconfig.remove(config);

        Kubectl.Result after = Kubectl.run(kubectl, home, null, "config", "view", "--kubeconfig", config.toString(), "-o",
                "jsonpath={.current-context}");
        assertThat(after.stdout().trim()).isEqualTo("work");
    }

    private void writeUsersConfig(String permissions) throws IOException {
        Files.createDirectories(config.getParent());
        Files.writeString(config, USERS_CONFIG);
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString(permissions));
    }

    private static String decode(JsonNode base64) {
        return new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.US_ASCII);
    }
}
