package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.CREATED;
import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static io.cairn.apiserver.kinds.CoreFixtures.printed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.registry.NameRule;
import io.cairn.apiserver.registry.TableColumn;
import org.junit.jupiter.api.Test;

class EventStrategyTest {
    private final EventStrategy strategy = new EventStrategy();

    /** What the scheduler's event recorder writes (core/v1 style, no eventTime). */
    private static ObjectNode scheduled() {
        return json("{'metadata':{'name':'web-1.1823a7c2d1e0f3b4','namespace':'default','creationTimestamp':'"
                + CREATED + "'},'involvedObject':{'kind':'Pod','namespace':'default','name':'web-1','uid':'u-1',"
                + "'apiVersion':'v1','resourceVersion':'812'},'reason':'Scheduled','message':"
                + "'Successfully assigned default/web-1 to node-1\\n','source':{'component':'default-scheduler'},"
                + "'firstTimestamp':'2025-03-01T11:55:00Z','lastTimestamp':'2025-03-01T11:58:30Z','count':3,"
                + "'type':'Normal'}");
    }

    @Test
    void tableRowAsKubectlGetEvents() {
        assertThat(strategy.columns()).filteredOn(c -> c.priority() == 0).extracting(TableColumn::name)
                .containsExactly("Last Seen", "Type", "Reason", "Object", "Message");
        assertThat(strategy.cells(scheduled(), NOW)).containsExactly("90s", "Normal", "Scheduled", "pod/web-1", "",
                "default-scheduler", "Successfully assigned default/web-1 to node-1", "5m", 3L,
                "web-1.1823a7c2d1e0f3b4");
    }

    @Test
    void seriesEventsUseTheirLastObservation() {
        ObjectNode e = json("{'metadata':{'name':'e','namespace':'default'},'eventTime':'2025-03-01T11:50:00.000000Z',"
                + "'series':{'count':4,'lastObservedTime':'2025-03-01T11:59:00.000000Z'},'reportingComponent':"
                + "'kubelet','reportingInstance':'node-1','action':'Pulling','reason':'Pulling','type':'Normal',"
                + "'involvedObject':{'kind':'Pod','namespace':'default','name':'web-1'}}");
        assertThat(strategy.cells(e, NOW)).startsWith("60s", "Normal", "Pulling", "pod/web-1", "", "kubelet, node-1");
        assertThat(strategy.cells(e, NOW).get(7)).isEqualTo("10m");
        assertThat(strategy.cells(e, NOW).get(8)).isEqualTo(4L);
        assertThat(strategy.validate(e, null)).isEmpty();
    }

    @Test
    void involvedObjectNamespaceMustMatch() {
        ObjectNode e = scheduled();
        e.withObject("/involvedObject").put("namespace", "other");
        assertThat(printed(strategy.validate(e, null))).containsExactly(
                "involvedObject.namespace: Invalid value: \"other\": does not match event.namespace");
        assertThat(strategy.validate(scheduled(), null)).isEmpty();
        assertThat(strategy.nameRule()).isEqualTo(NameRule.PATH_SEGMENT);
    }

    @Test
    void newStyleEventNeedsReportingFields() {
        ObjectNode e = json("{'metadata':{'name':'e','namespace':'default'},'eventTime':'2025-03-01T11:50:00.000000Z',"
                + "'involvedObject':{'kind':'Node','name':'node-1'},'type':'Normal'}");
        assertThat(printed(strategy.validate(e, null))).contains("reportingController: Required value",
                "reportingInstance: Required value", "action: Required value", "reason: Required value");
    }

    @Test
    void fieldSelectorsReadInvolvedObjectReasonSourceAndType() {
        ObjectNode e = scheduled();
        assertThat(strategy.fieldValue(e, "involvedObject.name")).contains("web-1");
        assertThat(strategy.fieldValue(e, "involvedObject.uid")).contains("u-1");
        assertThat(strategy.fieldValue(e, "involvedObject.kind")).contains("Pod");
        assertThat(strategy.fieldValue(e, "reason")).contains("Scheduled");
        assertThat(strategy.fieldValue(e, "source")).contains("default-scheduler");
        assertThat(strategy.fieldValue(e, "type")).contains("Normal");
        assertThat(strategy.fieldValue(e, "spec.nodeName")).isEmpty();
    }
}
