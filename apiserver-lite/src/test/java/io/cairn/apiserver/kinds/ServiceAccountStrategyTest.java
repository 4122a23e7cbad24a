package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.CoreFixtures.CREATED;
import static io.cairn.apiserver.kinds.CoreFixtures.NOW;
import static io.cairn.apiserver.kinds.CoreFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.apiserver.registry.TableColumn;
import org.junit.jupiter.api.Test;

class ServiceAccountStrategyTest {
    private final ServiceAccountStrategy strategy = new ServiceAccountStrategy();

    @Test
    void tableRowCountsSecrets() {
        assertThat(strategy.columns()).extracting(TableColumn::name).containsExactly("Name", "Secrets", "Age");
        assertThat(strategy.cells(json("{'metadata':{'name':'default','creationTimestamp':'" + CREATED + "'}}"), NOW))
                .containsExactly("default", 0L, "5m");
        assertThat(strategy.cells(json("{'metadata':{'name':'builder','creationTimestamp':'" + CREATED + "'},"
                + "'secrets':[{'name':'builder-token'}]}"), NOW)).containsExactly("builder", 1L, "5m");
    }
}
