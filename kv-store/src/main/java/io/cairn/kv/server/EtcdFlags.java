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
    /** Every flag {@code cairn kv} knows, with etcd's default (null: no default). */
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("name", "default");
        DEFAULTS.put("data-dir", null); // "<name>.cairn", like etcd's "<name>.etcd"
        DEFAULTS.put("listen-client-urls", "http://127.0.0.1:2379");
        DEFAULTS.put("advertise-client-urls", null); // the listen URLs
        DEFAULTS.put("listen-peer-urls", "http://127.0.0.1:2380");
        DEFAULTS.put("initial-advertise-peer-urls", null); // the listen peer URLs
        DEFAULTS.put("initial-cluster", null); // "<name>=<initial-advertise-peer-urls>"
        DEFAULTS.put("initial-cluster-state", "new");
        DEFAULTS.put("initial-cluster-token", "etcd-cluster");
        DEFAULTS.put("listen-metrics-urls", "");
        DEFAULTS.put("snapshot-count", "100000");
        DEFAULTS.put("heartbeat-interval", "100");
        DEFAULTS.put("election-timeout", "1000");
        DEFAULTS.put("peer-cert-file", null);
        DEFAULTS.put("peer-key-file", null);
        DEFAULTS.put("peer-trusted-ca-file", null);
        DEFAULTS.put("peer-client-cert-auth", "false");
        DEFAULTS.put("experimental-watch-progress-notify-interval", "10m0s");
        DEFAULTS.put("logger", "zap");
        DEFAULTS.put("log-level", "info");
    }

    /** Flags that take no value when given alone ({@code --peer-client-cert-auth}). */
    private static final Set<String> BOOLEANS = Set.of("peer-client-cert-auth");

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
            if (!DEFAULTS.containsKey(name)) {
                throw new IllegalArgumentException("unknown flag: --" + name);
            }
            if (value == null) {
                if (BOOLEANS.contains(name) && (i + 1 >= args.length || args[i + 1].startsWith("-"))) {
                    value = "true";
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
        if (text.isEmpty() || at != text.length() || millis < 1) {
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
