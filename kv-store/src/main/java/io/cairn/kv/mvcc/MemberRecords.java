package io.cairn.kv.mvcc;

import io.cairn.kv.proto.etcd.Member;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The cluster's membership as the store holds it (decision 0023): every member's record (etcd's {@link Member}: ID,
 * name, peer URLs, client URLs, learner or not), in ID order, and the IDs removed, which never come back. Replicated
 * through the log like any write, so every member that applied the same entries holds the same records, and they
 * travel in snapshots and survive restarts.
 *
 * <p>No members and nothing removed means a store that has not been bootstrapped yet (a new cluster before its
 * first leader took the initial members, or a joining member before it caught up). Immutable.
 */
public record MemberRecords(List<Member> members, Set<Long> removed) {
    /** A store with no membership yet. */
    public static final MemberRecords NONE = new MemberRecords(List.of(), Set.of());

    public MemberRecords {
        members = List.copyOf(members);
        removed = Set.copyOf(removed);
    }

    /** Whether the store has taken a membership at all (members are never all removed). */
    public boolean bootstrapped() {
        return !members.isEmpty();
    }

    /** Member {@code id}'s record, or null. */
    public Member member(long id) {
        for (Member m : members) {
            if (m.getID() == id) {
                return m;
            }
        }
        return null;
    }

    public boolean isRemoved(long id) {
        return removed.contains(id);
    }

    /** The member whose peer URLs are exactly {@code peerUrls} (in any order), or null. */
    public Member withPeerUrls(List<String> peerUrls) {
        List<String> wanted = sorted(peerUrls);
        for (Member m : members) {
            if (sorted(m.getPeerURLsList()).equals(wanted)) {
                return m;
            }
        }
        return null;
    }

    /** How many learners there are. */
    public int learnerCount() {
        int n = 0;
        for (Member m : members) {
            if (m.getIsLearner()) {
                n++;
            }
        }
        return n;
    }

    /** Whether any member other than {@code except} has one of {@code peerUrls}. */
    public boolean peerUrlTaken(List<String> peerUrls, long except) {
        Set<String> taken = new HashSet<>();
        for (Member m : members) {
            if (m.getID() != except) {
                taken.addAll(m.getPeerURLsList());
            }
        }
        for (String u : peerUrls) {
            if (taken.contains(u)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code urls} checked as etcd's {@code types.NewURLs} checks peer URLs (at least one; each
     * {@code http(s)://host:port} with no path) and sorted, as etcd stores them; etcd's "given member URLs are
     * invalid" otherwise.
     */
    public static List<String> checkPeerUrls(List<String> urls) {
        if (urls.isEmpty()) {
            throw KvErrors.memberBadUrls();
        }
        for (String s : urls) {
            URI u;
            try {
                u = new URI(s.trim());
            } catch (URISyntaxException e) {
                throw KvErrors.memberBadUrls();
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            boolean noPath = u.getRawPath() == null || u.getRawPath().isEmpty();
            if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null || u.getPort() <= 0
                    || !noPath || u.getRawQuery() != null || u.getRawFragment() != null || !s.equals(s.trim())) {
                throw KvErrors.memberBadUrls();
            }
        }
        return sorted(urls);
    }

    static List<String> sorted(List<String> urls) {
        List<String> out = new ArrayList<>(urls);
        out.sort(null);
        return out;
    }
}
