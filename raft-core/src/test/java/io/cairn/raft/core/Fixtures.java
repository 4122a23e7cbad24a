package io.cairn.raft.core;

import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * Small builders shared by the rule tests: configurations, hand-made logs, and ways to look at what a
 * {@link Ready} or a {@link TestCluster}'s network holds. Tests drive single {@link RaftNode}s directly when
 * they need to control persistence exactly, and a {@link TestCluster} when several members must talk.
 */
final class Fixtures {
    private Fixtures() {}

    /** The protocol of the paper's §5 alone: no pre-vote, no check-quorum (tests that need them turn them on). */
    static RaftConfig.Builder plain(long id, long... voters) {
        return RaftConfig.builder(id, voters).preVote(false).checkQuorum(false);
    }

    /** {@link #plain} for use as a {@link TestCluster} tweak, with more settings after it. */
    static Consumer<RaftConfig.Builder> plain(Consumer<RaftConfig.Builder> more) {
        return b -> more.accept(b.preVote(false).checkQuorum(false));
    }

    static Consumer<RaftConfig.Builder> plain() {
        return plain(b -> { });
    }

    /** A brand-new member whose random draws are always 0 (election timeout exactly electionTicks). */
    static RaftNode fresh(RaftConfig config) {
        return RaftNode.create(config, bound -> 0, Tracer.NONE);
    }

    /** A member restarted with hard state (term, vote, commit) and a log whose entry i has term entryTerms[i-1]. */
    static RaftNode withLog(RaftConfig config, long term, long vote, long commit, long... entryTerms) {
        return RaftNode.restart(config, new HardState(term, vote, commit), entries(entryTerms), 0, bound -> 0,
                Tracer.NONE);
    }

    /** Command entries 1..n with the given terms; entry i carries the bytes "e{i}". */
    static List<Entry> entries(long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(entry(terms[i], i + 1));
        }
        return out;
    }

    static Entry entry(long term, long index) {
        return Entry.command(term, index, ("e" + index).getBytes(StandardCharsets.UTF_8));
    }

    /** A command of {@code size} bytes, so that its entry counts {@code size + Entry.OVERHEAD_BYTES}. */
    static byte[] bytes(int size) {
        return new byte[size];
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Handles a member's Ready as a runtime whose writes are instantly durable would. */
    static Ready handle(RaftNode n) {
        Ready r = n.ready();
        if (!r.entries.isEmpty()) {
            n.persisted(r.persistIndex(), r.persistTerm());
        }
        return r;
    }

    /** Both kinds of outgoing messages of a Ready. */
    static List<Message> sent(Ready r) {
        List<Message> all = new ArrayList<>(r.messages);
        all.addAll(r.messagesAfterPersist);
        return all;
    }

    static List<Message> ofType(Collection<Message> messages, MessageType type) {
        return messages.stream().filter(m -> m.type() == type).toList();
    }

    static List<Message> to(Collection<Message> messages, long to, MessageType type) {
        return messages.stream().filter(m -> m.to() == to && m.type() == type).toList();
    }

    /** Terms of a member's in-memory log, index 1 first. */
    static List<Long> logTerms(RaftNode n) {
        List<Long> out = new ArrayList<>();
        for (long i = n.log().firstIndex(); i <= n.log().lastIndex(); i++) {
            out.add(n.log().term(i));
        }
        return out;
    }

    static List<Long> terms(long... terms) {
        List<Long> out = new ArrayList<>();
        for (long t : terms) {
            out.add(t);
        }
        return out;
    }

    /** (index, term) of each entry, for comparing what two members applied. */
    static List<String> positions(List<Entry> entries) {
        return entries.stream().map(e -> e.index() + "/" + e.term()).toList();
    }

    /** Proposes {@code change} on {@code leader}, which must accept it, and stabilizes the cluster. */
    static void changeMembership(TestCluster c, long leader, ConfigChange change) {
        ProposeResult r = c.node(leader).proposeConfigChange(change);
        if (!r.accepted()) {
            throw new AssertionError("configuration change " + change + " refused: " + r);
        }
        c.stabilize();
    }

    /** Adds a voter with an explicit leave, so that the group stays in joint consensus until told to leave. */
    static ConfigChange addVotersExplicitly(long... ids) {
        List<ConfigChange.Change> changes = new ArrayList<>();
        for (long id : ids) {
            changes.add(new ConfigChange.Change(ConfigChange.Type.ADD_VOTER, id));
        }
        return new ConfigChange(changes, true);
    }

    /** Configuration entries in a member's in-memory log, decoded, in log order. */
    static List<Configuration> configEntries(RaftNode n) {
        List<Configuration> out = new ArrayList<>();
        for (long i = n.log().firstIndex(); i <= n.log().lastIndex(); i++) {
            Entry e = n.log().entry(i);
            if (e.type() == EntryType.CONFIG) {
                out.add(Configuration.decode(e.data()));
            }
        }
        return out;
    }

    static Configuration voters(long... ids) {
        return Configuration.ofVoters(ids);
    }

    /** Runs the processReady/deliver loop of {@link TestCluster#stabilize} while a member is not yet leader. */
    static void electManually(TestCluster c, long id) {
        c.node(id).campaign();
        for (int i = 0; i < 20 && c.node(id).role() != Role.LEADER; i++) {
            for (long m : c.nodes.keySet()) {
                c.processReady(m);
            }
            c.deliver(msg -> msg.type() != MessageType.APPEND && msg.type() != MessageType.APPEND_RESPONSE);
        }
        if (c.node(id).role() != Role.LEADER) {
            throw new AssertionError(id + " did not win the election: " + c.node(id).role());
        }
    }

    /**
     * The logs of the paper's Figure 8 (c), in a group of five with one entry per AppendEntries: S1 and S2 hold
     * (1/1, 2/2) from S1's term-2 leadership, S3 and S4 only 1/1, and S5 holds 2/3, written while it led term 3.
     * Everyone is at term 3 and knows 1 committed. S1 then wins term 4 with the votes of S2 and S3 (S4 and S5
     * are cut off) and, as a leader must, appends its no-op 3/4.
     */
    static TestCluster figure8(java.util.Set<InjectedBug> bugs) {
        TestCluster c = new TestCluster(5, plain(b -> b.messageBytesMax(1).injectedBugs(bugs)));
        c.load(1, new HardState(3, RaftNode.NONE, 1), entries(1, 2));
        c.load(2, new HardState(3, RaftNode.NONE, 1), entries(1, 2));
        c.load(3, new HardState(3, RaftNode.NONE, 1), entries(1));
        c.load(4, new HardState(3, RaftNode.NONE, 1), entries(1));
        c.load(5, new HardState(3, 5, 1), entries(1, 3));
        c.isolated.add(4L);
        c.isolated.add(5L);
        electManually(c, 1);
        return c;
    }

    /**
     * Continues {@link #figure8}: S1 sends its no-op, S2 takes it, S3 lacks entry 2 and is repaired up to 2/2
     * but the no-op is not on it: it got the no-op before 2/2, held it in memory (as a follower holds an append
     * that arrives ahead of its predecessor) and restarted. Entry 2/2 is now on S1, S2 and S3, a
     * majority of five; the no-op 3/4 only on S1 and S2.
     */
    static void figure8ReplicateOldEntryToMajority(TestCluster c) {
        c.processReady(1);                      // no-op to S2 and S3 (prev 2/2)
        c.deliver(m -> true);
        c.processReady(2);                      // S2 acks 3
        c.processReady(3);                      // S3 rejects: it has no entry 2
        List<Message> rejection = c.network.stream().filter(m -> m.from() == 3).toList();
        c.restart(3);                           // and restarts, losing the no-op it held for after 2/2
        c.network.addAll(rejection);            // (its rejection was already on the network)
        c.deliverTo(1);
        c.processReady(1);                      // probe S3 with entry 2/2 (one entry per message)
        c.deliverTo(3);
        c.processReady(3);                      // S3 acks 2
        c.deliverTo(1);
    }

    /**
     * Member 1 leads term 1 and commits x at index 2, but the appends announcing commit=2 are lost and 1 is cut
     * off; 2 (which holds x but believes only 1 committed) is then elected for term 2, its no-op not yet sent.
     * A read served by 2 at index 1 would miss x, whose write the client already saw succeed.
     */
    static TestCluster readAfterUnannouncedCommit(java.util.Set<InjectedBug> bugs) {
        TestCluster c = new TestCluster(3, plain(b -> b.injectedBugs(bugs)));
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.processReady(1);
        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);
        c.deliverTo(1);
        org.assertj.core.api.Assertions.assertThat(c.node(1).log().committed()).isEqualTo(2);
        c.processReady(1);
        c.network.clear();      // the appends announcing commit=2 are lost, and 1 crashes
        c.isolated.add(1L);
        org.assertj.core.api.Assertions.assertThat(c.node(2).log().committed()).isEqualTo(1);
        electManually(c, 2);
        return c;
    }
}
