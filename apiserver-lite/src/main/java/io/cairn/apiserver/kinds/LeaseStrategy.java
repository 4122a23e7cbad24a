package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * coordination.k8s.io/v1 Lease, what node heartbeats and leader election write every few seconds (kube's
 * {@code ValidateLeaseSpec}): a positive duration, a non-negative transition count, and a preferred holder only with
 * a strategy. Table: HOLDER is {@code spec.holderIdentity} ("" when nobody holds it).
 */
public final class LeaseStrategy implements Strategy {

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode spec = obj.path("spec");
        JsonNode duration = spec.get("leaseDurationSeconds");
        if (duration != null && !duration.isNull() && duration.asLong() <= 0) {
            errors.add(FieldError.invalid("spec.leaseDurationSeconds", duration.asLong(), "must be greater than 0"));
        }
        JsonNode transitions = spec.get("leaseTransitions");
        if (transitions != null && !transitions.isNull() && transitions.asLong() < 0) {
            errors.add(FieldError.invalid("spec.leaseTransitions", transitions.asLong(),
                    "must be greater than or equal to 0"));
        }
        if (!Objects2.text(spec, "preferredHolder").isEmpty() && Objects2.text(spec, "strategy").isEmpty()) {
            errors.add(FieldError.forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
        }
        return errors;
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Holder", "string", "holderIdentity contains the identity of the holder of a current "
                        + "lease. If Coordinated Leader Election is used, the holder identity must be equal to the "
                        + "elected LeaseCandidate.metadata.name field."),
                TableColumn.ageColumn());
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        return List.of(Objects2.name(obj), Objects2.text(obj, "spec", "holderIdentity"), Objects2.age(obj, now));
    }
}
