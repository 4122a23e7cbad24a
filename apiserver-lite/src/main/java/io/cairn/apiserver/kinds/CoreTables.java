package io.cairn.apiserver.kinds;

import io.cairn.apiserver.registry.TableColumn;
import java.util.List;

/**
 * Pieces of kube-apiserver's table printers ({@code pkg/printers/internalversion}) that several core kinds share.
 * The server always renders the wide cells (kubectl hides columns of priority 1 unless {@code -o wide}).
 */
final class CoreTables {
    private CoreTables() {
    }

    /** The description kube gives every Age column (ObjectMeta's creationTimestamp doc). */
    static final String AGE_DOC = TableColumn.ageColumn().description();

    /** The printers' {@code listWithMoreString}: at most three entries, then "+ N more...", "<unset>" when empty. */
    static String listWithMore(List<String> all) {
        int max = 3;
        String shown = String.join(",", all.subList(0, Math.min(max, all.size())));
        if (all.size() > max) {
            return shown + " + " + (all.size() - max) + " more...";
        }
        return shown.isEmpty() ? "<unset>" : shown;
    }
}
