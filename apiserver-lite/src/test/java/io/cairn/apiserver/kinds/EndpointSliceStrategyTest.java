package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.CREATED;
import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static io.cairn.apiserver.kinds.CoreFixtures.printed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class EndpointSliceStrategyTest {
    private final EndpointSliceStrategy strategy = new EndpointSliceStrategy();

    private static ObjectNode slice() {
        return json("{'metadata':{'name':'web-x7k2p','namespace':'default','creationTimestamp':'" + CREATED + "'},"
                + "'addressType':'IPv4','endpoints':[{'addresses':['10.244.1.5'],'conditions':{'ready':true},"
                + "'nodeName':'node-1'},{'addresses':['10.244.2.7'],'conditions':{'ready':true}}],"
                + "'ports':[{'name':'http','port':8080,'protocol':'TCP'}]}");
    }

    @Test
    void missingAddressTypeIsRequired() {
        ObjectNode s = slice();
        s.remove("addressType");
        assertThat(printed(strategy.validate(s, null))).containsExactly("addressType: Required value");
        s.put("addressType", "IP");
        assertThat(printed(strategy.validate(s, null))).containsExactly(
                "addressType: Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"");
    }

    @Test
    void endpointsNeedAddressesOfTheSliceType() {
        ObjectNode s = json("{'metadata':{'name':'s'},'addressType':'IPv4','endpoints':[{'addresses':[]},"
                + "{'addresses':['fd00::1']}]}");
        assertThat(printed(strategy.validate(s, null))).containsExactly(
                "endpoints[0].addresses: Required value: must contain at least 1 address",
                "endpoints[1].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address");
    }

    @Test
    void addressTypeNeverChangesAndPortsDefaultToTcp() {
        ObjectNode old = slice();
        ObjectNode update = slice();
        update.put("addressType", "IPv6");
        update.remove("endpoints");
        assertThat(printed(strategy.validate(update, old))).containsExactly(
                "addressType: Invalid value: \"IPv6\": field is immutable");

        ObjectNode s = json("{'metadata':{'name':'s'},'addressType':'IPv4','ports':[{'port':53}]}");
        strategy.applyDefaults(s);
        assertThat(s.get("ports")).isEqualTo(json("{'p':[{'port':53,'name':'','protocol':'TCP'}]}").get("p"));
    }

    @Test
    void tableRowListsPortsAndEndpoints() {
        assertThat(strategy.cells(slice(), NOW)).containsExactly("web-x7k2p", "IPv4", "8080",
                "10.244.1.5,10.244.2.7", "5m");
        ObjectNode big = json("{'metadata':{'name':'big'},'addressType':'IPv4','endpoints':[{'addresses':"
                + "['10.0.0.1','10.0.0.2','10.0.0.3','10.0.0.4','10.0.0.5']}]}");
        assertThat(strategy.cells(big, NOW)).containsExactly("big", "IPv4", "<unset>",
                "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...", "<unknown>");
    }
}
