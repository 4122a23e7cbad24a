package io.cairn.controlplane.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.WrappedTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Informers against a real in-process API server: order of events, paging, relists, resync, selectors, indexes. */
class InformerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Informer.Options FAST = Informer.Options.defaults()
            .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));

    @TempDir
    Path dir;
    private ApiServer server;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private WrappedTransport start(ApiServer.Config config) throws Exception {
        server = ApiServer.start(config);
        return new WrappedTransport(Transport.inProcess(server.dispatcher(), "informer-test"));
    }

    private WrappedTransport start() throws Exception {
        return start(ApiServer.Config.of(dir).withPort(0).withTls(false));
    }

    private Informer informer(ApiClient client, String namespace, String selector, Informer.Options options) {
        Informer i = new Informer(client, "v1", "configmaps", namespace, selector, options);
        closeables.add(i);
        return i;
    }

    private static ObjectNode configMap(String name, String value) {
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.putObject("metadata").put("name", name);
        cm.putObject("data").put("v", value);
        return cm;
    }

    /** Records every handler call as "ADD key v" / "UPDATE key v" / "DELETE key". */
    private static final class Recorder implements Informer.Handler {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<Long> versions = new CopyOnWriteArrayList<>();

        @Override
        public void onAdd(ObjectNode obj) {
            record("ADD " + Store.keyOf(obj) + " " + obj.path("data").path("v").asText(), obj);
        }

        @Override
        public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
            record("UPDATE " + Store.keyOf(newObj) + " " + newObj.path("data").path("v").asText(), newObj);
        }

        @Override
        public void onDelete(ObjectNode obj) {
            record("DELETE " + Store.keyOf(obj), obj);
        }

        private void record(String call, ObjectNode obj) {
            calls.add(call);
            versions.add(Long.parseLong(obj.path("metadata").path("resourceVersion").asText()));
        }

        List<String> about(String key) {
            return calls.stream().filter(c -> c.split(" ")[1].equals(key)).toList();
        }
    }

    /** key → resourceVersion of a fresh quorum list, to compare a cache with. */
    private static Map<String, String> freshList(ApiClient.ResourceClient r) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode item : r.list().path("items")) {
            out.put(Store.keyOf(item), item.path("metadata").path("resourceVersion").asText());
        }
        return out;
    }

    private static Map<String, String> cached(Informer i) {
        Map<String, String> out = new TreeMap<>();
        for (ObjectNode o : i.store().list()) {
            out.put(Store.keyOf(o), o.path("metadata").path("resourceVersion").asText());
        }
        return out;
    }

    @Test
    void listsInPagesThenSeesAddsUpdatesAndDeletesInOrderAndItsCacheEqualsAFreshList() throws Exception {
        WrappedTransport t = start();
        ApiClient client = ApiClient.of(t);
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
        for (int i = 0; i < 7; i++) {
            cms.create(configMap("pre-" + i, "p"));
        }
        Informer informer = informer(client, "default", null, FAST.withPageSize(3));
        Recorder rec = new Recorder();
        informer.addHandler(rec).start();
        await().atMost(WAIT).until(informer::hasSynced);
        int listed = t.gets.get();
        assertThat(listed).as("7 or more objects in pages of 3").isGreaterThanOrEqualTo(3);
        for (int i = 0; i < 7; i++) {
            assertThat(rec.calls).contains("ADD default/pre-" + i + " p");
        }

        cms.create(configMap("a", "1"));
        cms.patch("a", ApiClient.MERGE_PATCH, "{\"data\":{\"v\":\"2\"}}");
        cms.delete("pre-3");
        cms.patch("a", ApiClient.MERGE_PATCH, "{\"data\":{\"v\":\"3\"}}");
        cms.delete("a");
        cms.create(configMap("b", "1"));
        await().atMost(WAIT).until(() -> rec.calls.contains("ADD default/b 1"));

        assertThat(rec.about("default/a")).containsExactly(
                "ADD default/a 1", "UPDATE default/a 2", "UPDATE default/a 3", "DELETE default/a");
        assertThat(rec.about("default/pre-3")).containsExactly("ADD default/pre-3 p", "DELETE default/pre-3");
        assertThat(t.gets.get()).as("no relist while the watch is healthy").isEqualTo(listed);
        List<Long> watched = rec.versions.subList(rec.versions.size() - 6, rec.versions.size());
        assertThat(watched).as("watch events reach handlers in resourceVersion order").isSorted();
        assertThat(cached(informer)).isEqualTo(freshList(cms)).containsKey("default/b").doesNotContainKey("default/a");
        assertThat(informer.store().byIndex(Store.NAMESPACE_INDEX, "default")).hasSize(cached(informer).size());
    }

    @Test
    void relistsWhenTheWatchGets410BecauseItFellBehindTheServersWindow() throws Exception {
        WrappedTransport t = start(ApiServer.Config.of(dir).withPort(0).withTls(false).withWatchWindow(5));
        ApiClient client = ApiClient.of(t);
        ApiClient.ResourceClient direct = ApiClient.of(Transport.inProcess(server.dispatcher(), "other"))
                .resource("v1", "configmaps").namespace("default");
        direct.create(configMap("busy", "0"));
        direct.create(configMap("doomed", "x"));
        // between the informer's list and its watch, more changes than the window holds: the watch gets 410
        t.beforeNextWatch(() -> {
            for (int i = 1; i <= 10; i++) {
                direct.patch("busy", ApiClient.MERGE_PATCH, "{\"data\":{\"v\":\"" + i + "\"}}");
            }
            direct.delete("doomed");
            // the server's watch cache takes the changes in from its store watch a moment later: wait until it holds
            // them, so that the watch really starts before its window (otherwise no 410 comes, and nothing is tested)
            long written = Long.parseLong(direct.get("busy").at("/metadata/resourceVersion").asText());
            await().atMost(WAIT).until(() -> Long.parseLong(direct.list(java.util.Map.of("resourceVersion", "0"))
                    .at("/metadata/resourceVersion").asText()) > written);
        });
        Informer informer = informer(client, "default", null, FAST);
        Recorder rec = new Recorder();
        informer.addHandler(rec).start();

        await().atMost(WAIT).until(() -> rec.calls.contains("UPDATE default/busy 10"));
        assertThat(t.gets.get()).as("a second list after the 410").isEqualTo(2);
        assertThat(rec.about("default/doomed")).as("the relist notices what was deleted meanwhile")
                .containsExactly("ADD default/doomed x", "DELETE default/doomed");
        assertThat(cached(informer)).isEqualTo(freshList(direct));

        direct.create(configMap("after", "1"));
        await().atMost(WAIT).until(() -> rec.calls.contains("ADD default/after 1"));
        assertThat(cached(informer)).isEqualTo(freshList(direct));
    }

    @Test
    void aWatchClosedUnderItIsOpenedAgainFromTheLastVersionWithoutARelist() throws Exception {
        WrappedTransport t = start();
        ApiClient client = ApiClient.of(t);
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
        Informer informer = informer(client, "default", null, FAST);
        Recorder rec = new Recorder();
        informer.addHandler(rec).start();
        await().atMost(WAIT).until(informer::hasSynced);
        cms.create(configMap("one", "1"));
        await().atMost(WAIT).until(() -> rec.calls.contains("ADD default/one 1"));
        int getsBefore = t.gets.get();

        t.closeWatches();
        cms.create(configMap("two", "2"));
        cms.patch("one", ApiClient.MERGE_PATCH, "{\"data\":{\"v\":\"1b\"}}");
        await().atMost(WAIT).until(() -> rec.calls.contains("UPDATE default/one 1b"));

        assertThat(t.watches.get()).isEqualTo(2);
        assertThat(t.gets.get() - getsBefore).as("no relist: the new watch starts at the last version").isZero();
        assertThat(rec.about("default/two")).containsExactly("ADD default/two 2");
        assertThat(cached(informer)).isEqualTo(freshList(cms));
    }

    @Test
    void aFullEventQueueMakesTheInformerGiveUpTheWatchAndRelist() throws Exception {
        WrappedTransport t = start();
        ApiClient client = ApiClient.of(t);
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
        cms.create(configMap("gate", "open"));
        Informer informer = informer(client, "default", null, FAST.withQueueMax(3));
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recorder rec = new Recorder();
        informer.addHandler(new Informer.Handler() {
            @Override
            public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
                if (newObj.path("data").path("v").asText().equals("shut") && release.getCount() > 0) {
                    blocked.countDown();
                    try {
                        release.await(); // a slow handler: events pile up behind it
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }).addHandler(rec).start();
        await().atMost(WAIT).until(informer::hasSynced);

        cms.patch("gate", ApiClient.MERGE_PATCH, "{\"data\":{\"v\":\"shut\"}}");
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
        int linesBefore = t.lines.get();
        for (int i = 0; i < 10; i++) {
            cms.create(configMap("piled-" + i, "x"));
        }
        // the handler is still blocked: four events behind it are one more than the queue holds
        await().atMost(WAIT).until(() -> t.lines.get() - linesBefore >= 4);
        release.countDown();

        await().atMost(WAIT).until(() -> rec.calls.contains("ADD default/piled-9 x"));
        assertThat(t.gets.get()).as("the overflow cost one relist").isEqualTo(2);
        assertThat(cached(informer)).isEqualTo(freshList(cms));
    }

    @Test
    void resyncHandsEveryCachedObjectToTheHandlersAgain() throws Exception {
        WrappedTransport t = start();
        ApiClient client = ApiClient.of(t);
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
        cms.create(configMap("quiet", "q"));
        Informer informer = informer(client, "default", null, FAST.withResync(Duration.ofMillis(100)));
        List<String> sameObjectUpdates = new CopyOnWriteArrayList<>();
        informer.addHandler(new Informer.Handler() {
            @Override
            public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
                if (oldObj == newObj) {
                    sameObjectUpdates.add(Store.keyOf(newObj));
                }
            }
        }).start();
        await().atMost(WAIT).until(() -> sameObjectUpdates.stream().filter("default/quiet"::equals).count() >= 3);
        assertThat(t.gets.get()).as("resync reads the cache, not the server").isEqualTo(1);
    }

    @Test
    void selectorIndexesLateHandlersAndTheSharedFactory() throws Exception {
        WrappedTransport t = start();
        ApiClient client = ApiClient.of(t);
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
        ObjectNode web = configMap("web-config", "w");
        web.withObjectProperty("metadata").putObject("labels").put("app", "web");
        web.withObjectProperty("metadata").putArray("ownerReferences").addObject().put("apiVersion", "apps/v1")
                .put("kind", "Deployment").put("name", "web").put("uid", "uid-web");
        cms.create(web);
        cms.create(configMap("other", "o"));

        SharedInformerFactory factory = new SharedInformerFactory(client, FAST);
        closeables.add(factory);
        Informer labelled = factory.informerFor("v1", "configmaps", null, "app=web");
        assertThat(factory.informerFor("v1", "configmaps", null, "app=web")).isSameAs(labelled);
        Informer all = factory.informerFor("v1", "configmaps");
        assertThat(all).isNotSameAs(labelled);
        factory.start();
        assertThat(factory.waitForCacheSync(WAIT)).isTrue();

        assertThat(labelled.store().keys()).containsExactly("default/web-config");
        assertThat(all.store().keys()).contains("default/web-config", "default/other");
        assertThat(all.store().byIndex(Store.OWNER_UID_INDEX, "uid-web")).extracting(Store::keyOf)
                .containsExactly("default/web-config");
        assertThat(labelled.store().get("default", "web-config").path("kind").asText())
                .as("listed items carry their kind").isEqualTo("ConfigMap");

        Recorder late = new Recorder();
        labelled.addHandler(late);
        await().atMost(WAIT).until(() -> late.calls.contains("ADD default/web-config w"));
        cms.delete("web-config");
        await().atMost(WAIT).until(() -> late.calls.contains("DELETE default/web-config"));
        assertThat(late.calls).containsExactly("ADD default/web-config w", "DELETE default/web-config");
        await().atMost(WAIT).until(() -> all.store().byIndex(Store.OWNER_UID_INDEX, "uid-web").isEmpty());
    }

    @Test
    void worksOverHttpToo() throws Exception {
        start();
        ApiClient client = ApiClient.of(Transport.http(server.url(), null, null));
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
        Informer informer = informer(client, null, null, FAST);
        Recorder rec = new Recorder();
        informer.addHandler(rec).start();
        await().atMost(WAIT).until(informer::hasSynced);
        cms.create(configMap("http", "h"));
        await().atMost(WAIT).until(() -> rec.calls.contains("ADD default/http h"));
        assertThat(cached(informer)).isEqualTo(freshList(client.resource("v1", "configmaps")));
    }
}
