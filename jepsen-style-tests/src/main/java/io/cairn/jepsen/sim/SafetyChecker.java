package io.cairn.jepsen.sim;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.core.SoftState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Raft's safety properties (paper Figure 3 and the durability rule), checked incrementally on every {@code Ready}
 * a member hands out, every start and every snapshot install (the events that change what a member holds; a
 * message in flight changes nothing until it is stepped and shows in a Ready).
 *
 * <p>The checker sees every {@code Ready} before the simulator acts on it, so it knows each member's log
 * exactly. Comparing whole logs after every event would be quadratic; instead each member's log is summarised
 * by a chain hash per index ({@code h[i] = mix(h[i-1], term, data)}), so "two logs agree up to i" is one
 * comparison:
 * <ul>
 *   <li><b>election safety</b>: at most one leader per term;</li>
 *   <li><b>log matching</b>: two entries with the same index and term have the same chain hash (so the same
 *       history before them);</li>
 *   <li><b>leader completeness</b>: a new leader's log holds every entry committed so far;</li>
 *   <li><b>state machine safety</b>: the committed prefix never changes: any member's commit index points at
 *       the same chain hash as the global committed log;</li>
 *   <li><b>monotonic commit</b>: a member's commit index never decreases while it runs;</li>
 *   <li><b>durability</b>: when an index first becomes committed, a quorum of the configuration in effect on the
 *       committing member when its commit passed that index (both halves during joint consensus) holds that entry
 *       on disk. That is the configuration the {@code Ready} shows, unless it changed since the member's previous
 *       Ready: the real runtime hands out one Ready per batch of inputs, and a batch may commit and then append a
 *       configuration ({@link #onConfigurationChanged} says when).</li>
 * </ul>
 * Members that install a snapshot take the committed chain hash at its index as their own.
 * The first violation is kept; the simulation stops there.
 */
final class SafetyChecker {
    private final int nodes;
    private final Map<Long, Long> leaderOfTerm = new TreeMap<>();
    /** For each term, the highest index its leader committed. */
    private final TreeMap<Long, Long> committedByTerm = new TreeMap<>();
    /** (index, term) to chain hash, over every entry any member ever held. */
    private final Map<Long, Map<Long, Long>> chainOf = new HashMap<>();
    private final long[][] chains;
    private final long[] chainLength;
    private final long[] lastCommit;
    private long[] committedChain = new long[1024];
    private long[] committedTerm = new long[1024];
    private long globalCommit;
    /** The configuration in effect after the globally committed prefix. */
    private Configuration committedConfig;
    /** Per member: the configuration known to be in effect since its previous Ready (null: unknown, as at a start). */
    private final Configuration[] configKnown;
    /** Per member: the configurations replaced since its previous Ready, in order, with its commit index then. */
    private final List<List<Replaced>> replacedSinceReady = new ArrayList<>();
    private String violation;

    /** {@code config} was in effect until the commit index was {@code commit}. */
    private record Replaced(long commit, Configuration config) {}

    SafetyChecker(int nodes, Configuration initial) {
        this.committedConfig = initial;
        this.nodes = nodes;
        this.chains = new long[nodes + 1][];
        this.chainLength = new long[nodes + 1];
        this.lastCommit = new long[nodes + 1];
        this.configKnown = new Configuration[nodes + 1];
        for (int i = 0; i <= nodes; i++) {
            replacedSinceReady.add(new ArrayList<>());
        }
        for (int i = 1; i <= nodes; i++) {
            chains[i] = new long[1024];
        }
    }

    String violation() {
        return violation;
    }

    long globalCommit() {
        return globalCommit;
    }

    long committedTerm(long index) {
        return committedTerm[(int) index];
    }

    private void fail(String message) {
        if (violation == null) {
            violation = message;
        }
    }

    /** A member (re)started with a durable snapshot up to {@code snapshotIndex} (0: none), entries and commit. */
    void onStart(int node, long snapshotIndex, List<Entry> durable, long commit) {
        chainLength[node] = 0;
        configKnown[node] = null;
        replacedSinceReady.get(node).clear();
        if (snapshotIndex > 0) {
            onSnapshotInstalled(node, snapshotIndex);
        }
        appendChain(node, durable);
        lastCommit[node] = commit;
    }

    /** A member replaced its log by a snapshot ending at {@code index}, which must be committed. */
    void onSnapshotInstalled(int node, long index) {
        if (index > globalCommit) {
            fail("n" + node + " holds a snapshot up to " + index + " beyond the committed index " + globalCommit);
            return;
        }
        ensureChainCapacity(node, index);
        chains[node][(int) index] = committedChain[(int) index];
        chainLength[node] = index;
    }

    private void ensureChainCapacity(int node, long index) {
        if (index >= chains[node].length) {
            chains[node] = Arrays.copyOf(chains[node], (int) Math.max(index + 1, chains[node].length * 2L));
        }
    }

    Configuration committedConfiguration() {
        return committedConfig;
    }

    /** A member handed out entries to write (the tail of its in-memory log, from the first one's index). */
    void onEntries(int node, List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        if (first > chainLength[node] + 1) {
            fail("n" + node + " appended entries from " + first + " after a gap (last " + chainLength[node] + ")");
            return;
        }
        chainLength[node] = first - 1;
        appendChain(node, entries);
    }

    private void appendChain(int node, List<Entry> entries) {
        for (Entry e : entries) {
            long i = e.index();
            long prev = i == 1 ? 0 : chains[node][(int) i - 1];
            long h = mix(prev, e.term(), Arrays.hashCode(e.data()) * 31L + e.type().ordinal());
            ensureChainCapacity(node, i);
            chains[node][(int) i] = h;
            chainLength[node] = i;
            Long seen = chainOf.computeIfAbsent(i, k -> new HashMap<>(4)).putIfAbsent(e.term(), h);
            if (seen != null && seen != h) {
                fail("log matching: n" + node + " holds entry " + e.term() + "/" + i
                        + " with a different history than another member's entry " + e.term() + "/" + i);
            }
        }
    }

    /** A member's role changed. */
    void onSoftState(int node, SoftState s) {
        if (s.role() != Role.LEADER) {
            return;
        }
        Long other = leaderOfTerm.putIfAbsent(s.term(), (long) node);
        if (other != null && other != node) {
            fail("election safety: n" + other + " and n" + node + " are both leaders of term " + s.term());
        }
        // Leader completeness (§5.4): entries committed by leaders of earlier terms are in this leader's log. A
        // leader of an older term may still be elected after a newer term committed more; it cannot commit.
        long required = 0;
        for (long c : committedByTerm.headMap(s.term()).values()) {
            required = Math.max(required, c);
        }
        if (chainLength[node] < required
                || (required > 0 && chains[node][(int) required] != committedChain[(int) required])) {
            fail("leader completeness: n" + node + " leads term " + s.term() + " without every entry committed in"
                    + " earlier terms (committed up to " + required + ")");
        }
    }

    /**
     * Member {@code node}'s configuration in effect became {@code next} between two of its Readies (a runtime that
     * handles a batch of inputs per Ready reports each change as it happens), while its commit index was
     * {@code commit}: what the batch committed up to there was counted with the configuration it replaced.
     */
    void onConfigurationChanged(int node, Configuration next, long commit) {
        if (configKnown[node] != null) {
            replacedSinceReady.get(node).add(new Replaced(commit, configKnown[node]));
            configKnown[node] = next;
        }
    }

    /**
     * A member's commit index is now {@code commit}, with {@code config} in effect; {@code durable} tells how many
     * members hold an entry durably.
     */
    void onCommit(int node, long commit, boolean leader, long term, Configuration config, DurableCount durable) {
        // The configurations replaced since the previous Ready count only if the changes reported lead to this one
        // (else, as after a restart, the configuration of the Ready judges everything).
        List<Replaced> replaced = config.equals(configKnown[node]) ? List.copyOf(replacedSinceReady.get(node))
                : List.of();
        configKnown[node] = config;
        replacedSinceReady.get(node).clear();
        checkCommit(node, commit, leader, term, config, replaced, durable);
    }

    private void checkCommit(int node, long commit, boolean leader, long term, Configuration config,
            List<Replaced> replaced, DurableCount durable) {
        if (leader && commit > 0) {
            committedByTerm.merge(term, commit, Math::max);
        }
        if (commit < lastCommit[node]) {
            fail("commit index of n" + node + " went back from " + lastCommit[node] + " to " + commit);
            return;
        }
        lastCommit[node] = commit;
        if (commit == 0) {
            return;
        }
        if (commit > chainLength[node]) {
            fail("n" + node + " commits " + commit + " beyond the entries it wrote (" + chainLength[node] + ")");
            return;
        }
        if (commit <= globalCommit) {
            if (chains[node][(int) commit] != committedChain[(int) commit]) {
                fail("state machine safety: n" + node + " committed a different entry at " + commit
                        + " than was committed before");
            }
            return;
        }
        if (globalCommit > 0 && chains[node][(int) globalCommit] != committedChain[(int) globalCommit]) {
            fail("state machine safety: n" + node + " extends the committed log from a different prefix at "
                    + globalCommit);
            return;
        }
        ensureCommittedCapacity(commit);
        // The committing member counted a quorum of the configuration in effect for it (the latest in its log,
        // thesis §4.1; a joint one needs both halves) when its commit passed the entry: that quorum must hold every
        // newly committed entry on disk.
        for (long i = globalCommit + 1; i <= commit; i++) {
            committedChain[(int) i] = chains[node][(int) i];
            Entry e = durable.entry(node, i);
            committedTerm[(int) i] = e.term();
            Configuration counted = config;
            for (int k = replaced.size() - 1; k >= 0 && replaced.get(k).commit() >= i; k--) {
                counted = replaced.get(k).config();
            }
            String shortfall = quorumShortfall(e, durable, counted.voters());
            if (shortfall == null) {
                shortfall = quorumShortfall(e, durable, counted.outgoing());
            }
            if (shortfall != null) {
                fail("durability: entry " + e.term() + "/" + i + " became committed (by n" + node + ", configuration "
                        + counted + (counted == config ? "" : ", before " + config + " replaced it in the same Ready")
                        + ") while " + shortfall);
            }
            if (e.type() == EntryType.CONFIG) {
                committedConfig = Configuration.decode(e.data());
            }
        }
        globalCommit = commit;
    }

    /** Null if a majority of {@code voters} holds {@code e} durably (or there are none), else what is missing. */
    private static String quorumShortfall(Entry e, DurableCount durable, long[] voters) {
        if (voters.length == 0) {
            return null;
        }
        int holders = 0;
        for (long v : voters) {
            holders += durable.holds((int) v, e.index(), e.term()) ? 1 : 0;
        }
        int quorum = voters.length / 2 + 1;
        return holders >= quorum ? null
                : "only " + holders + " of the voters " + Arrays.toString(voters) + " hold it durably";
    }

    private void ensureCommittedCapacity(long index) {
        if (index >= committedChain.length) {
            int n = (int) Math.max(index + 1, committedChain.length * 2L);
            committedChain = Arrays.copyOf(committedChain, n);
            committedTerm = Arrays.copyOf(committedTerm, n);
        }
    }

    /** Whether members {@code a} and {@code b} hold identical logs of the same length. */
    boolean sameLog(int a, int b) {
        return chainLength[a] == chainLength[b]
                && (chainLength[a] == 0 || chains[a][(int) chainLength[a]] == chains[b][(int) chainLength[b]]);
    }

    long chainLength(int node) {
        return chainLength[node];
    }

    /** Lets the checker ask the simulator about members' logs and disks. */
    interface DurableCount {
        /** The entry at {@code index} in member {@code node}'s in-memory log. */
        Entry entry(int node, long index);

        /** Whether member {@code node} holds entry {@code (index, term)} on disk. */
        boolean holds(int node, long index, long term);
    }

    private static long mix(long prev, long term, long data) {
        long h = prev * 0x9E3779B97F4A7C15L + term * 0xC2B2AE3D27D4EB4FL + data;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
