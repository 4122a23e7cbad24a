package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.bs;
import static io.cairn.kv.mvcc.Req.cmd;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.kv.mvcc.DirectoryListing.Child;
import io.cairn.kv.proto.KvCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The directory listing: children, their flags and order, pagination, and a cost in children, not keys. */
class DirectoryListingTest {
    private StoreFixture f;

    @BeforeEach
    void open() throws Exception {
        f = new StoreFixture();
    }

    @AfterEach
    void close() throws Exception {
        f.close();
    }

    private void put(String... keys) {
        List<KvCommand> puts = new ArrayList<>();
        for (String k : keys) {
            puts.add(cmd(Req.put(k, "v")));
        }
        f.applyAll(puts);
    }

    private DirectoryListing list(String prefix, String startAfter, int limit) {
        return f.store.listChildren(prefix.getBytes(StandardCharsets.UTF_8),
                startAfter == null ? null : startAfter.getBytes(StandardCharsets.UTF_8), limit);
    }

    /** Every child, asking {@code pageSize} at a time and going on after the last name of each page. */
    private List<Child> listPaged(String prefix, int pageSize) {
        List<Child> paged = new ArrayList<>();
        String after = null;
        for (int pages = 0; pages < 1000; pages++) {
            DirectoryListing page = list(prefix, after, pageSize);
            assertThat(page.children()).hasSizeLessThanOrEqualTo(pageSize);
            paged.addAll(page.children());
            if (!page.more()) {
                return paged;
            }
            after = page.children().get(page.children().size() - 1).name().toStringUtf8();
        }
        throw new AssertionError("listing of " + prefix + " does not end");
    }

    private static Child child(String name, boolean isKey, boolean hasChildren) {
        return new Child(bs(name), isKey, hasChildren);
    }

    @Test
    void listsImmediateChildrenWithTheirFlags() {
        put("/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/kube-system/x/y",
                "/registry/pods/lonely", "/registry/pods/both", "/registry/pods/both/inner", "/registry/pods/",
                "/registry/podsX", "/registry/services/default/s");
        DirectoryListing l = list("/registry/pods/", null, 100);
        assertThat(l.children()).containsExactly(child("both", true, true), child("default", false, true),
                child("kube-system", false, true), child("lonely", true, false));
        assertThat(l.more()).isFalse();
        assertThat(l.revision()).isEqualTo(f.store.revision());
        assertThat(list("/registry/", null, 100).children()).containsExactly(child("pods", false, true),
                child("podsX", true, false), child("services", false, true));
    }

    @Test
    void namesExtendedBelowTheSeparatorComeInSubtreeOrder() {
        // Key order: ns1 < ns1-a < ns1-a/x < ns1.b < ns1/x; listing order is by name + "/".
        put("/d/ns1", "/d/ns1-a", "/d/ns1-a/x", "/d/ns1.b", "/d/ns1/x", "/d/ns2/y");
        assertThat(list("/d/", null, 100).children()).containsExactly(child("ns1-a", true, true),
                child("ns1.b", true, false), child("ns1", true, true), child("ns2", false, true));
    }

    @Test
    void paginatesWithStartAfterAndLimit() {
        put("/d/ns1", "/d/ns1-a", "/d/ns1-a/x", "/d/ns1.b", "/d/ns1/x", "/d/ns2/y", "/d/ns3");
        List<Child> all = list("/d/", null, 100).children();
        assertThat(listPaged("/d/", 2)).isEqualTo(all);
        assertThat(all).hasSize(5);
    }

    @Test
    void costGrowsWithChildrenNotDescendants() {
        int namespaces = 20;
        int podsEach = 500;
        for (int n = 0; n < namespaces; n++) {
            List<KvCommand> puts = new ArrayList<>();
            for (int p = 0; p < podsEach; p++) {
                puts.add(cmd(Req.put(String.format("/registry/pods/ns%02d/pod%04d", n, p), "v")));
            }
            f.applyAll(puts);
        }
        DirectoryListing l = list("/registry/pods/", null, 1000);
        assertThat(l.children()).hasSize(namespaces);
        // One seek into each subtree and one past it: about two steps per child, whatever the pods.
        assertThat(l.stepsVisited()).isLessThanOrEqualTo(2L * namespaces + 2);
        assertThat(f.store.range(Req.range("/registry/pods/", "/registry/pods0")).getCount())
                .isEqualTo((long) namespaces * podsEach);
    }

    @Test
    void agreesWithABruteForceListingOfRandomKeys() {
        java.util.Random rnd = new java.util.Random(7);
        String[] parts = {"a", "a-", "a.b", "b", "ab", "a/", "-"};
        TreeSet<String> keys = new TreeSet<>();
        for (int i = 0; i < 300; i++) {
            StringBuilder k = new StringBuilder("/p/");
            for (int d = rnd.nextInt(3); d >= 0; d--) {
                k.append(parts[rnd.nextInt(parts.length)]);
            }
            keys.add(k.toString());
        }
        put(keys.toArray(String[]::new));
        java.util.TreeMap<String, boolean[]> expected = new java.util.TreeMap<>(
                (x, y) -> (x + "/").compareTo(y + "/"));
        for (String k : keys) {
            String rest = k.substring(3);
            if (rest.isEmpty()) {
                continue;
            }
            int slash = rest.indexOf('/');
            String name = slash < 0 ? rest : rest.substring(0, slash);
            boolean[] flags = expected.computeIfAbsent(name, x -> new boolean[2]);
            flags[slash < 0 ? 0 : 1] = true;
        }
        List<Child> want = new ArrayList<>();
        expected.forEach((name, fl) -> want.add(child(name, fl[0], fl[1])));
        assertThat(list("/p/", null, 1000).children()).isEqualTo(want);
        assertThat(listPaged("/p/", 3)).isEqualTo(want);
    }

    @Test
    void thePrefixMustEndWithTheSeparator() {
        assertThatThrownBy(() -> list("/registry/pods", null, 10)).isEqualTo(KvErrors.badDirectoryPrefix());
    }
}
