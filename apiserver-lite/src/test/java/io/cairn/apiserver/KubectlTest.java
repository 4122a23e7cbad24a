package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code kubectl} (the machine's dispatcher picks the 1.32 client from {@code /version}) against the API
 * server over HTTPS with the admin client certificate: what users type, and what they see.
 */
class KubectlTest {
    @TempDir
    static Path dir;
    static TestCluster c;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(TestCluster.hasKubectl(), "kubectl is not installed");
        Files.writeString(dir.resolve("tokens.csv"), "s3cret-token,alice,1001,\"dev,ops\"\n");
        c = TestCluster.start(dir, dir.resolve("tokens.csv"));
    }

    @AfterAll
    static void stop() {
        if (c != null) {
            c.close();
        }
    }

    private static TestCluster.Result ok(String... args) throws Exception {
        TestCluster.Result r = c.kubectl(args);
        assertThat(r.exit()).as("kubectl %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    private static TestCluster.Result okWithInput(String input, String... args) throws Exception {
        TestCluster.Result r = c.kubectlWithInput(input, args);
        assertThat(r.exit()).as("kubectl %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    /** A kubeconfig of its own for a bearer-token user, trusting the cluster's CA, in {@code namespace}. */
    private static Path tokenKubeconfig(String user, String token, String namespace) throws Exception {
        Path file = dir.resolve(user + ".kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: cairn
                  cluster: {server: %s, certificate-authority: %s}
                users:
                - name: %s
                  user: {token: %s}
                contexts:
                - name: %s
                  context: {cluster: cairn, user: %s, namespace: %s}
                current-context: %s
                """.formatted(c.server.url(), c.server.pki().ca().certPath(), user, token, user, user, namespace, user));
        return file;
    }

    private static void namespace(String ns) throws Exception {
        okWithInput("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n", "create", "-f", "-");
    }

    @Test
    void applyOfAMultiDocumentFileCreatesThenLeavesUnchangedThenConfigures() throws Exception {
        namespace("apply");
        String v1 = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                data:
                  mode: fast
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                      - name: web
                        image: nginx:1.25
                        env:
                        - {name: A, value: "1"}
                      - name: sidecar
                        image: busybox:1.36
                        env:
                        - {name: B, value: "2"}
                """;
        assertThat(okWithInput(v1, "apply", "-n", "apply", "-f", "-").out())
                .contains("configmap/settings created", "deployment.apps/web created");
        assertThat(okWithInput(v1, "apply", "-n", "apply", "-f", "-").out())
                .contains("configmap/settings unchanged", "deployment.apps/web unchanged");
        String v2 = v1.replace("mode: fast", "mode: safe").replace("{name: A, value: \"1\"}", "{name: A, value: \"9\"}");
        assertThat(okWithInput(v2, "apply", "-n", "apply", "-f", "-").out())
                .contains("configmap/settings configured", "deployment.apps/web configured");
        JsonNode d = Json.JSON.readTree(ok("get", "deployment", "web", "-n", "apply", "-o", "json").out());
        JsonNode containers = d.path("spec").path("template").path("spec").path("containers");
        assertThat(containers.get(0).path("env").get(0).path("value").asText()).isEqualTo("9");
        assertThat(containers.get(1).path("env").get(0).path("value").asText()).isEqualTo("2");
        assertThat(d.path("metadata").path("generation").asInt()).isEqualTo(2);
        assertThat(ok("get", "configmap", "settings", "-n", "apply", "-o", "jsonpath={.data.mode}").out())
                .isEqualTo("safe");
    }

    @Test
    void getPrintsTablesAndEveryOutputFormat() throws Exception {
        namespace("get");
        for (String[] p : new String[][] {{"a", "web", "prod"}, {"b", "web", "dev"}, {"c", "db", "prod"}}) {
            ok("create", "configmap", p[0], "-n", "get", "--from-literal=k=v");
            ok("label", "configmap", p[0], "-n", "get", "app=" + p[1], "env=" + p[2]);
        }
        ok("label", "configmap", "c", "-n", "get", "legacy=true");
        String table = ok("get", "configmaps", "-n", "get").out();
        assertThat(table.lines().findFirst().orElseThrow()).matches("NAME\\s+DATA\\s+AGE");
        assertThat(table).containsPattern("(?m)^a\\s+1\\s+\\d+s");
        assertThat(ok("get", "cm", "-n", "get", "-o", "name", "-l", "app in (web),env notin (dev)").out())
                .isEqualTo("configmap/a\n");
        assertThat(ok("get", "cm", "-n", "get", "-o", "name", "-l", "!legacy").out())
                .isEqualTo("configmap/a\nconfigmap/b\n");
        assertThat(ok("get", "cm", "-n", "get", "-o", "name", "--field-selector", "metadata.name=b").out())
                .isEqualTo("configmap/b\n");
        assertThat(ok("get", "cm", "-n", "get", "-o", "name", "--chunk-size", "1").out())
                .isEqualTo("configmap/a\nconfigmap/b\nconfigmap/c\n");
        assertThat(ok("get", "cm", "a", "-n", "get", "-o", "yaml").out()).contains("name: a", "k: v", "app: web");
        JsonNode list = Json.JSON.readTree(ok("get", "cm", "-n", "get", "-o", "json").out());
        assertThat(list.path("items")).hasSize(3);
        assertThat(ok("get", "cm", "-n", "get", "-o", "jsonpath={.items[*].metadata.name}").out()).isEqualTo("a b c");
        TestCluster.Result bad = c.kubectl("get", "cm", "-n", "get", "--field-selector", "data.k=v");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("field label not supported: data.k");
    }

    @Test
    void getWatchStreamsChanges() throws Exception {
        namespace("watch");
        ok("create", "configmap", "first", "-n", "watch", "--from-literal=k=v");
        Path out = dir.resolve("watch.out");
        Process w = c.process(c.kubeconfig, out, dir.resolve("watch.err"), "get", "cm", "-n", "watch", "-w",
                "--request-timeout=60s");
        try {
            waitFor(out, "first");
            ok("create", "configmap", "second", "-n", "watch", "--from-literal=k=v");
            waitFor(out, "second");
        } finally {
            w.destroy();
            w.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(Files.readString(out).lines().findFirst().orElseThrow()).matches("NAME\\s+DATA\\s+AGE");
    }

    private static void waitFor(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("\"" + text + "\" never appeared in " + Files.readString(file));
    }

    @Test
    void describeCreateReplaceAndDelete() throws Exception {
        namespace("crud");
        String cm = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: conf
                  namespace: crud
                data:
                  a: "1"
                """;
        assertThat(okWithInput(cm, "create", "-f", "-").out()).contains("configmap/conf created");
        TestCluster.Result again = c.kubectlWithInput(cm, "create", "-f", "-");
        assertThat(again.err()).contains("configmaps \"conf\" already exists");
        assertThat(ok("describe", "configmap", "conf", "-n", "crud").out()).contains("Name:", "conf", "Namespace:",
                "crud");
        JsonNode stored = Json.JSON.readTree(ok("get", "cm", "conf", "-n", "crud", "-o", "json").out());
        String rv = stored.path("metadata").path("resourceVersion").asText();
        ok("label", "cm", "conf", "-n", "crud", "touched=yes");
        String stale = cm.replace("  namespace: crud\n", "  namespace: crud\n  resourceVersion: \"" + rv + "\"\n")
                .replace("a: \"1\"", "a: \"2\"");
        TestCluster.Result conflict = c.kubectlWithInput(stale, "replace", "-f", "-");
        assertThat(conflict.exit()).isNotZero();
        assertThat(conflict.err()).contains("Operation cannot be fulfilled on configmaps \"conf\": the object has been "
                + "modified; please apply your changes to the latest version and try again");
        assertThat(okWithInput(cm.replace("a: \"1\"", "a: \"3\""), "replace", "-f", "-").out())
                .contains("configmap/conf replaced");
        assertThat(ok("get", "cm", "conf", "-n", "crud", "-o", "jsonpath={.data.a}").out()).isEqualTo("3");
        assertThat(ok("delete", "configmap", "conf", "-n", "crud").out()).contains("configmap \"conf\" deleted");
        TestCluster.Result gone = c.kubectl("get", "cm", "conf", "-n", "crud");
        assertThat(gone.err()).contains("configmaps \"conf\" not found");
    }

    @Test
    void labelAnnotatePatchScaleAndSetImage() throws Exception {
        namespace("edit");
        ok("create", "deployment", "web", "-n", "edit", "--image=nginx:1.25", "--replicas=1");
        ok("label", "deployment", "web", "-n", "edit", "tier=front");
        ok("annotate", "deployment", "web", "-n", "edit", "owner=team-a");
        ok("scale", "deployment", "web", "-n", "edit", "--replicas=4");
        ok("set", "image", "deployment/web", "-n", "edit", "nginx=nginx:1.27");
        ok("patch", "deployment", "web", "-n", "edit", "--type=merge", "-p", "{\"spec\":{\"minReadySeconds\":5}}");
        ok("patch", "deployment", "web", "-n", "edit", "--type=json",
                "-p", "[{\"op\":\"add\",\"path\":\"/metadata/labels/via\",\"value\":\"json\"}]");
        ok("patch", "deployment", "web", "-n", "edit", "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"env\":[{\"name\":\"X\",\"value\":\"y\"}]}]}}}}");
        JsonNode d = Json.JSON.readTree(ok("get", "deployment", "web", "-n", "edit", "-o", "json").out());
        assertThat(d.at("/metadata/labels/tier").asText()).isEqualTo("front");
        assertThat(d.at("/metadata/labels/via").asText()).isEqualTo("json");
        assertThat(d.at("/metadata/annotations/owner").asText()).isEqualTo("team-a");
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(4);
        assertThat(d.at("/spec/minReadySeconds").asInt()).isEqualTo(5);
        JsonNode container = d.at("/spec/template/spec/containers/0");
        assertThat(container.path("image").asText()).isEqualTo("nginx:1.27");
        assertThat(container.at("/env/0/value").asText()).isEqualTo("y");
    }

    @Test
    void apiResourcesListsTheServedKinds() throws Exception {
        String out = ok("api-resources").out();
        assertThat(out).containsPattern("(?m)^pods\\s+po\\s+v1\\s+true\\s+Pod");
        assertThat(out).containsPattern("(?m)^deployments\\s+deploy\\s+apps/v1\\s+true\\s+Deployment");
        assertThat(out).containsPattern("(?m)^leases\\s+coordination.k8s.io/v1\\s+true\\s+Lease");
    }

    @Test
    void aWrongTokenIsRefusedAndARightOneAccepted() throws Exception {
        Path good = dir.resolve("token-good.kubeconfig");
        Path bad = dir.resolve("token-bad.kubeconfig");
        String template = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: cairn
                  cluster:
                    server: %s
                    certificate-authority: %s
                users:
                - name: alice
                  user:
                    token: %s
                contexts:
                - name: alice
                  context: {cluster: cairn, user: alice}
                current-context: alice
                """;
        String ca = c.server.pki().ca().certPath().toString();
        Files.writeString(good, template.formatted(c.server.url(), ca, "s3cret-token"));
        Files.writeString(bad, template.formatted(c.server.url(), ca, "wrong-token"));
        TestCluster.Result refused = c.kubectlWith(bad, null, "get", "namespaces");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("You must be logged in to the server");
        TestCluster.Result accepted = c.kubectlWith(good, null, "auth", "whoami", "-o", "jsonpath={.status.userInfo}");
        assertThat(accepted.exit()).as("%s", accepted).isZero();
        assertThat(accepted.out()).contains("\"username\":\"alice\"").contains("\"dev\"").contains("\"ops\"")
                .contains("system:authenticated");
    }

    /**
     * RBAC through kubectl, as a token user: {@code auth can-i} answers from the user's bindings, a forbidden request
     * is refused with kube-apiserver's 403 words, and binding the user (or one of its groups) to {@code view} or
     * {@code edit} in a namespace grants what those roles aggregate.
     */
    @Test
    void rbacDecidesWhatATokenUserMayDo() throws Exception {
        namespace("rbac");
        Path alice = tokenKubeconfig("alice", "s3cret-token", "rbac");
        TestCluster.Result no = c.kubectlWith(alice, null, "auth", "can-i", "list", "pods");
        assertThat(no.out().trim()).isEqualTo("no");
        assertThat(no.exit()).isNotZero();
        TestCluster.Result forbidden = c.kubectlWith(alice, null, "get", "pods");
        assertThat(forbidden.err()).contains("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API "
                + "group \"\" in the namespace \"rbac\"");

        ok("create", "rolebinding", "alice-view", "-n", "rbac", "--clusterrole", "view", "--user", "alice");
        assertThat(c.kubectlWith(alice, null, "auth", "can-i", "list", "pods").out().trim()).isEqualTo("yes");
        assertThat(c.kubectlWith(alice, null, "get", "pods").exit()).isZero();
        assertThat(c.kubectlWith(alice, null, "auth", "can-i", "create", "configmaps").out().trim()).isEqualTo("no");
        assertThat(c.kubectlWith(alice, null, "auth", "can-i", "get", "secrets").out().trim()).isEqualTo("no");
        assertThat(c.kubectlWith(alice, null, "auth", "can-i", "list", "pods", "-n", "default").out().trim())
                .as("the binding is only in its namespace").isEqualTo("no");
        TestCluster.Result create = c.kubectlWith(alice, null, "create", "configmap", "c1", "--from-literal=a=b");
        assertThat(create.err()).contains("configmaps is forbidden: User \"alice\" cannot create resource "
                + "\"configmaps\" in API group \"\" in the namespace \"rbac\"");

        ok("create", "rolebinding", "ops-edit", "-n", "rbac", "--clusterrole", "edit", "--group", "ops");
        assertThat(c.kubectlWith(alice, null, "auth", "can-i", "create", "deployments.apps").out().trim())
                .isEqualTo("yes");
        assertThat(c.kubectlWith(alice, null, "create", "configmap", "c1", "--from-literal=a=b").exit()).isZero();
        assertThat(c.kubectlWith(alice, null, "auth", "can-i", "create", "rolebindings").out().trim())
                .as("edit does not grant RBAC").isEqualTo("no");
        assertThat(ok("auth", "can-i", "delete", "nodes").out().trim()).as("the admin may").isEqualTo("yes");

        // a namespace admin may bind roles whose rules it holds, and no more (no escalation to cluster-admin)
        namespace("rbac2");
        ok("create", "rolebinding", "alice-admin", "-n", "rbac2", "--clusterrole", "admin", "--user", "alice");
        assertThat(c.kubectlWith(alice, null, "create", "rolebinding", "bob-view", "-n", "rbac2", "--clusterrole",
                "view", "--user", "bob").exit()).isZero();
        TestCluster.Result escalate = c.kubectlWith(alice, null, "create", "rolebinding", "me-root", "-n", "rbac2",
                "--clusterrole", "cluster-admin", "--user", "alice");
        assertThat(escalate.exit()).isNotZero();
        assertThat(escalate.err()).contains("is attempting to grant RBAC permissions not currently held");
        assertThat(c.kubectlWith(alice, null, "auth", "can-i", "delete", "nodes").out().trim()).isEqualTo("no");
    }

    /**
     * Service account tokens: {@code kubectl create token} issues one; a client using it is the account (and its
     * groups), RBAC decides what it may do, and the token stops working when the account is deleted.
     */
    @Test
    void aServiceAccountTokenAuthenticatesWhileItsAccountExists() throws Exception {
        namespace("sa");
        ok("create", "serviceaccount", "robot", "-n", "sa");
        String token = ok("create", "token", "robot", "-n", "sa", "--duration", "20m").out().trim();
        assertThat(token.split("\\.")).hasSize(3);
        Path robot = tokenKubeconfig("robot", token, "sa");
        TestCluster.Result who = c.kubectlWith(robot, null, "auth", "whoami", "-o", "jsonpath={.status.userInfo}");
        assertThat(who.exit()).as("%s", who).isZero();
        assertThat(who.out()).contains("system:serviceaccount:sa:robot").contains("system:serviceaccounts:sa");
        assertThat(c.kubectlWith(robot, null, "get", "configmaps").err()).contains("forbidden");
        ok("create", "rolebinding", "robot-view", "-n", "sa", "--clusterrole", "view", "--serviceaccount", "sa:robot");
        assertThat(c.kubectlWith(robot, null, "get", "configmaps").exit()).isZero();
        ok("delete", "serviceaccount", "robot", "-n", "sa");
        TestCluster.Result gone = c.kubectlWith(robot, null, "get", "configmaps");
        assertThat(gone.exit()).isNotZero();
        assertThat(gone.err()).contains("You must be logged in to the server");
    }

    /** kubectl validates strictly by default: a misspelt field of a built-in kind is refused, or warned of. */
    @Test
    void anUnknownFieldOfABuiltInKindIsRefusedOrWarnedOf() throws Exception {
        namespace("fields");
        String typo = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: typo}
                spec:
                  replica: 2
                  selector: {matchLabels: {app: typo}}
                  template:
                    metadata: {labels: {app: typo}}
                    spec:
                      containers: [{name: c, image: nginx, imagePullPolicy: IfNotPresent, imagePull: Always}]
                """;
        TestCluster.Result strict = c.kubectlWithInput(typo, "apply", "-n", "fields", "-f", "-");
        assertThat(strict.exit()).isNotZero();
        assertThat(strict.err()).contains("strict decoding error: unknown field \"spec.replica\", unknown field "
                + "\"spec.template.spec.containers[0].imagePull\"");
        TestCluster.Result warned = okWithInput(typo, "apply", "--validate=warn", "-n", "fields", "-f", "-");
        assertThat(warned.err()).contains("Warning: unknown field \"spec.replica\"");
        // let through, the unknown fields are dropped as kube-apiserver drops them: nothing stores a typo
        String stored = ok("get", "deployment", "typo", "-n", "fields", "-o", "json").out();
        assertThat(stored).doesNotContain("\"replica\"").doesNotContain("imagePull\"")
                .contains("\"imagePullPolicy\": \"IfNotPresent\"");
    }

    @Test
    void anInvalidNameIsRefusedWith422() throws Exception {
        TestCluster.Result r = c.kubectlWithInput("""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: Not_Valid
                data: {}
                """, "create", "-f", "-");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\": "
                + "a lowercase RFC 1123 subdomain must consist of");
    }

    /**
     * A CRD through {@code apply}, then its custom resources: {@code get} prints the definition's printer columns and
     * finds the short name, {@code patch --type merge} and {@code scale} go through, a schema violation is refused with
     * its cause, and {@code delete crd} waits until the objects are gone.
     */
    @Test
    void aCustomResourceDefinitionAndItsResources() throws Exception {
        namespace("crd");
        okWithInput(CustomResourceTest.WIDGETS, "apply", "-f", "-");
        ok("wait", "--for", "condition=established", "--timeout=20s", "crd/widgets.example.com");
        okWithInput("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: w1}
                spec: {size: 3, replicas: 1}
                """, "apply", "-n", "crd", "-f", "-");
        String unknown = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: 1, colour: red}\n";
        TestCluster.Result strict = c.kubectlWithInput(unknown, "apply", "-n", "crd", "-f", "-");
        assertThat(strict.exit()).as("kubectl validates strictly by default").isNotZero();
        assertThat(strict.err()).contains("strict decoding error: unknown field \"spec.colour\"");
        TestCluster.Result warned = okWithInput(unknown, "apply", "--validate=warn", "-n", "crd", "-f", "-");
        assertThat(warned.err()).contains("Warning: unknown field \"spec.colour\"");
        ok("delete", "widget", "w2", "-n", "crd");
        TestCluster.Result get = ok("get", "wd", "-n", "crd");
        assertThat(get.out()).containsPattern("NAME\\s+SIZE\\s+READY").containsPattern("w1\\s+3");
        ok("patch", "widget", "w1", "-n", "crd", "--type", "merge", "-p", "{\"spec\":{\"size\":7}}");
        ok("scale", "widget", "w1", "-n", "crd", "--replicas", "4");
        assertThat(ok("get", "widget", "w1", "-n", "crd", "-o", "jsonpath={.spec.size} {.spec.replicas}").out())
                .isEqualTo("7 4");
        TestCluster.Result bad = c.kubectl("patch", "widget", "w1", "-n", "crd", "--type", "merge", "-p",
                "{\"spec\":{\"size\":70}}");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("spec.size in body should be less than or equal to 10");
        ok("delete", "crd", "widgets.example.com", "--timeout=30s");
        TestCluster.Result gone = c.kubectl("get", "widgets", "-n", "crd");
        assertThat(gone.exit()).isNotZero();
        // (kubectl's discovery cache may still name the resource: then the server answers its list 404)
        assertThat(gone.err()).containsAnyOf("the server doesn't have a resource type \"widgets\"",
                "the server could not find the requested resource");
    }

    /**
     * {@code kubectl apply --server-side}: creates, configures, refuses to take a field another manager set (kubectl's
     * conflict message) and takes it with {@code --force-conflicts}.
     */
    @Test
    void serverSideApplyCreatesConfiguresConflictsAndForces() throws Exception {
        namespace("ssa");
        String v1 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n";
        assertThat(okWithInput(v1, "apply", "--server-side", "-n", "ssa", "-f", "-").out())
                .contains("configmap/settings serverside-applied");
        okWithInput(v1.replace("fast", "slow"), "apply", "--server-side", "-n", "ssa", "-f", "-");
        assertThat(ok("get", "cm", "settings", "-n", "ssa", "-o", "jsonpath={.data.mode}").out()).isEqualTo("slow");
        ok("patch", "cm", "settings", "-n", "ssa", "--type", "merge", "-p", "{\"data\":{\"mode\":\"manual\"}}");
        TestCluster.Result conflict = c.kubectlWithInput(v1, "apply", "--server-side", "-n", "ssa", "-f", "-");
        assertThat(conflict.exit()).isNotZero();
        assertThat(conflict.err()).contains("Apply failed with 1 conflict: conflict with \"kubectl-patch\"")
                .contains(".data.mode");
        okWithInput(v1, "apply", "--server-side", "--force-conflicts", "-n", "ssa", "-f", "-");
        assertThat(ok("get", "cm", "settings", "-n", "ssa", "-o", "jsonpath={.data.mode}").out()).isEqualTo("fast");
        assertThat(ok("get", "cm", "settings", "-n", "ssa", "--show-managed-fields", "-o",
                "jsonpath={.metadata.managedFields[*].manager}").out()).contains("kubectl");
    }
}
