package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.CREATED;
import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static io.cairn.apiserver.kinds.CoreFixtures.printed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class LeaseStrategyTest {
    private final LeaseStrategy strategy = new LeaseStrategy();

    @Test
    void nodeLeaseTableRowShowsTheHolder() {
        ObjectNode lease = json("{'metadata':{'name':'node-1','namespace':'kube-node-lease','creationTimestamp':'"
                + CREATED + "'},'spec':{'holderIdentity':'node-1','leaseDurationSeconds':40,"
                + "'renewTime':'2025-03-01T11:59:55.000000Z'}}");
        assertThat(strategy.cells(lease, NOW)).containsExactly("node-1", "node-1", "5m");
        assertThat(strategy.validate(lease, null)).isEmpty();
    }

    @Test
    void durationMustBePositiveAndTransitionsNotNegative() {
        ObjectNode lease = json("{'metadata':{'name':'l'},'spec':{'leaseDurationSeconds':0,'leaseTransitions':-1}}");
        assertThat(printed(strategy.validate(lease, null))).containsExactly(
                "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
                "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0");
    }
}
