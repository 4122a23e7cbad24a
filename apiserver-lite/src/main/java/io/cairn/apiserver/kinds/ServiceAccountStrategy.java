package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.List;

/**
 * core/v1 ServiceAccount: kube validates nothing beyond its metadata (a DNS-subdomain name). Table: SECRETS is the
 * number of entries of {@code secrets} (0 for accounts created since tokens stopped being stored in secrets).
 */
public final class ServiceAccountStrategy implements Strategy {

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods "
                        + "running using this ServiceAccount are allowed to use."),
                TableColumn.ageColumn());
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        return List.of(Objects2.name(obj), (long) Objects2.size(obj, "secrets"), Objects2.age(obj, now));
    }
}
