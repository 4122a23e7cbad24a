package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.CREATED;
import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static io.cairn.apiserver.kinds.CoreFixtures.printed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class EndpointsStrategyTest {
    private final EndpointsStrategy strategy = new EndpointsStrategy();

    @Test
    void tableRowListsAddressPortPairs() {
        ObjectNode ep = json("{'metadata':{'name':'web','creationTimestamp':'" + CREATED + "'},'subsets':[{"
                + "'addresses':[{'ip':'10.244.1.5'},{'ip':'10.244.2.7'}],'ports':[{'port':8080,'protocol':'TCP'}]}]}");
        assertThat(strategy.cells(ep, NOW)).containsExactly("web", "10.244.1.5:8080,10.244.2.7:8080", "5m");
    }

    @Test
    void moreThanThreeEndpointsAreSummarised() {
        ObjectNode ep = json("{'metadata':{'name':'web'},'subsets':[{'addresses':[{'ip':'10.0.0.1'},{'ip':'10.0.0.2'},"
                + "{'ip':'fd00::3'}],'ports':[{'name':'http','port':80},{'name':'https','port':443}]}]}");
        assertThat(strategy.cells(ep, NOW).get(1)).isEqualTo("10.0.0.1:80,10.0.0.2:80,[fd00::3]:80 + 3 more...");
        assertThat(strategy.cells(json("{'metadata':{'name':'none'}}"), NOW).get(1)).isEqualTo("<none>");
    }

    @Test
    void addressesMustBeUsableIps() {
        ObjectNode ep = json("{'metadata':{'name':'web'},'subsets':[{'addresses':[{'ip':'127.0.0.1'},{'ip':'web-1'}],"
                + "'ports':[{'port':80}]}]}");
        strategy.applyDefaults(ep);
        assertThat(ep.at("/subsets/0/ports/0/protocol").asText()).isEqualTo("TCP");
        assertThat(printed(strategy.validate(ep, null))).containsExactly(
                "subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range "
                        + "(127.0.0.0/8, ::1/128)",
                "subsets[0].addresses[1].ip: Invalid value: \"web-1\": must be a valid IP address, (e.g. 10.9.8.7 "
                        + "or 2001:db8::ffff)",
                "subsets[0].addresses[1].ip: Invalid value: \"web-1\": must be a valid IP address");
    }
}
