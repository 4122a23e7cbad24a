package io.cairn.apiserver.kubeconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.cairn.apiserver.auth.Pki;
import io.cairn.apiserver.auth.SecureFiles;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * kubeconfig files for this cluster: a standalone one ({@code <dataDir>/kubeconfig}), and the {@code cairn} entries
 * merged into, or removed from, a user's own kubeconfig.
 *
 * <h2>What is written</h2>
 * Cluster {@value #CLUSTER} (server URL and {@code certificate-authority-data}), user {@value #USER}
 * ({@code client-certificate-data}, {@code client-key-data}: the admin certificate), context {@value #CONTEXT} tying
 * them together. The {@code *-data} fields are base64 of the PEM files, as kubectl expects.
 *
 * <h2>Merging into a user's file</h2>
 * The file is read as a tree and every entry and field we do not own is kept, in order; only the {@code cairn}
 * cluster, user and context are added or updated in place (a namespace set on our context, or any field someone
 * added to our cluster, survives; fields that would conflict with ours, such as {@code certificate-authority} next to
 * {@code certificate-authority-data}, are dropped). When nothing changes the file is not rewritten at all; when it is,
 * YAML comments and formatting are not kept (kubectl's own {@code config} commands lose them the same way). When
 * {@code cairn} is made current, the previous {@code current-context} is remembered in an extension on our context
 * ({@value #PREVIOUS_CONTEXT_EXTENSION}; kubectl keeps context extensions when it rewrites the file), so that
 * {@link #remove} can switch back to it.
 *
 * <h2>Writing safely</h2>
 * A new file is mode 0600; an existing one keeps its permissions; a symbolic link is followed and its target
 * replaced. Every write is atomic and fsynced ({@link SecureFiles}). While a merge or removal runs, it holds
 * {@code <file>.lock}, created exclusively, which is the lock kubectl's {@code config} commands take, so the two never
 * interleave (a stale lock is reported, not broken).
 *
 * <p>Which file: {@link #defaultPath} chooses as kubectl does. Environment and home are parameters, so tests never
 * touch the real user's files. Stateless; thread-safe as far as the file lock is.
 */
public final class Kubeconfig {
    /** The cluster entry's name. */
    public static final String CLUSTER = "cairn";
    /** The user entry's name (the admin certificate's CN). */
    public static final String USER = Pki.ADMIN_USER;
    /** The context entry's name. */
    public static final String CONTEXT = "cairn";
    /** The extension on our context that remembers the current-context it replaced. */
    public static final String PREVIOUS_CONTEXT_EXTENSION = "cairn.io/previous-current-context";

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build());

    /** What a kubeconfig needs to reach this cluster as the admin. */
    public record Entry(String serverUrl, String certificateAuthorityData, String clientCertificateData,
            String clientKeyData) {
        public Entry {
            Objects.requireNonNull(serverUrl, "serverUrl");
            Objects.requireNonNull(certificateAuthorityData, "certificateAuthorityData");
            Objects.requireNonNull(clientCertificateData, "clientCertificateData");
            Objects.requireNonNull(clientKeyData, "clientKeyData");
        }

        /** The admin's entry for a server at {@code serverUrl} (e.g. {@code https://127.0.0.1:6443}). */
        public static Entry of(Pki pki, String serverUrl) {
            return new Entry(serverUrl, pki.ca().certBase64(), pki.admin().certBase64(), pki.admin().keyBase64());
        }
    }

    private Kubeconfig() {}

    /** A kubeconfig holding only this cluster, with {@code cairn} as the current context. */
    public static ObjectNode standalone(Entry entry) {
        ObjectNode config = emptyConfig();
        upsert(config, entry);
        config.put("current-context", CONTEXT);
        return config;
    }

    /** Writes {@link #standalone} to {@code file} (mode 0600, atomically), replacing what was there. */
    public static void writeStandalone(Path file, Entry entry) throws IOException {
        SecureFiles.createDirectory(file.toAbsolutePath().getParent(), SecureFiles.OWNER_ONLY_DIR);
        SecureFiles.writeAtomically(file, toYaml(standalone(entry)), SecureFiles.OWNER_ONLY);
    }

    /**
     * Adds or updates the {@code cairn} cluster, user and context in {@code file} (created, mode 0600, if missing).
     *
     * @param makeCurrent also make {@code cairn} the current context, remembering the previous one for {@link #remove}
     * @return whether the file changed
     * @throws IOException when the file cannot be read or written, is not a kubeconfig, or is locked
     */
    public static boolean merge(Path file, Entry entry, boolean makeCurrent) throws IOException {
        return update(file, true, config -> {
            String current = text(config.get("current-context"));
            ObjectNode context = upsert(config, entry);
            if (makeCurrent && !CONTEXT.equals(current)) {
                rememberPrevious(context, current);
                config.put("current-context", CONTEXT);
            } else if (!CONTEXT.equals(current)) {
                // Not current (any more): a remembered context would be restored by mistake later.
                forgetPrevious(context);
            }
        });
    }

    /**
     * Removes the {@code cairn} cluster, user and context from {@code file}. If {@code cairn} was current, the context
     * it replaced becomes current again (when it still exists), else {@code current-context} is left empty.
     *
     * @return whether the file changed (false also when it does not exist)
     */
    public static boolean remove(Path file) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        return update(file, false, config -> {
            ObjectNode ours = find(array(config, "contexts"), CONTEXT);
            String previous = ours == null ? null : previousContext(ours);
            removeNamed(array(config, "clusters"), CLUSTER);
            removeNamed(array(config, "users"), USER);
            removeNamed(array(config, "contexts"), CONTEXT);
            if (CONTEXT.equals(text(config.get("current-context")))) {
                boolean restorable = previous != null && find(array(config, "contexts"), previous) != null;
                config.put("current-context", restorable ? previous : "");
            }
        });
    }

    /**
     * The kubeconfig file kubectl's {@code config} commands write: with {@code KUBECONFIG} unset or empty,
     * {@code <home>/.kube/config}; with one path in it, that path; with several (separated by the platform's path
     * separator), the first that exists, or the last if none does (client-go's {@code GetDefaultFilename}). Empty
     * entries and repeats are ignored, as kubectl does.
     */
    public static Path defaultPath(Map<String, String> env, Path home) {
        String value = env.get("KUBECONFIG");
        Set<String> paths = new LinkedHashSet<>();
        if (value != null) {
            for (String p : value.split(java.util.regex.Pattern.quote(File.pathSeparator))) {
                if (!p.isEmpty()) {
                    paths.add(p);
                }
            }
        }
        if (paths.isEmpty()) {
            return home.resolve(".kube").resolve("config");
        }
        List<Path> list = paths.stream().map(Path::of).toList();
        if (list.size() > 1) {
            for (Path p : list) {
                if (Files.exists(p)) {
                    return p;
                }
            }
        }
        return list.get(list.size() - 1);
    }

    /** The YAML text of a kubeconfig tree, as written to files. */
    public static byte[] toYaml(JsonNode config) throws IOException {
        return YAML.writeValueAsBytes(config);
    }

    /** Reads a kubeconfig (YAML or JSON); an empty file is an empty config. */
    public static ObjectNode read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return emptyConfig();
        }
        JsonNode tree;
        try {
            tree = YAML.readTree(bytes);
        } catch (IOException e) {
            throw new IOException(file + " is not a readable kubeconfig: " + e.getMessage(), e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return emptyConfig();
        }
        if (!tree.isObject()) {
            throw new IOException(file + " is not a kubeconfig: its top level is not a mapping");
        }
        return (ObjectNode) tree;
    }

    // ---- the edit cycle -------------------------------------------------------------------------------------------

    private interface Edit {
        void apply(ObjectNode config) throws IOException;
    }

    /** Lock, read (or start empty), edit, and write back only if the tree changed. */
    private static boolean update(Path file, boolean create, Edit edit) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (create && !Files.isDirectory(parent)) {
            SecureFiles.createDirectory(parent, SecureFiles.OWNER_ONLY_DIR);
        }
        Path lock = file.resolveSibling(file.getFileName() + ".lock");
        try {
            Files.createFile(lock);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + " is locked: " + lock + " exists while another kubectl or cairn writes the "
                    + "file; if none is running, delete " + lock + " and try again", e);
        }
        try {
            boolean exists = Files.exists(file);
            Path target = exists ? file.toRealPath() : file;
            ObjectNode before = exists ? read(target) : emptyConfig();
            ObjectNode after = before.deepCopy();
            edit.apply(after);
            if (exists && after.equals(before)) {
                return false;
            }
            Set<PosixFilePermission> perms = exists ? SecureFiles.permissionsOf(target) : null;
            SecureFiles.writeAtomically(target, toYaml(after), perms == null ? SecureFiles.OWNER_ONLY : perms);
            return true;
        } finally {
            Files.deleteIfExists(lock);
        }
    }

    // ---- tree edits -----------------------------------------------------------------------------------------------

    private static ObjectNode emptyConfig() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("apiVersion", "v1");
        c.put("kind", "Config");
        c.putObject("preferences");
        c.putArray("clusters");
        c.putArray("users");
        c.putArray("contexts");
        c.put("current-context", "");
        return c;
    }

    /** Adds or updates our three entries in place; returns our context object (the {@code context:} mapping). */
    private static ObjectNode upsert(ObjectNode config, Entry entry) {
        ObjectNode cluster = body(namedEntry(array(config, "clusters"), CLUSTER), "cluster");
        cluster.remove(List.of("certificate-authority", "insecure-skip-tls-verify"));
        cluster.put("certificate-authority-data", entry.certificateAuthorityData());
        cluster.put("server", entry.serverUrl());

        ObjectNode userEntry = namedEntry(array(config, "users"), USER);
        ObjectNode user = userEntry.putObject("user"); // the credentials are wholly ours: replace them
        user.put("client-certificate-data", entry.clientCertificateData());
        user.put("client-key-data", entry.clientKeyData());

        ObjectNode context = body(namedEntry(array(config, "contexts"), CONTEXT), "context");
        context.put("cluster", CLUSTER);
        context.put("user", USER);
        return context;
    }

    /** The list {@code config[key]}, created (replacing a null) when missing. */
    private static ArrayNode array(ObjectNode config, String key) {
        JsonNode n = config.get(key);
        if (n instanceof ArrayNode a) {
            return a;
        }
        return config.putArray(key);
    }

    /** The entry named {@code name}, appended (as {@code {name: …}}) when missing. */
    private static ObjectNode namedEntry(ArrayNode list, String name) {
        ObjectNode e = find(list, name);
        if (e == null) {
            e = list.addObject();
            e.put("name", name);
        }
        return e;
    }

    /** {@code entry[key]} as a mapping, created when missing. */
    private static ObjectNode body(ObjectNode entry, String key) {
        JsonNode n = entry.get(key);
        return n instanceof ObjectNode o ? o : entry.putObject(key);
    }

    private static ObjectNode find(ArrayNode list, String name) {
        for (JsonNode e : list) {
            if (e instanceof ObjectNode o && name.equals(text(o.get("name")))) {
                return o;
            }
        }
        return null;
    }

    private static void removeNamed(ArrayNode list, String name) {
        for (Iterator<JsonNode> it = list.elements(); it.hasNext(); ) {
            if (name.equals(text(it.next().get("name")))) {
                it.remove();
            }
        }
    }

    private static void rememberPrevious(ObjectNode context, String previous) {
        forgetPrevious(context);
        if (previous == null || previous.isEmpty()) {
            return;
        }
        ObjectNode ext = array(context, "extensions").addObject();
        ext.put("name", PREVIOUS_CONTEXT_EXTENSION);
        ext.putObject("extension").put("context", previous);
    }

    private static void forgetPrevious(ObjectNode context) {
        JsonNode exts = context.get("extensions");
        if (exts instanceof ArrayNode a) {
            removeNamed(a, PREVIOUS_CONTEXT_EXTENSION);
            if (a.isEmpty()) {
                context.remove("extensions");
            }
        }
    }

    private static String previousContext(ObjectNode entry) {
        JsonNode exts = entry.path("context").get("extensions");
        if (exts instanceof ArrayNode a) {
            ObjectNode ext = find(a, PREVIOUS_CONTEXT_EXTENSION);
            if (ext != null) {
                String p = text(ext.path("extension").get("context"));
                return p == null || p.isEmpty() ? null : p;
            }
        }
        return null;
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    /** The names of the entries in {@code config[key]}, for tests and messages. */
    public static List<String> names(JsonNode config, String key) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : config.path(key)) {
            out.add(e.path("name").asText());
        }
        return out;
    }
}
