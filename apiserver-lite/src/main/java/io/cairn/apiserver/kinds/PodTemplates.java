package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.registry.Objects2.defaultInt;
import static io.cairn.apiserver.registry.Objects2.defaultText;
import static io.cairn.apiserver.registry.Objects2.objectAt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.api.Quantity;
import io.cairn.apiserver.validation.Validators;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pod spec wherever it appears (a pod's {@code spec}, a workload's {@code spec.template.spec}): Kubernetes' core/v1
 * defaulting functions for it ({@code SetDefaults_PodSpec}, {@code SetDefaults_Container}, ports, probes, volumes) and
 * its validation ({@code ValidatePodSpec}, {@code ValidatePodTemplateSpec}) with kube-apiserver's field paths and
 * messages.
 *
 * <p>What Kubernetes does only for Pod objects (requests copied from limits, {@code enableServiceLinks}, the admission
 * plugins' service account, priority and tolerations) is not here but in {@link PodStrategy}: a deployment's template
 * in a real cluster carries none of it either. Fields this class does not model are left untouched.
 */
public final class PodTemplates {
    private PodTemplates() {
    }

    /** Where a termination message is read when none is set ({@code TerminationMessagePathDefault}). */
    public static final String TERMINATION_MESSAGE_PATH = "/dev/termination-log";
    /** The grace period a pod gets when none is set ({@code DefaultTerminationGracePeriodSeconds}). */
    public static final int TERMINATION_GRACE_PERIOD_SECONDS = 30;
    /** The mode of secret, configMap, downwardAPI and projected volume files when none is set (0644). */
    public static final int VOLUME_DEFAULT_MODE = 420;

    private static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
    private static final List<String> DNS_POLICIES = List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default",
            "None");
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    private static final List<String> MESSAGE_POLICIES = List.of("File", "FallbackToLogsOnError");
    private static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
    private static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");
    private static final Set<String> STANDARD_CONTAINER_RESOURCES = Set.of("cpu", "memory", "ephemeral-storage");
    private static final List<String> CONTAINER_LISTS = List.of("initContainers", "containers", "ephemeralContainers");
    private static final List<String> PROBES = List.of("livenessProbe", "readinessProbe", "startupProbe");

    // ---------------------------------------------------------------------------------------------------- defaults

    /** A pod template's defaults: {@code metadata.creationTimestamp: null} as Kubernetes 1.32 writes it, and the spec's. */
    public static void applyTemplateDefaults(ObjectNode template) {
        ObjectNode meta = objectAt(template, "metadata");
        if (!meta.has("creationTimestamp")) {
            meta.putNull("creationTimestamp");
        }
        applySpecDefaults(objectAt(template, "spec"));
    }

    /** {@code SetDefaults_PodSpec} and the defaults of everything inside a pod spec. */
    public static void applySpecDefaults(ObjectNode spec) {
        defaultText(spec, "dnsPolicy", "ClusterFirst");
        defaultText(spec, "restartPolicy", "Always");
        JsonNode sc = spec.get("securityContext");
        if (sc == null || sc.isNull()) {
            spec.putObject("securityContext");
        }
        if (!spec.hasNonNull("terminationGracePeriodSeconds")) {
            spec.put("terminationGracePeriodSeconds", TERMINATION_GRACE_PERIOD_SECONDS);
        }
        defaultText(spec, "schedulerName", "default-scheduler");
        // The v1 conversion keeps the deprecated serviceAccount and serviceAccountName in step.
        String sa = spec.path("serviceAccountName").asText("");
        if (sa.isEmpty() && !spec.path("serviceAccount").asText("").isEmpty()) {
            spec.put("serviceAccountName", spec.path("serviceAccount").asText());
        } else if (!sa.isEmpty()) {
            spec.put("serviceAccount", sa);
        }
        for (String list : CONTAINER_LISTS) {
            for (JsonNode c : spec.path(list)) {
                if (c instanceof ObjectNode container) {
                    applyContainerDefaults(container);
                }
            }
        }
        for (JsonNode v : spec.path("volumes")) {
            if (v instanceof ObjectNode volume) {
                applyVolumeDefaults(volume);
            }
        }
    }

    /** {@code SetDefaults_Container} and its ports, env, probes and lifecycle handlers. */
    static void applyContainerDefaults(ObjectNode c) {
        if (c.path("imagePullPolicy").asText("").isEmpty()) {
            c.put("imagePullPolicy", pullsLatest(c.path("image").asText("")) ? "Always" : "IfNotPresent");
        }
        defaultText(c, "terminationMessagePath", TERMINATION_MESSAGE_PATH);
        defaultText(c, "terminationMessagePolicy", "File");
        if (!c.has("resources") || c.get("resources").isNull()) {
            c.putObject("resources");
        }
        for (JsonNode p : c.path("ports")) {
            if (p instanceof ObjectNode port) {
                defaultText(port, "protocol", "TCP");
            }
        }
        for (JsonNode e : c.path("env")) {
            if (e.path("valueFrom").path("fieldRef") instanceof ObjectNode ref) {
                defaultText(ref, "apiVersion", "v1");
            }
        }
        for (String probe : PROBES) {
            if (c.get(probe) instanceof ObjectNode p) {
                defaultInt(p, "timeoutSeconds", 1);
                defaultInt(p, "periodSeconds", 10);
                defaultInt(p, "successThreshold", 1);
                defaultInt(p, "failureThreshold", 3);
                defaultHttpGet(p);
            }
        }
        for (String hook : List.of("postStart", "preStop")) {
            if (c.path("lifecycle").get(hook) instanceof ObjectNode h) {
                defaultHttpGet(h);
            }
        }
    }

    private static void defaultHttpGet(ObjectNode handler) {
        if (handler.get("httpGet") instanceof ObjectNode get) {
            defaultText(get, "path", "/");
            defaultText(get, "scheme", "HTTP");
        }
    }

    /**
     * {@code SetDefaults_Container}'s pull policy: Always when the image's tag is {@code latest} or absent (and no
     * digest), else IfNotPresent. An image that does not parse gets IfNotPresent, as in Kubernetes.
     */
    static boolean pullsLatest(String image) {
        if (image.isEmpty()) {
            return false;
        }
        int at = image.indexOf('@');
        boolean digest = at >= 0;
        String name = digest ? image.substring(0, at) : image;
        int colon = name.indexOf(':', name.lastIndexOf('/') + 1);
        String tag = colon < 0 ? "" : name.substring(colon + 1);
        String repository = colon < 0 ? name : name.substring(0, colon);
        int slash = repository.indexOf('/');
        String first = slash < 0 ? "" : repository.substring(0, slash);
        boolean hasDomain = first.contains(".") || first.contains(":") || first.equals("localhost");
        String path = hasDomain ? repository.substring(slash + 1) : repository;
        if (!path.equals(path.toLowerCase(java.util.Locale.ROOT))) {
            return false; // "repository name must be lowercase": the reference does not parse
        }
        return tag.isEmpty() ? !digest : tag.equals("latest");
    }

    /** {@code SetDefaults_Volume} and the volume sources' default modes. */
    static void applyVolumeDefaults(ObjectNode v) {
        boolean hasSource = false;
        for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
            hasSource |= !it.next().equals("name");
        }
        if (!hasSource) {
            v.putObject("emptyDir");
            return;
        }
        for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
            if (v.get(source) instanceof ObjectNode s) {
                defaultInt(s, "defaultMode", VOLUME_DEFAULT_MODE);
            }
        }
        if (v.get("hostPath") instanceof ObjectNode hp && !hp.has("type")) {
            hp.put("type", "");
        }
        defaultFieldRefs(v.path("downwardAPI").path("items"));
        for (JsonNode s : v.path("projected").path("sources")) {
            defaultFieldRefs(s.path("downwardAPI").path("items"));
        }
    }

    private static void defaultFieldRefs(JsonNode items) {
        for (JsonNode item : items) {
            if (item.get("fieldRef") instanceof ObjectNode ref) {
                defaultText(ref, "apiVersion", "v1");
            }
        }
    }

    // -------------------------------------------------------------------------------------------------- validation

    /**
     * {@code ValidatePodTemplateSpec}: the template's labels and annotations (at {@code <path>.labels}, as kube reports
     * them), then its spec at {@code <path>.spec}.
     *
     * @param kind the object's kind, for the 400 a quantity that does not parse gets ("Deployment in version ...")
     */
    public static void validateTemplate(JsonNode template, String path, String kind, List<FieldError> errors) {
        if (template == null || !template.isObject()) {
            errors.add(FieldError.required(path, ""));
            return;
        }
        JsonNode meta = template.path("metadata");
        errors.addAll(Validators.labels(meta.get("labels"), path + ".labels"));
        errors.addAll(Validators.annotations(meta.get("annotations"), path + ".annotations"));
        validateSpec(template.path("spec"), path + ".spec", kind, errors);
        if (template.path("spec").path("ephemeralContainers").size() > 0) {
            errors.add(FieldError.forbidden(path + ".spec.ephemeralContainers",
                    "ephemeral containers not allowed in pod template"));
        }
    }

    /**
     * {@code ValidatePodSpec} for the fields modelled here: volumes' names, containers and init containers, restart
     * and DNS policies, activeDeadlineSeconds, nodeName, serviceAccountName and tolerations.
     *
     * @throws ApiException 400 when a resource quantity does not parse: kube-apiserver fails such a body while
     *                      decoding it, before any validation
     */
    public static void validateSpec(JsonNode spec, String path, String kind, List<FieldError> errors) {
        validateVolumes(spec.path("volumes"), path + ".volumes", errors);
        Set<String> names = new HashSet<>();
        JsonNode containers = spec.path("containers");
        if (containers.size() == 0) {
            errors.add(FieldError.required(path + ".containers", ""));
        }
        for (int i = 0; i < containers.size(); i++) {
            validateContainer(containers.get(i), path + ".containers[" + i + "]", false, names, kind, errors);
        }
        JsonNode inits = spec.path("initContainers");
        for (int i = 0; i < inits.size(); i++) {
            validateContainer(inits.get(i), path + ".initContainers[" + i + "]", true, names, kind, errors);
        }
        validateChoice(spec, "restartPolicy", path, RESTART_POLICIES, errors);
        validateChoice(spec, "dnsPolicy", path, DNS_POLICIES, errors);
        String nodeName = spec.path("nodeName").asText("");
        if (!nodeName.isEmpty()) {
            invalidIf(errors, path + ".nodeName", nodeName, Validators.checkDns1123Subdomain(nodeName));
        }
        String sa = spec.path("serviceAccountName").asText("");
        if (!sa.isEmpty()) {
            invalidIf(errors, path + ".serviceAccountName", sa, Validators.checkDns1123Subdomain(sa));
        }
        JsonNode deadline = spec.get("activeDeadlineSeconds");
        if (deadline != null && !deadline.isNull()
                && (deadline.asLong() < 1 || deadline.asLong() > Integer.MAX_VALUE)) {
            errors.add(FieldError.invalid(path + ".activeDeadlineSeconds", deadline.asLong(),
                    "must be between 1 and " + Integer.MAX_VALUE + ", inclusive"));
        }
        validateTolerations(spec.path("tolerations"), path + ".tolerations", errors);
    }

    private static void validateChoice(JsonNode spec, String field, String path, List<String> supported,
                                       List<FieldError> errors) {
        String v = spec.path(field).asText("");
        if (v.isEmpty()) {
            errors.add(FieldError.required(path + "." + field, ""));
        } else if (!supported.contains(v)) {
            errors.add(FieldError.notSupported(path + "." + field, v, supported));
        }
    }

    private static void invalidIf(List<FieldError> errors, String field, Object value, String detail) {
        if (detail != null) {
            errors.add(FieldError.invalid(field, value, detail));
        }
    }

    private static void validateVolumes(JsonNode volumes, String path, List<FieldError> errors) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < volumes.size(); i++) {
            String namePath = path + "[" + i + "].name";
            String name = volumes.get(i).path("name").asText("");
            if (name.isEmpty()) {
                errors.add(FieldError.required(namePath, ""));
            } else {
                invalidIf(errors, namePath, name, Validators.checkDns1123Label(name));
            }
            if (!names.add(name)) {
                errors.add(FieldError.duplicate(namePath, name));
            }
        }
    }

    /** {@code validateContainerCommon} plus the name uniqueness and restartPolicy rules of (init) containers. */
    private static void validateContainer(JsonNode c, String path, boolean init, Set<String> names, String kind,
                                          List<FieldError> errors) {
        String name = c.path("name").asText("");
        if (name.isEmpty()) {
            errors.add(FieldError.required(path + ".name", ""));
        } else {
            invalidIf(errors, path + ".name", name, Validators.checkDns1123Label(name));
        }
        if (c.path("image").asText("").isEmpty()) {
            errors.add(FieldError.required(path + ".image", ""));
        }
        validateChoice(c, "terminationMessagePolicy", path, MESSAGE_POLICIES, errors);
        validatePorts(c.path("ports"), path + ".ports", errors);
        validateEnv(c.path("env"), path + ".env", errors);
        validateChoice(c, "imagePullPolicy", path, PULL_POLICIES, errors);
        validateResources(c.path("resources"), path + ".resources", kind, errors);
        if (!names.add(name)) {
            errors.add(FieldError.duplicate(path + ".name", name));
        }
        JsonNode restart = c.get("restartPolicy");
        if (restart != null && !restart.isNull()) {
            if (!init) {
                errors.add(FieldError.forbidden(path + ".restartPolicy", "may not be set for non-init containers"));
            } else if (!restart.asText().equals("Always")) {
                errors.add(FieldError.notSupported(path + ".restartPolicy", restart.asText(), List.of("Always")));
            }
        }
    }

    /** {@code validateContainerPorts}: names are IANA service names, numbers 1-65535, protocol TCP/UDP/SCTP. */
    private static void validatePorts(JsonNode ports, String path, List<FieldError> errors) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            JsonNode port = ports.get(i);
            String p = path + "[" + i + "]";
            String name = port.path("name").asText("");
            if (!name.isEmpty()) {
                List<String> msgs = portNameErrors(name);
                msgs.forEach(m -> errors.add(FieldError.invalid(p + ".name", name, m)));
                if (msgs.isEmpty() && !names.add(name)) {
                    errors.add(FieldError.duplicate(p + ".name", name));
                }
            }
            long number = port.path("containerPort").asLong(0);
            if (number == 0) {
                errors.add(FieldError.required(p + ".containerPort", ""));
            } else if (number < 1 || number > 65535) {
                errors.add(FieldError.invalid(p + ".containerPort", number, "must be between 1 and 65535, inclusive"));
            }
            long host = port.path("hostPort").asLong(0);
            if (host != 0 && (host < 1 || host > 65535)) {
                errors.add(FieldError.invalid(p + ".hostPort", host, "must be between 1 and 65535, inclusive"));
            }
            validateChoice(port, "protocol", p, PROTOCOLS, errors);
        }
    }

    /** apimachinery's {@code IsValidPortName}. */
    static List<String> portNameErrors(String name) {
        List<String> msgs = new ArrayList<>();
        if (name.length() > 15) {
            msgs.add("must be no more than 15 characters");
        }
        if (!name.matches("[-a-z0-9]+")) {
            msgs.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (!name.matches(".*[a-z].*")) {
            msgs.add("must contain at least one letter (a-z)");
        }
        if (name.contains("--")) {
            msgs.add("must not contain consecutive hyphens");
        }
        if (name.startsWith("-") || name.endsWith("-")) {
            msgs.add("must not begin or end with a hyphen");
        }
        return msgs;
    }

    /**
     * {@code ValidateEnv} with Kubernetes 1.32's defaults (RelaxedEnvironmentVariableValidation is beta and on): a name
     * is any printable ASCII but '='.
     */
    private static void validateEnv(JsonNode env, String path, List<FieldError> errors) {
        for (int i = 0; i < env.size(); i++) {
            String p = path + "[" + i + "].name";
            String name = env.get(i).path("name").asText("");
            if (name.isEmpty()) {
                errors.add(FieldError.required(p, ""));
                continue;
            }
            for (char ch : name.toCharArray()) {
                if (ch < 32 || ch > 126 || ch == '=') {
                    errors.add(FieldError.invalid(p, name, "a valid environment variable name must consist only of "
                            + "printable ASCII characters other than '='"));
                    break;
                }
            }
        }
    }

    /** {@code ValidateResourceRequirements}: names, non-negative values, requests not above limits. */
    private static void validateResources(JsonNode resources, String path, String kind, List<FieldError> errors) {
        Map<String, Quantity> limits = quantities(resources.path("limits"), path + ".limits", kind, errors);
        Map<String, Quantity> requests = quantities(resources.path("requests"), path + ".requests", kind, errors);
        for (Map.Entry<String, Quantity> e : requests.entrySet()) {
            Quantity limit = limits.get(e.getKey());
            if (limit == null) {
                continue;
            }
            int cmp = e.getValue().compareTo(limit);
            if (cmp != 0 && !overcommitAllowed(e.getKey())) {
                errors.add(FieldError.invalid(path + ".requests", e.getValue().toString(),
                        "must be equal to " + e.getKey() + " limit of " + limit));
            } else if (cmp > 0) {
                errors.add(FieldError.invalid(path + ".requests", e.getValue().toString(),
                        "must be less than or equal to " + e.getKey() + " limit of " + limit));
            }
        }
    }

    private static Map<String, Quantity> quantities(JsonNode list, String path, String kind,
                                                    List<FieldError> errors) {
        Map<String, Quantity> out = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = list.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String p = path + "[" + e.getKey() + "]";
            Quantity q;
            try {
                q = Quantity.of(e.getValue());
            } catch (IllegalArgumentException ex) {
                throw ApiException.badRequest(kind + " in version \"v1\" cannot be handled as a " + kind + ": "
                        + ex.getMessage());
            }
            String nameError = resourceNameError(e.getKey());
            if (nameError != null) {
                errors.add(FieldError.invalid(p, e.getKey(), nameError));
            }
            if (q.signum() < 0) {
                errors.add(FieldError.invalid(p, q.toString(), "must be greater than or equal to 0"));
            } else if (isExtended(e.getKey()) && q.milliValue() % 1000 != 0) {
                errors.add(FieldError.invalid(p, q.toString(), "must be an integer"));
            }
            out.put(e.getKey(), q);
        }
        return out;
    }

    /** {@code validateContainerResourceName}. */
    private static String resourceNameError(String name) {
        if (!name.contains("/")) {
            return STANDARD_CONTAINER_RESOURCES.contains(name) || name.startsWith("hugepages-") ? null
                    : "must be a standard resource for containers";
        }
        String q = Validators.checkQualifiedName(name);
        if (q != null) {
            return q;
        }
        return isNative(name) || !name.startsWith("requests.") ? null
                : "doesn't follow extended resource name standard";
    }

    private static boolean isNative(String name) {
        return !name.contains("/") || name.contains("kubernetes.io/");
    }

    private static boolean isExtended(String name) {
        return !isNative(name) && !name.startsWith("requests.");
    }

    /** Native resources but huge pages may be requested below their limit ({@code IsOvercommitAllowed}). */
    private static boolean overcommitAllowed(String name) {
        return isNative(name) && !name.startsWith("hugepages-");
    }

    /** {@code ValidateTolerations}. */
    private static void validateTolerations(JsonNode tolerations, String path, List<FieldError> errors) {
        for (int i = 0; i < tolerations.size(); i++) {
            JsonNode t = tolerations.get(i);
            String p = path + "[" + i + "]";
            String key = t.path("key").asText("");
            String op = t.path("operator").asText("");
            String effect = t.path("effect").asText("");
            if (!key.isEmpty()) {
                invalidIf(errors, p + ".key", key, Validators.checkQualifiedName(key));
            }
            if (key.isEmpty() && !op.equals("Exists")) {
                errors.add(FieldError.invalid(p + ".operator", op,
                        "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }
            if (t.hasNonNull("tolerationSeconds") && !effect.equals("NoExecute")) {
                errors.add(FieldError.invalid(p + ".effect", effect,
                        "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
            String value = t.path("value").asText("");
            switch (op) {
                case "", "Equal" -> invalidIf(errors, p + ".operator", value, Validators.checkLabelValue(value));
                case "Exists" -> {
                    if (!value.isEmpty()) {
                        errors.add(FieldError.invalid(p + ".operator", t, "value must be empty when `operator` is "
                                + "'Exists'"));
                    }
                }
                default -> errors.add(FieldError.notSupported(p + ".operator", op, List.of("Equal", "Exists")));
            }
            if (!effect.isEmpty() && !TAINT_EFFECTS.contains(effect)) {
                errors.add(FieldError.notSupported(p + ".effect", effect, TAINT_EFFECTS));
            }
        }
    }
}
