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

class ServiceStrategyTest {
    private final ServiceStrategy strategy = new ServiceStrategy();

    private ObjectNode created(String spec) {
        ObjectNode svc = json("{'metadata':{'name':'web','namespace':'default','creationTimestamp':'" + CREATED
                + "'},'spec':" + spec + "}");
        strategy.applyDefaults(svc);
        strategy.prepareForCreate(svc);
        return svc;
    }

    /** A ClusterIP service as the registry stores it after allocating 10.96.0.10. */
    private ObjectNode stored() {
        ObjectNode svc = created("{'selector':{'app':'web'},'ports':[{'name':'http','port':80,'targetPort':8080}]}");
        svc.withObject("/spec").put("clusterIP", "10.96.0.10").putArray("clusterIPs").add("10.96.0.10");
        return svc;
    }

    private ObjectNode updated(ObjectNode update, ObjectNode old) {
        strategy.applyDefaults(update);
        strategy.prepareForUpdate(update, old);
        return update;
    }

    @Test
    void minimalServiceGetsKubesDefaultsAndValidates() {
        ObjectNode svc = created("{'selector':{'app':'web'},'ports':[{'port':80}]}");
        assertThat(svc.get("spec")).isEqualTo(json("{'selector':{'app':'web'},'ports':[{'port':80,'protocol':'TCP',"
                + "'targetPort':80}],'sessionAffinity':'None','type':'ClusterIP','internalTrafficPolicy':'Cluster',"
                + "'ipFamilies':['IPv4'],'ipFamilyPolicy':'SingleStack'}"));
        assertThat(svc.get("status")).isEqualTo(json("{'loadBalancer':{}}"));
        assertThat(strategy.validate(svc, null)).isEmpty();
        assertThat(strategy.nameRule()).isEqualTo(NameRule.DNS1035_LABEL);
    }

    @Test
    void externallyReachableTypesGetTrafficPolicyAndLoadBalancerNodePorts() {
        ObjectNode lb = created("{'type':'LoadBalancer','ports':[{'port':443,'targetPort':'https'}]}");
        assertThat(lb.at("/spec/externalTrafficPolicy").asText()).isEqualTo("Cluster");
        assertThat(lb.at("/spec/allocateLoadBalancerNodePorts").asBoolean()).isTrue();
        assertThat(lb.at("/spec/ports/0/targetPort").asText()).isEqualTo("https");
        assertThat(strategy.validate(lb, null)).isEmpty();
    }

    @Test
    void singularClusterIpFromAnOldClientFillsClusterIps() {
        ObjectNode headless = created("{'clusterIP':'None','selector':{'app':'db'}}");
        assertThat(headless.at("/spec/clusterIPs").toString()).isEqualTo("[\"None\"]");
        assertThat(strategy.validate(headless, null)).as("headless services need no ports").isEmpty();
    }

    @Test
    void portOutOfRangeIsOneErrorInKubesWords() {
        ObjectNode svc = created("{'ports':[{'port':70000,'targetPort':8080}]}");
        assertThat(printed(strategy.validate(svc, null))).containsExactly(
                "spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive");
        // As in kube, a defaulted targetPort copies the bad port and is reported too.
        assertThat(printed(strategy.validate(created("{'ports':[{'port':0}]}"), null))).containsExactly(
                "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive");
    }

    @Test
    void severalPortsNeedUniqueNames() {
        ObjectNode svc = created("{'ports':[{'name':'web','port':80},{'port':443},{'name':'web','port':8080}]}");
        assertThat(printed(strategy.validate(svc, null))).containsExactly(
                "spec.ports[1].name: Required value",
                "spec.ports[2].name: Duplicate value: \"web\"");
    }

    @Test
    void typeRulesForPortsNodePortsAndUnknownTypes() {
        assertThat(printed(strategy.validate(created("{'selector':{'app':'web'}}"), null)))
                .containsExactly("spec.ports: Required value");
        assertThat(strategy.validate(created("{'type':'ExternalName','externalName':'db.example.com'}"), null))
                .isEmpty();
        assertThat(printed(strategy.validate(created("{'ports':[{'port':80,'nodePort':30080}]}"), null)))
                .containsExactly("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
        assertThat(printed(strategy.validate(created("{'type':'Balanced','ports':[{'port':80}]}"), null)))
                .containsExactly("spec.type: Unsupported value: \"Balanced\": supported values: \"ClusterIP\", "
                        + "\"ExternalName\", \"LoadBalancer\", \"NodePort\"");
    }

    @Test
    void allocatedClusterIpCannotChange() {
        ObjectNode old = stored();
        ObjectNode update = old.deepCopy();
        update.withObject("/spec").put("clusterIP", "10.96.0.99");
        updated(update, old);
        assertThat(printed(strategy.validate(update, old))).containsExactly(
                "spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.99\"}: may not change once set");
    }

    @Test
    void updateThatLeavesOutAllocatedValuesKeepsThem() {
        ObjectNode old = stored();
        ObjectNode replace = json("{'metadata':{'name':'web','namespace':'default'},'spec':{'selector':"
                + "{'app':'web2'},'ports':[{'name':'http','port':80,'targetPort':8080}]}}");
        updated(replace, old);
        assertThat(replace.at("/spec/clusterIP").asText()).isEqualTo("10.96.0.10");
        assertThat(replace.at("/spec/clusterIPs").toString()).isEqualTo("[\"10.96.0.10\"]");
        assertThat(strategy.validate(replace, old)).isEmpty();
    }

    @Test
    void switchingToExternalNameDropsTheClusterIp() {
        ObjectNode old = stored();
        ObjectNode update = old.deepCopy();
        update.withObject("/spec").put("type", "ExternalName").put("externalName", "web.example.com");
        update.withObject("/spec").remove("ports");
        updated(update, old);
        assertThat(update.at("/spec").has("clusterIP")).isFalse();
        assertThat(update.at("/spec").has("ipFamilies")).isFalse();
        assertThat(strategy.validate(update, old)).isEmpty();
    }

    @Test
    void tableRowsForEachServiceType() {
        assertThat(strategy.columns()).extracting(TableColumn::name).containsExactly("Name", "Type", "Cluster-IP",
                "External-IP", "Port(s)", "Age", "Selector");
        assertThat(strategy.cells(stored(), NOW)).containsExactly("web", "ClusterIP", "10.96.0.10", "<none>",
                "80/TCP", "5m", "app=web");

        ObjectNode nodePort = created("{'type':'NodePort','ports':[{'port':80,'nodePort':30080},"
                + "{'port':53,'protocol':'UDP','nodePort':30053}]}");
        nodePort.withObject("/spec").put("clusterIP", "10.96.0.11").putArray("clusterIPs").add("10.96.0.11");
        assertThat(strategy.cells(nodePort, NOW)).containsExactly("web", "NodePort", "10.96.0.11", "<none>",
                "80:30080/TCP,53:30053/UDP", "5m", "<none>");

        ObjectNode lb = created("{'type':'LoadBalancer','ports':[{'port':443,'nodePort':31443}]}");
        assertThat(strategy.cells(lb, NOW).get(3)).isEqualTo("<pending>");
        lb.withObject("/status").withObject("/loadBalancer").putArray("ingress").addObject().put("ip", "203.0.113.7");
        assertThat(strategy.cells(lb, NOW).get(3)).isEqualTo("203.0.113.7");

        ObjectNode external = created("{'type':'ExternalName','externalName':'db.example.com'}");
        assertThat(strategy.cells(external, NOW)).containsExactly("web", "ExternalName", "<none>", "db.example.com",
                "<none>", "5m", "<none>");
    }
}
