package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;

/** The options of registry calls, as the query string and body give them. */
public final class Options {
    private Options() {
    }

    /**
     * A list or watch: selectors, paging, and which resourceVersion to serve ({@code ""} for a quorum read, {@code "0"}
     * for the cache's).
     */
    public record ListOptions(LabelSelector labels, FieldSelector fields, String resourceVersion,
                              String resourceVersionMatch, long limit, String continueToken, boolean watch,
                              boolean allowBookmarks, long timeoutSeconds) {
        public static ListOptions all() {
            return new ListOptions(LabelSelector.everything(), FieldSelector.everything(), "", "", 0, "", false,
                    false, 0);
        }
    }

    /**
     * A create, update or patch: {@code dryRun=All} validates without writing; the manager its fields are recorded
     * under; who asks (admission checks such as RBAC's escalation rules read it); {@code fieldValidation}
     * ({@code Strict}, {@code Warn}, {@code Ignore}) and where its warnings go.
     */
    public record WriteOptions(boolean dryRun, String fieldManager, String user, java.util.List<String> groups,
                               String fieldValidation, java.util.function.Consumer<String> warnings) {
        /** A write of the server's own (bootstrap, in-server controllers), as the superuser. */
        public static final WriteOptions DEFAULT = new WriteOptions(false, "");

        public WriteOptions(boolean dryRun, String fieldManager) {
            this(dryRun, fieldManager, "system:apiserver", java.util.List.of("system:masters"), "Ignore", w -> { });
        }
    }

    /**
     * A delete: grace period (null for the object's own), propagation policy ({@code Background},
     * {@code Foreground}, {@code Orphan} or null), preconditions on uid and resourceVersion (null when absent).
     */
    public record DeleteOptions(Long gracePeriodSeconds, String propagationPolicy, String preconditionUid,
                                String preconditionResourceVersion, boolean dryRun) {
        public static final DeleteOptions DEFAULT = new DeleteOptions(null, null, null, null, false);

        /** From a {@code DeleteOptions} body (may be null) and the query's values. */
        public static DeleteOptions of(JsonNode body, Long queryGrace, String queryPolicy, boolean dryRun) {
            Long grace = queryGrace;
            String policy = queryPolicy;
            String uid = null;
            String rv = null;
            boolean dry = dryRun;
            if (body != null && body.isObject()) {
                if (body.hasNonNull("gracePeriodSeconds")) {
                    grace = body.get("gracePeriodSeconds").asLong();
                }
                if (body.hasNonNull("propagationPolicy")) {
                    policy = body.get("propagationPolicy").asText();
                } else if (body.has("orphanDependents") && body.get("orphanDependents").asBoolean()) {
                    policy = "Orphan";
                }
                JsonNode pre = body.get("preconditions");
                if (pre != null && pre.isObject()) {
                    uid = pre.hasNonNull("uid") ? pre.get("uid").asText() : null;
                    rv = pre.hasNonNull("resourceVersion") ? pre.get("resourceVersion").asText() : null;
                }
                JsonNode d = body.get("dryRun");
                if (d != null && d.isArray() && d.size() > 0) {
                    dry = true;
                }
            }
            return new DeleteOptions(grace, policy, uid, rv, dry);
        }
    }

    /** The patch formats kube-apiserver takes, by content type. */
    public enum PatchType {
        JSON("application/json-patch+json"),
        MERGE("application/merge-patch+json"),
        STRATEGIC("application/strategic-merge-patch+json"),
        APPLY("application/apply-patch+yaml");

        public final String contentType;

        PatchType(String contentType) {
            this.contentType = contentType;
        }

        public static PatchType of(String contentType) {
            String base = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
            for (PatchType p : values()) {
                if (p.contentType.equals(base)) {
                    return p;
                }
            }
            return null;
        }
    }
}
