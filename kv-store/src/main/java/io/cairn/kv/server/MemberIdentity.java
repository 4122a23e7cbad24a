package io.cairn.kv.server;

import io.cairn.kv.EtcdIds;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Who a {@code cairn kv} member is: its name, its Raft member id, its cluster's id and the members it was formed
 * with or joined (name and peer URLs each), and whether it joined a running cluster. Computed once when a member
 * first starts, and stored in its data directory; a restart reads it back and ignores {@code --initial-cluster*},
 * as etcd does. The membership as it is now lives in the store's records (decision 0023); this is where it began.
 *
 * <p>A member of a new cluster ({@code --initial-cluster-state new}) derives the ids as etcd derives them, from
 * what every member of a new cluster is given alike: a member's id from its sorted peer URLs and the cluster token,
 * the cluster's id from its sorted member ids (the first 8 bytes of a SHA-1 each). So all members agree on every id
 * without talking, and two clusters formed with other tokens or URLs get other ids.
 *
 * <p>A member that joins ({@code --initial-cluster-state existing}, after {@code etcdctl member add}) cannot derive
 * its id: MemberAdd chose it. It asks a peer for the cluster's records, as etcd's new member asks its peers
 * {@code GET /members}, and takes the id of the record whose peer URLs are its own ({@link #fromCluster}, etcd's
 * {@code ValidateClusterAndAssignIDs}).
 */
record MemberIdentity(String name, long memberId, long clusterId, Map<Long, Member> members, boolean joined) {
    /** One member of the initial cluster. */
    record Member(String name, List<URI> peerUrls) {}

    static final String FILE = "identity.properties";

    MemberIdentity {
        members = Map.copyOf(members);
    }

    /** The identity of a member of a new cluster, from etcd's flags; refuses flags that do not agree. */
    static MemberIdentity fromFlags(EtcdFlags flags) {
        String name = flags.get("name");
        String token = flags.get("initial-cluster-token");
        Map<String, List<URI>> cluster = flags.initialCluster();
        List<URI> own = cluster.get(name);
        if (own == null) {
            throw new IllegalArgumentException("couldn't find local name \"" + name + "\" in the initial cluster"
                    + " configuration (--initial-cluster=" + flags.get("initial-cluster") + ")");
        }
        List<URI> advertised = flags.urls("initial-advertise-peer-urls");
        if (!sortedStrings(own).equals(sortedStrings(advertised))) {
            throw new IllegalArgumentException("--initial-cluster has " + name + "=" + join(own)
                    + " but missing from --initial-advertise-peer-urls=" + join(advertised));
        }
        Map<Long, Member> members = new TreeMap<>();
        long self = 0;
        for (Map.Entry<String, List<URI>> e : cluster.entrySet()) {
            long id = memberId(e.getValue(), token);
            if (members.put(id, new Member(e.getKey(), e.getValue())) != null) {
                throw new IllegalArgumentException("--initial-cluster names two members with the same peer URLs");
            }
            if (e.getKey().equals(name)) {
                self = id;
            }
        }
        return new MemberIdentity(name, self, clusterId(members.keySet()), members, false);
    }

    /**
     * The identity of a member joining a running cluster, from etcd's flags and the cluster's records as a peer
     * answered them: {@code --initial-cluster} must name exactly the members the records hold (matched by peer
     * URLs, as etcd matches them), this member's own among them with the id MemberAdd chose.
     */
    static MemberIdentity fromCluster(EtcdFlags flags, io.cairn.kv.proto.ClusterInfo info) {
        String name = flags.get("name");
        Map<String, List<URI>> cluster = flags.initialCluster();
        List<URI> own = cluster.get(name);
        if (own == null) {
            throw new IllegalArgumentException("couldn't find local name \"" + name + "\" in the initial cluster"
                    + " configuration (--initial-cluster=" + flags.get("initial-cluster") + ")");
        }
        if (cluster.size() != info.getMembersCount()) {
            throw new IllegalArgumentException("member count is unequal: --initial-cluster names " + cluster.size()
                    + " members, the cluster has " + info.getMembersCount() + " (" + describe(info) + ")");
        }
        Map<Long, Member> members = new TreeMap<>();
        long self = 0;
        for (Map.Entry<String, List<URI>> e : cluster.entrySet()) {
            io.cairn.kv.proto.etcd.Member match = null;
            for (io.cairn.kv.proto.etcd.Member m : info.getMembersList()) {
                if (sortedStrings(e.getValue()).equals(m.getPeerURLsList().stream().sorted().toList())) {
                    match = m;
                }
            }
            if (match == null) {
                throw new IllegalArgumentException("unmatched member while checking PeerURLs: " + e.getKey() + "="
                        + join(e.getValue()) + " is not a member of the cluster (" + describe(info) + ")"
                        + (e.getKey().equals(name) ? "; add it first: etcdctl member add " + name + " --peer-urls="
                        + join(e.getValue()) : ""));
            }
            members.put(match.getID(), new Member(e.getKey(), e.getValue()));
            if (e.getKey().equals(name)) {
                self = match.getID();
            }
        }
        List<URI> advertised = flags.urls("initial-advertise-peer-urls");
        if (!sortedStrings(own).equals(sortedStrings(advertised))) {
            throw new IllegalArgumentException("--initial-cluster has " + name + "=" + join(own)
                    + " but missing from --initial-advertise-peer-urls=" + join(advertised));
        }
        return new MemberIdentity(name, self, info.getClusterId(), members, true);
    }

    private static String describe(io.cairn.kv.proto.ClusterInfo info) {
        List<String> out = new ArrayList<>();
        for (io.cairn.kv.proto.etcd.Member m : info.getMembersList()) {
            out.add((m.getName().isEmpty() ? hex(m.getID()) + " (unstarted)" : m.getName()) + "="
                    + String.join(",", m.getPeerURLsList()));
        }
        return String.join(", ", out);
    }

    static long memberId(List<URI> peerUrls, String token) {
        StringBuilder b = new StringBuilder();
        for (String u : sortedStrings(peerUrls)) {
            b.append(u);
        }
        long id = EtcdIds.of(b.append(token).toString().getBytes(StandardCharsets.UTF_8));
        return id == 0 ? 1 : id; // Raft reserves 0 for "nobody"
    }

    static long clusterId(Collection<Long> memberIds) {
        ByteBuffer b = ByteBuffer.allocate(8 * memberIds.size());
        memberIds.stream().sorted(Long::compareUnsigned).forEach(b::putLong);
        return EtcdIds.of(b.array());
    }

    private static List<String> sortedStrings(List<URI> urls) {
        List<String> out = new ArrayList<>();
        for (URI u : urls) {
            out.add(u.toString());
        }
        out.sort(null);
        return out;
    }

    private static String join(List<URI> urls) {
        return String.join(",", urls.stream().map(URI::toString).toList());
    }

    static String hex(long id) {
        return Long.toHexString(id);
    }

    // ---------------------------------------------------------------------------------------------------
    // Stored form

    /** Writes the identity to {@code dir}/identity.properties durably (a temporary file, synced, renamed). */
    void store(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("member-id", hex(memberId));
        p.setProperty("cluster-id", hex(clusterId));
        p.setProperty("joined", Boolean.toString(joined));
        for (Map.Entry<Long, Member> e : members.entrySet()) {
            p.setProperty("member." + hex(e.getKey()), e.getValue().name() + " " + join(e.getValue().peerUrls()));
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "cairn kv member identity: written once, when the member first started; the membership as it"
                    + " is now lives in the store");
        }
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    static boolean exists(Path dir) {
        return Files.exists(dir.resolve(FILE));
    }

    static MemberIdentity load(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        try {
            Map<Long, Member> members = new TreeMap<>();
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("member.")) {
                    String[] v = p.getProperty(key).split(" ", 2);
                    List<URI> urls = new ArrayList<>();
                    for (String u : v[1].split(",")) {
                        urls.add(EtcdFlags.url("initial-cluster", u));
                    }
                    members.put(Long.parseUnsignedLong(key.substring(7), 16), new Member(v[0], urls));
                }
            }
            return new MemberIdentity(p.getProperty("name"), Long.parseUnsignedLong(p.getProperty("member-id"), 16),
                    Long.parseUnsignedLong(p.getProperty("cluster-id"), 16), members,
                    Boolean.parseBoolean(p.getProperty("joined", "false")));
        } catch (RuntimeException e) {
            throw new IOException(dir.resolve(FILE) + " is damaged (" + e + "); it cannot be used to restart", e);
        }
    }
}
