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

class NamespaceStrategyTest {
    private final NamespaceStrategy strategy = new NamespaceStrategy();

    @Test
    void createGetsNameLabelKubernetesFinalizerAndActivePhase() {
        ObjectNode ns = json("{'metadata':{'name':'team-a','labels':{'kubernetes.io/metadata.name':'spoofed'}},"
                + "'status':{'phase':'Terminating'}}");
        strategy.applyDefaults(ns);
        strategy.prepareForCreate(ns);

        assertThat(ns.at("/metadata/labels/kubernetes.io~1metadata.name").asText()).isEqualTo("team-a");
        assertThat(ns.at("/spec/finalizers").toString()).isEqualTo("[\"kubernetes\"]");
        assertThat(ns.at("/status/phase").asText()).isEqualTo("Active");
        assertThat(strategy.validate(ns, null)).isEmpty();
        assertThat(strategy.nameRule()).isEqualTo(NameRule.DNS_LABEL);
    }

    @Test
    void kubernetesFinalizerIsAddedOnceAfterTheUsersOwn() {
        ObjectNode ns = json("{'metadata':{'name':'a'},'spec':{'finalizers':['example.com/cleanup','kubernetes']}}");
        strategy.prepareForCreate(ns);
        assertThat(ns.at("/spec/finalizers").toString()).isEqualTo("[\"example.com/cleanup\",\"kubernetes\"]");
    }

    @Test
    void updateOfTheMainResourceKeepsStoredFinalizersButFinalizeReplacesThem() {
        ObjectNode old = json("{'metadata':{'name':'a'},'spec':{'finalizers':['kubernetes']},"
                + "'status':{'phase':'Terminating'}}");
        ObjectNode update = json("{'metadata':{'name':'a'},'spec':{'finalizers':[]}}");
        strategy.prepareForUpdate(update, old);
        assertThat(update.at("/spec/finalizers").toString()).isEqualTo("[\"kubernetes\"]");

        ObjectNode finalize = json("{'metadata':{'name':'a'},'spec':{'finalizers':[]}}");
        NamespaceStrategy.prepareForFinalize(finalize, old);
        assertThat(finalize.at("/spec/finalizers").toString()).isEqualTo("[]");
        assertThat(finalize.at("/status/phase").asText()).isEqualTo("Terminating");
    }

    @Test
    void unqualifiedNonStandardFinalizerIsRejectedInKubesWords() {
        ObjectNode ns = json("{'metadata':{'name':'a'},'spec':{'finalizers':['kubernetes','cleanup']}}");
        assertThat(printed(strategy.validate(ns, null))).containsExactly(
                "spec.finalizers: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it "
                        + "fully qualified");
    }

    @Test
    void tableRowIsNameStatusAge() {
        ObjectNode ns = json("{'metadata':{'name':'kube-system','creationTimestamp':'" + CREATED + "'},"
                + "'status':{'phase':'Active'}}");
        assertThat(strategy.columns()).extracting(TableColumn::name).containsExactly("Name", "Status", "Age");
        assertThat(strategy.cells(ns, NOW)).containsExactly("kube-system", "Active", "5m");
        assertThat(strategy.fieldValue(ns, "status.phase")).contains("Active");
    }
}
