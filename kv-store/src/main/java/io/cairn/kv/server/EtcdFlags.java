package io.cairn.kv.server;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * etcd's command-line flags, as {@code cairn kv} takes them, so that a script that starts etcd starts Cairn by
 * changing the command name: {@code --name=x}, {@code --name x}, {@code -name x} (Go's flag syntax), defaults as
 * etcd's, and an unknown flag refused with a message that names it, as etcd refuses one.
 *
 * <p>Values are strings until asked for: {@link #urls} parses comma-separated URL lists, {@link #initialCluster}
 * etcd's {@code name=url,...} with a name repeated for each of its URLs.
 */
final class EtcdFlags {
    /** Every flag {@code cairn kv} knows (all of etcd 3.4's), with etcd's default (null: no default). */
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    /**
     * etcd 3.4's flags that mean nothing here (v2, proxy, discovery, bbolt and Go runtime settings, CORS, ...): taken
     * so that etcd's scripts start Cairn unchanged, and named once in the log as ignored when given, with the reason.
     */
    private static final Map<String, String> IGNORED = new LinkedHashMap<>();

    private static void flag(String name, String etcdDefault) {
        DEFAULTS.put(name, etcdDefault);
    }

    private static void ignored(String name, String etcdDefault, String why) {
        DEFAULTS.put(name, etcdDefault);
        IGNORED.put(name, why);
    }

    static {
        // member and cluster
        flag("name", "default");
        flag("data-dir", null); // "<name>.cairn", like etcd's "<name>.etcd"
        ignored("wal-dir", "", "the Raft log lives in the data directory");
        flag("snapshot-count", "100000");
        flag("heartbeat-interval", "100");
        flag("election-timeout", "1000");
        ignored("initial-election-tick-advance", "true", "a new member campaigns after one election timeout");
        flag("listen-peer-urls", "http://127.0.0.1:2380");
        flag("listen-client-urls", "http://127.0.0.1:2379");
        ignored("max-snapshots", "5", "the store keeps one snapshot, taken lazily");
        ignored("max-wals", "5", "log segments are removed once a snapshot covers them");
        flag("quota-backend-bytes", "0");
        ignored("backend-batch-interval", "", "the store commits each applied batch of Raft entries");
        ignored("backend-batch-limit", "0", "the store commits each applied batch of Raft entries");
        flag("max-txn-ops", "128");
        flag("max-request-bytes", "1572864");
        flag("max-concurrent-streams", "4294967295");
        flag("grpc-keepalive-min-time", "5s");
        flag("grpc-keepalive-interval", "2h");
        flag("grpc-keepalive-timeout", "20s");
        flag("advertise-client-urls", null); // the listen URLs
        flag("initial-advertise-peer-urls", null); // the listen peer URLs
        flag("initial-cluster", null); // "<name>=<initial-advertise-peer-urls>"
        flag("initial-cluster-state", "new");
        flag("initial-cluster-token", "etcd-cluster");
        ignored("discovery", "", "discovery services are not supported: use --initial-cluster");
        ignored("discovery-fallback", "proxy", "discovery services are not supported");
        ignored("discovery-proxy", "", "discovery services are not supported");
        ignored("discovery-srv", "", "discovery services are not supported");
        ignored("discovery-srv-name", "", "discovery services are not supported");
        flag("strict-reconfig-check", "true");
        ignored("pre-vote", "false", "Cairn always runs the pre-vote phase");
        flag("auto-compaction-retention", "0");
        flag("auto-compaction-mode", "periodic");
        ignored("enable-v2", "false", "only the v3 API is served");
        ignored("experimental-enable-v2v3", "", "only the v3 API is served");
        // security
        flag("cert-file", "");
        flag("key-file", "");
        flag("client-cert-auth", "false");
        ignored("client-crl-file", "", "certificate revocation lists are not checked");
        ignored("client-cert-allowed-hostname", "", "client certificates are checked against the CA only");
        flag("trusted-ca-file", "");
        ignored("auto-tls", "false", "give --cert-file and --key-file");
        flag("peer-cert-file", null);
        flag("peer-key-file", null);
        flag("peer-client-cert-auth", "false");
        flag("peer-trusted-ca-file", null);
        ignored("peer-cert-allowed-cn", "", "peer certificates are checked against the peer CA only");
        ignored("peer-cert-allowed-hostname", "", "peer certificates are checked against the peer CA only");
        ignored("peer-auto-tls", "false", "give the --peer-* files");
        ignored("peer-crl-file", "", "certificate revocation lists are not checked");
        ignored("cipher-suites", "", "the JDK's TLS 1.2 and 1.3 defaults are used");
        ignored("cors", "*", "no HTTP (v2) API is served");
        ignored("host-whitelist", "*", "no HTTP (v2) API is served");
        flag("auth-token", "simple"); // only simple tokens: jwt is refused at start
        flag("bcrypt-cost", "10"); // the cost of Cairn's PBKDF2 password hashes (io.cairn.kv.auth.PasswordHash)
        flag("auth-token-ttl", "300");
        // profiling, monitoring, logging
        ignored("enable-pprof", "false", "Go's profiler does not exist here: use JFR or async-profiler");
        ignored("metrics", "basic", "the same metrics are always exported");
        flag("listen-metrics-urls", "");
        flag("logger", "zap");
        ignored("log-outputs", "default", "logs go to standard error");
        flag("log-level", "info");
        flag("debug", "false");
        ignored("log-package-levels", "", "use --log-level");
        // proxy
        ignored("proxy", "off", "proxy mode is not supported");
        ignored("proxy-failure-wait", "5000", "proxy mode is not supported");
        ignored("proxy-refresh-interval", "30000", "proxy mode is not supported");
        ignored("proxy-dial-timeout", "1000", "proxy mode is not supported");
        ignored("proxy-write-timeout", "5000", "proxy mode is not supported");
        ignored("proxy-read-timeout", "0", "proxy mode is not supported");
        // experimental
        ignored("experimental-initial-corrupt-check", "false", "compare members with `etcdctl endpoint hashkv`");
        ignored("experimental-corrupt-check-time", "0s", "compare members with `etcdctl endpoint hashkv`");
        ignored("experimental-backend-bbolt-freelist-type", "array", "the store is RocksDB, not bbolt");
        ignored("experimental-enable-lease-checkpoint", "false", "a new leader extends leases by their TTL");
        ignored("experimental-compaction-batch-limit", "1000", "compaction deletes in batches of its own size");
        ignored("experimental-peer-skip-client-san-verification", "false",
                "peer certificates are checked against the peer CA only");
        flag("experimental-watch-progress-notify-interval", "10m0s");
        ignored("experimental-warning-apply-duration", "100ms", "slow applies are not warned of");
        ignored("force-new-cluster", "false", "not supported: restore a snapshot into a new member instead");
    }

    /** Flags that take no value when given alone ({@code --client-cert-auth}), as Go's boolean flags. */
    private static final Set<String> BOOLEANS = Set.of("initial-election-tick-advance", "strict-reconfig-check",
            "pre-vote", "enable-v2", "client-cert-auth", "auto-tls", "peer-client-cert-auth", "peer-auto-tls",
            "enable-pprof", "debug", "experimental-initial-corrupt-check", "experimental-enable-lease-checkpoint",
            "experimental-peer-skip-client-san-verification", "force-new-cluster");

    private final Map<String, String> given;

    private EtcdFlags(Map<String, String> given) {
        this.given = given;
    }

    /** Whether {@code args} ask for the list of flags. */
    static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help") || a.equals("-help")) {
                return true;
            }
        }
        return false;
    }

    /** The flags and their defaults, one a line. */
    static String usage() {
        StringBuilder b = new StringBuilder("Usage: cairn kv [flags]  (etcd's flags and syntax: --name=x or --name x)\n");
        for (Map.Entry<String, String> e : DEFAULTS.entrySet()) {
            String d = e.getValue() != null ? e.getValue() : switch (e.getKey()) {
                case "data-dir" -> "<name>.cairn";
                case "advertise-client-urls" -> "the --listen-client-urls";
                case "initial-advertise-peer-urls" -> "the --listen-peer-urls";
                case "initial-cluster" -> "<name>=<initial-advertise-peer-urls>";
                default -> "none";
            };
            b.append(String.format("  --%-30s default: %s%n", e.getKey(), d.isEmpty() ? "none" : d));
        }
        return b.toString();
    }

    /** Parses {@code args}; throws IllegalArgumentException naming the first flag it cannot take. */
    static EtcdFlags parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (flags are --name=value)");
            }
            String body = a.startsWith("--") ? a.substring(2) : a.substring(1);
            String name = body;
            String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
            }
            if (name.equals("config-file")) {
                throw new IllegalArgumentException("--config-file is not supported; pass etcd's flags on the command line");
            }
            if (!DEFAULTS.containsKey(name)) {
                throw new IllegalArgumentException("unknown flag: --" + name);
            }
            if (value == null) {
                if (BOOLEANS.contains(name)) {
                    value = "true"; // Go: a boolean flag alone is true; false needs --flag=false
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("flag needs an argument: --" + name);
                }
            }
            given.put(name, value);
        }
        return new EtcdFlags(given);
    }

    /**
     * A Go duration ({@code time.ParseDuration}: "10m", "1m30s", "500ms", "1.5h") in milliseconds; refused when it
     * is not one or is not positive.
     */
    static long durationMillis(String text) {
        long millis = durationMillisOrZero(text);
        if (millis < 1) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\" (use Go's form: 10m, 30s, 500ms)");
        }
        return millis;
    }

    /** {@link #durationMillis}, where "0" (Go's zero duration, etcd's "disabled") is also taken. */
    static long durationMillisOrZero(String text) {
        if (text.equals("0") || text.equals("0s")) {
            return 0;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(text);
        double millis = 0;
        int at = 0;
        while (at < text.length() && m.find(at) && m.start() == at) {
            double v = Double.parseDouble(m.group(1));
            millis += v * switch (m.group(2)) {
                case "ns" -> 1e-6;
                case "us", "µs" -> 1e-3;
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                default -> 3_600_000;
            };
            at = m.end();
        }
        if (text.isEmpty() || at != text.length()) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\" (use Go's form: 10m, 30s, 500ms)");
        }
        return (long) millis;
    }

    String get(String name) {
        if (!DEFAULTS.containsKey(name)) {
            throw new IllegalArgumentException("no flag --" + name);
        }
        String v = given.get(name);
        if (v != null) {
            return v;
        }
        return switch (name) {
            case "data-dir" -> get("name") + ".cairn";
            case "advertise-client-urls" -> get("listen-client-urls");
            case "initial-advertise-peer-urls" -> get("listen-peer-urls");
            case "initial-cluster" -> initialClusterDefault();
            default -> DEFAULTS.get(name);
        };
    }

    boolean isSet(String name) {
        return given.containsKey(name);
    }

    /** A boolean flag's value ({@code true}/{@code false} as Go's strconv.ParseBool takes them). */
    boolean getBoolean(String name) {
        String v = get(name).trim();
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw new IllegalArgumentException("invalid boolean value \"" + v + "\" for flag --" + name);
        };
    }

    /** The flags given that mean nothing here, each with why (to be logged once). */
    Map<String, String> ignoredGiven() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : given.keySet()) {
            if (IGNORED.containsKey(name)) {
                out.put(name, IGNORED.get(name));
            }
        }
        return out;
    }

    private String initialClusterDefault() {
        StringBuilder b = new StringBuilder();
        for (String url : get("initial-advertise-peer-urls").split(",")) {
            b.append(b.length() == 0 ? "" : ",").append(get("name")).append('=').append(url.trim());
        }
        return b.toString();
    }

    long getLong(String name) {
        try {
            return Long.parseLong(get(name).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value \"" + get(name) + "\" for flag --" + name
                    + ": not a number");
        }
    }

    /** A comma-separated list of http(s)://host:port URLs, each checked. */
    List<URI> urls(String name) {
        List<URI> out = new ArrayList<>();
        String v = get(name);
        if (v == null || v.isBlank()) {
            return out;
        }
        for (String s : v.split(",")) {
            out.add(url(name, s.trim()));
        }
        return out;
    }

    static URI url(String flag, String s) {
        URI u;
        try {
            u = new URI(s);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("invalid URL \"" + s + "\" for flag --" + flag + ": " + e.getMessage());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getPort() <= 0) {
            throw new IllegalArgumentException("URL \"" + s + "\" for flag --" + flag
                    + " must be http(s)://host:port");
        }
        return u;
    }

    static InetSocketAddress address(URI u) {
        return new InetSocketAddress(u.getHost(), u.getPort());
    }

    /** etcd's --initial-cluster: names to their peer URLs, in the order given. */
    Map<String, List<URI>> initialCluster() {
        Map<String, List<URI>> out = new LinkedHashMap<>();
        for (String part : get("initial-cluster").split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--initial-cluster entry \"" + p + "\" is not name=url");
            }
            out.computeIfAbsent(p.substring(0, eq), k -> new ArrayList<>())
                    .add(url("initial-cluster", p.substring(eq + 1)));
        }
        return out;
    }
}
