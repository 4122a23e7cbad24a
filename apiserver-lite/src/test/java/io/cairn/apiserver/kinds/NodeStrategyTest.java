package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.CREATED;
import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static io.cairn.apiserver.kinds.CoreFixtures.printed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.registry.TableColumn;
import org.junit.jupiter.api.Test;

class NodeStrategyTest {
    private final NodeStrategy strategy = new NodeStrategy();

    private static ObjectNode kindControlPlane() {
        return json("{'metadata':{'name':'kind-control-plane','creationTimestamp':'" + CREATED + "',"
                + "'labels':{'kubernetes.io/hostname':'kind-control-plane','node-role.kubernetes.io/control-plane':''}},"
                + "'spec':{'unschedulable':true,'podCIDR':'10.244.0.0/24','podCIDRs':['10.244.0.0/24']},"
                + "'status':{'conditions':[{'type':'MemoryPressure','status':'False'},{'type':'Ready','status':'True'}],"
                + "'addresses':[{'type':'InternalIP','address':'172.18.0.2'},{'type':'Hostname','address':'kind'}],"
                + "'capacity':{'cpu':'8','memory':'16Gi','pods':'110'},"
                + "'nodeInfo':{'kubeletVersion':'v1.32.0','osImage':'Debian GNU/Linux 12 (bookworm)',"
                + "'kernelVersion':'6.8.0-45-generic','containerRuntimeVersion':'containerd://1.7.18'}}}");
    }

    @Test
    void tableRowShowsReadyCordonedRoleAndWideColumns() {
        assertThat(strategy.columns()).extracting(TableColumn::name).containsExactly("Name", "Status", "Roles",
                "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime");
        assertThat(strategy.columns()).filteredOn(c -> c.priority() == 0).hasSize(5);
        assertThat(strategy.cells(kindControlPlane(), NOW)).containsExactly("kind-control-plane",
                "Ready,SchedulingDisabled", "control-plane", "5m", "v1.32.0", "172.18.0.2", "<none>",
                "Debian GNU/Linux 12 (bookworm)", "6.8.0-45-generic", "containerd://1.7.18");
    }

    @Test
    void nodeWithoutReadyConditionOrRolesIsUnknownAndNone() {
        ObjectNode node = json("{'metadata':{'name':'n1','labels':{'kubernetes.io/role':'worker'}},"
                + "'status':{'conditions':[{'type':'Ready','status':'Unknown'}]}}");
        assertThat(strategy.cells(node, NOW)).startsWith("n1", "NotReady", "worker");
        ObjectNode bare = json("{'metadata':{'name':'n2'}}");
        assertThat(strategy.cells(bare, NOW)).containsExactly("n2", "Unknown", "<none>", "<unknown>", "",
                "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>");
    }

    @Test
    void allocatableDefaultsToCapacity() {
        ObjectNode node = kindControlPlane();
        strategy.applyDefaults(node);
        assertThat(node.at("/status/allocatable")).isEqualTo(node.at("/status/capacity"));
    }

    @Test
    void badTaintEffectIsReportedAtKubesPath() {
        ObjectNode node = json("{'metadata':{'name':'n1'},'spec':{'taints':[{'key':'dedicated','value':'gpu',"
                + "'effect':'Sometimes'}]}}");
        assertThat(printed(strategy.validate(node, null))).containsExactly(
                "metadata.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", "
                        + "\"PreferNoSchedule\", \"NoExecute\"");
    }

    @Test
    void providerIdCannotChangeOnceSet() {
        ObjectNode old = json("{'metadata':{'name':'n1'},'spec':{'providerID':'kind://docker/kind/n1'}}");
        ObjectNode update = json("{'metadata':{'name':'n1'},'spec':{'providerID':'aws:///i-123'}}");
        assertThat(printed(strategy.validate(update, old))).containsExactly(
                "spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid");
    }

    @Test
    void unschedulableFieldSelectorReadsTrueOrFalse() {
        assertThat(strategy.selectableFields()).containsExactly("spec.unschedulable");
        assertThat(strategy.fieldValue(kindControlPlane(), "spec.unschedulable")).contains("true");
        assertThat(strategy.fieldValue(json("{'metadata':{'name':'n'}}"), "spec.unschedulable")).contains("false");
    }
}
