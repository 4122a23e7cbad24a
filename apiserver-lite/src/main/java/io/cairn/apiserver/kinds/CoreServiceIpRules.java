package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A Service's cluster IP rules, split from {@link ServiceStrategy} to keep it readable: the stand-alone rules of
 * {@code clusterIP}, {@code clusterIPs}, {@code ipFamilies} and {@code ipFamilyPolicy}
 * ({@code ValidateServiceClusterIPsRelatedFields}) and the rules of an update (an allocated cluster IP or family never
 * changes; load balancer class and health-check node port stay). Messages are kube-apiserver's.
 */
final class CoreServiceIpRules {
    private CoreServiceIpRules() {
    }

    private static final List<String> IP_FAMILIES = List.of("IPv4", "IPv6");
    private static final List<String> IP_FAMILY_POLICIES = List.of("PreferDualStack", "RequireDualStack", "SingleStack");
    private static final String CHANGED = "may not change once set";

    /** The stand-alone rules of the cluster IP fields (nothing for ExternalName, whose rules forbid them). */
    static void validateClusterIps(ObjectNode spec, List<FieldError> errors) {
        if (Objects2.text(spec, "type").equals(ServiceStrategy.EXTERNAL_NAME)) {
            return;
        }
        String ip = Objects2.text(spec, "clusterIP");
        List<String> ips = Objects2.strings(spec, "clusterIPs");
        CoreGoValue ipsValue = CoreGoValue.strings(ips);
        if (!ip.isEmpty()) {
            if (ips.isEmpty()) {
                errors.add(FieldError.required("spec.clusterIPs", ""));
            } else if (!ips.get(0).equals(ip)) {
                errors.add(FieldError.invalid("spec.clusterIPs", ipsValue, "first value must match `clusterIP`"));
            }
        } else if (!ips.isEmpty()) {
            errors.add(FieldError.invalid("spec.clusterIPs", ipsValue,
                    "must be empty when `clusterIP` is not specified"));
        }
        validateFamilies(spec, errors);
        boolean invalidIps = false;
        for (int i = 0; i < ips.size(); i++) {
            if (i == 0 && ips.get(0).equals("None")) {
                if (ips.size() > 1) {
                    invalidIps = true;
                    errors.add(FieldError.invalid("spec.clusterIPs", ipsValue, "'None' must be the first and only value"));
                }
                continue;
            }
            invalidIps |= !CoreChecks.validIp(ips.get(i), "spec.clusterIPs[" + i + "]", errors);
        }
        if (ips.size() > 2) {
            errors.add(FieldError.invalid("spec.clusterIPs", ipsValue, "may only hold up to 2 values"));
        }
        if (invalidIps) {
            return;
        }
        if (ips.size() > 1 && CoreChecks.isIpv4(ips.get(0)) == CoreChecks.isIpv4(ips.get(1))) {
            errors.add(FieldError.invalid("spec.clusterIPs", ipsValue,
                    "may specify no more than one IP for each IP family"));
        }
        matchFamilies(spec, ips, errors);
    }

    private static void validateFamilies(ObjectNode spec, List<FieldError> errors) {
        List<String> families = Objects2.strings(spec, "ipFamilies");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < families.size(); i++) {
            String path = "spec.ipFamilies[" + i + "]";
            if (!IP_FAMILIES.contains(families.get(i))) {
                errors.add(FieldError.notSupported(path, families.get(i), IP_FAMILIES));
            }
            if (!seen.add(families.get(i))) {
                errors.add(FieldError.duplicate(path, families.get(i)));
            }
        }
        String policy = Objects2.text(spec, "ipFamilyPolicy");
        if (Objects2.has(spec, "ipFamilyPolicy") && !IP_FAMILY_POLICIES.contains(policy)) {
            errors.add(FieldError.notSupported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES));
        }
    }

    private static void matchFamilies(ObjectNode spec, List<String> ips, List<FieldError> errors) {
        List<String> families = Objects2.strings(spec, "ipFamilies");
        if (ServiceStrategy.isHeadless(spec)) {
            return;
        }
        for (int i = 0; i < ips.size() && i < families.size(); i++) {
            boolean v6 = CoreChecks.isIpv6(ips.get(i));
            if (families.get(i).equals("IPv4") && v6) {
                errors.add(FieldError.invalid("spec.clusterIPs[" + i + "]", ips.get(i),
                        "expected an IPv4 value as indicated by `ipFamilies[" + i + "]`"));
            }
            if (families.get(i).equals("IPv6") && !v6) {
                errors.add(FieldError.invalid("spec.clusterIPs[" + i + "]", ips.get(i),
                        "expected an IPv6 value as indicated by `ipFamilies[" + i + "]`"));
            }
        }
    }

    /** The rules of an update ({@code ValidateServiceUpdate} before it re-validates the new object). */
    static void validate(ObjectNode spec, ObjectNode oldSpec, List<FieldError> errors) {
        boolean externalName = Objects2.text(spec, "type").equals(ServiceStrategy.EXTERNAL_NAME)
                || Objects2.text(oldSpec, "type").equals(ServiceStrategy.EXTERNAL_NAME);
        if (!externalName) {
            clusterIpsUpdate(spec, oldSpec, errors);
            familiesUpdate(spec, oldSpec, errors);
        }
        boolean lb = Objects2.text(spec, "type").equals(ServiceStrategy.LOAD_BALANCER);
        boolean wasLb = Objects2.text(oldSpec, "type").equals(ServiceStrategy.LOAD_BALANCER);
        if (lb && wasLb && !Objects2.same(spec.get("loadBalancerClass"), oldSpec.get("loadBalancerClass"))) {
            JsonNode cls = spec.get("loadBalancerClass");
            errors.add(FieldError.invalid("spec.loadBalancerClass", cls == null || cls.isNull() ? null : cls.asText(),
                    CHANGED));
        }
        if (ServiceStrategy.needsHealthCheck(spec) && ServiceStrategy.needsHealthCheck(oldSpec)
                && spec.path("healthCheckNodePort").asInt() != oldSpec.path("healthCheckNodePort").asInt()) {
            errors.add(FieldError.forbidden("spec.healthCheckNodePort", CoreChecks.IMMUTABLE));
        }
    }

    private static void clusterIpsUpdate(ObjectNode spec, ObjectNode oldSpec, List<FieldError> errors) {
        if (ServiceStrategy.isHeadless(spec) && ServiceStrategy.isHeadless(oldSpec)) {
            return;
        }
        List<String> ips = Objects2.strings(spec, "clusterIPs");
        List<String> oldIps = Objects2.strings(oldSpec, "clusterIPs");
        CoreGoValue value = CoreGoValue.strings(ips);
        if (oldIps.size() == ips.size()) {
            for (int i = 0; i < oldIps.size(); i++) {
                if (!oldIps.get(i).equals(ips.get(i))) {
                    errors.add(FieldError.invalid("spec.clusterIPs[" + i + "]", value, CHANGED));
                }
            }
        } else if (oldIps.size() > ips.size()) {
            if (ips.isEmpty()) {
                errors.add(FieldError.invalid("spec.clusterIPs[0]", value, "primary clusterIP can not be unset"));
            } else if (!ips.get(0).equals(oldIps.get(0))) {
                errors.add(FieldError.invalid("spec.clusterIPs[0]", value, CHANGED));
            }
            if (ips.size() == 1 && !Objects2.text(spec, "ipFamilyPolicy").equals("SingleStack")) {
                errors.add(FieldError.invalid("spec.ipFamilyPolicy", policyValue(spec),
                        "must be set to 'SingleStack' when releasing the secondary clusterIP"));
            }
        } else if (!oldIps.isEmpty() && !ips.get(0).equals(oldIps.get(0))) {
            errors.add(FieldError.invalid("spec.clusterIPs[0]", value, CHANGED));
        }
    }

    private static void familiesUpdate(ObjectNode spec, ObjectNode oldSpec, List<FieldError> errors) {
        boolean headless = ServiceStrategy.isHeadless(spec);
        if (headless || headless != ServiceStrategy.isHeadless(oldSpec)) {
            return;
        }
        List<String> families = Objects2.strings(spec, "ipFamilies");
        List<String> oldFamilies = Objects2.strings(oldSpec, "ipFamilies");
        CoreGoValue value = goFamilies(families);
        if (oldFamilies.size() == families.size()) {
            for (int i = 0; i < oldFamilies.size(); i++) {
                if (!oldFamilies.get(i).equals(families.get(i))) {
                    errors.add(FieldError.invalid("spec.ipFamilies[0]", value, CHANGED));
                }
            }
        } else if (oldFamilies.size() > families.size()) {
            if (Objects2.strings(spec, "clusterIPs").isEmpty()) {
                errors.add(FieldError.invalid("spec.ipFamilies[0]", value, "primary ipFamily can not be unset"));
            }
            if (!families.isEmpty() && !families.get(0).equals(oldFamilies.get(0))) {
                errors.add(FieldError.invalid("spec.ipFamilies[0]",
                        CoreGoValue.strings(Objects2.strings(spec, "clusterIPs")), CHANGED));
            }
            if (families.size() == 1 && !Objects2.text(spec, "ipFamilyPolicy").equals("SingleStack")) {
                errors.add(FieldError.invalid("spec.ipFamilyPolicy", policyValue(spec),
                        "must be set to 'SingleStack' when releasing the secondary ipFamily"));
            }
        } else if (!oldFamilies.isEmpty() && !families.isEmpty() && !families.get(0).equals(oldFamilies.get(0))) {
            errors.add(FieldError.invalid("spec.ipFamilies[0]",
                    CoreGoValue.strings(Objects2.strings(spec, "clusterIPs")), CHANGED));
        }
    }

    /** Go's {@code %#v} of a {@code []core.IPFamily}. */
    private static CoreGoValue goFamilies(List<String> families) {
        StringBuilder b = new StringBuilder("[]core.IPFamily{");
        for (int i = 0; i < families.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(CoreGoValue.quote(families.get(i)));
        }
        return new CoreGoValue(b.append('}').toString());
    }

    private static Object policyValue(ObjectNode spec) {
        return Objects2.has(spec, "ipFamilyPolicy") ? Objects2.text(spec, "ipFamilyPolicy") : null;
    }
}
