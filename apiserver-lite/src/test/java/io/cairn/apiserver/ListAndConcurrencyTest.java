package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.storage.KvStorage;
import io.cairn.kv.proto.etcd.CompactionRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Paged lists under concurrent writes, continue tokens past a compaction, and optimistic concurrency under contention. */
class ListAndConcurrencyTest {
    @TempDir
    static Path dir;
    static TestCluster c;

    @BeforeAll
    static void start() throws Exception {
        c = TestCluster.start(dir);
    }

    @AfterAll
    static void stop() {
        if (c != null) {
            c.close();
        }
    }

    static ObjectNode pod(String name) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("apiVersion", "v1");
        p.put("kind", "Pod");
        p.putObject("metadata").put("name", name);
        ObjectNode container = p.putObject("spec").putArray("containers").addObject();
        container.put("name", "app");
        container.put("image", "busybox:1.36");
        return p;
    }

    static ObjectNode namespace(String name) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.putObject("metadata").put("name", name);
        return n;
    }

    /**
     * Pages of 100 through 1,200 pods while other pods are being created: every pod that existed when the first page
     * was read comes back exactly once, and nothing created afterwards shows up (the pages are read at the first
     * page's revision).
     */
    @Test
    void pagingWhileCreatesGoOnReturnsEachPodThatExistedExactlyOnce() throws Exception {
        ApiClient client = c.client();
        client.resource("v1", "namespaces").create(namespace("paging"));
        ApiClient.ResourceClient pods = client.resource("v1", "pods").namespace("paging");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> creates = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            String name = String.format("p-%04d", i);
            creates.add(pool.submit(() -> pods.create(pod(name))));
        }
        for (Future<?> f : creates) {
            f.get(60, TimeUnit.SECONDS);
        }
        AtomicBoolean stop = new AtomicBoolean();
        Future<Integer> writer = pool.submit(() -> {
            int n = 0;
            while (!stop.get()) {
                pods.create(pod(String.format("late-%04d", n++)));
            }
            return n;
        });
        Map<String, Integer> seen = new HashMap<>();
        String token = "";
        String firstRv = null;
        int pages = 0;
        do {
            Map<String, String> q = new HashMap<>(Map.of("limit", "100"));
            if (!token.isEmpty()) {
                q.put("continue", token);
            }
            ObjectNode page = pods.list(q);
            pages++;
            if (firstRv == null) {
                firstRv = page.at("/metadata/resourceVersion").asText();
            } else {
                assertThat(page.at("/metadata/resourceVersion").asText()).isEqualTo(firstRv);
            }
            for (JsonNode item : page.get("items")) {
                seen.merge(item.at("/metadata/name").asText(), 1, Integer::sum);
            }
            token = page.at("/metadata/continue").asText();
            Thread.sleep(5);
        } while (!token.isEmpty());
        stop.set(true);
        int late = writer.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(late).isPositive();
        assertThat(pages).isGreaterThanOrEqualTo(12);
        Set<String> originals = new HashSet<>();
        for (int i = 0; i < 1200; i++) {
            originals.add(String.format("p-%04d", i));
        }
        assertThat(seen.keySet()).containsAll(originals);
        assertThat(seen.values()).allMatch(n -> n == 1);
        long firstRevision = Long.parseLong(firstRv);
        for (String name : seen.keySet()) {
            if (name.startsWith("late-")) {
                long created = Long.parseLong(pods.get(name).at("/metadata/resourceVersion").asText());
                assertThat(created).as(name).isLessThanOrEqualTo(firstRevision);
            }
        }
    }

    @Test
    void aContinueTokenOlderThanACompactionAnswers410() throws Exception {
        ApiClient client = c.client();
        client.resource("v1", "namespaces").create(namespace("compacted"));
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("compacted");
        for (int i = 0; i < 5; i++) {
            ObjectNode cm = JsonNodeFactory.instance.objectNode();
            cm.putObject("metadata").put("name", "cm-" + i);
            cms.create(cm);
        }
        ObjectNode page = cms.list(Map.of("limit", "2"));
        String token = page.at("/metadata/continue").asText();
        assertThat(token).isNotEmpty();
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.putObject("metadata").put("name", "after");
        long rev = Long.parseLong(cms.create(cm).at("/metadata/resourceVersion").asText());
        ((KvStorage) c.server.storage()).store().compact(CompactionRequest.newBuilder().setRevision(rev).build())
                .get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> cms.list(Map.of("limit", "2", "continue", token)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(410);
                    assertThat(e.reason()).isEqualTo("Expired");
                    assertThat(e.getMessage()).contains("The provided continue parameter is too old");
                });
    }

    /**
     * Twenty writers update one object, each from the version it read: every update gets 200 or 409, and the object
     * ends holding exactly the writes that got 200 (each writer adds its own key).
     */
    @Test
    void concurrentWritersGet200Or409AndTheObjectHoldsExactlyTheAcceptedWrites() throws Exception {
        ApiClient client = c.client();
        client.resource("v1", "namespaces").create(namespace("contended"));
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("contended");
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.putObject("metadata").put("name", "shared");
        cm.putObject("data");
        cms.create(cm);
        ExecutorService pool = Executors.newFixedThreadPool(20);
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        List<Integer> codes = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < 20; w++) {
            int writer = w;
            futures.add(pool.submit(() -> {
                for (int attempt = 0; attempt < 5; attempt++) {
                    ObjectNode current = cms.get("shared");
                    String key = "w" + writer + "-" + attempt;
                    ((ObjectNode) current.get("data")).put(key, "x");
                    try {
                        cms.update(current);
                        accepted.add(key);
                        codes.add(200);
                    } catch (ApiException e) {
                        codes.add(e.code());
                        assertThat(e.getMessage()).contains("the object has been modified");
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(codes).hasSize(100).allMatch(code -> code == 200 || code == 409);
        assertThat(accepted).isNotEmpty();
        Set<String> held = new HashSet<>();
        cms.get("shared").get("data").fieldNames().forEachRemaining(held::add);
        assertThat(held).isEqualTo(accepted);
    }
}
