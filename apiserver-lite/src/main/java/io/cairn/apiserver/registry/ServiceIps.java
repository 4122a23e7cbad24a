package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.FieldError;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/**
 * Cluster IPs of services, from a range ({@code 10.96.0.0/12} by default, as kube-apiserver's
 * {@code --service-cluster-ip-range}): each IP in use is a key {@code /registry/serviceips/<ip>} created in the same
 * transaction as its service (so two services never get one IP) and deleted with it. The range's first address is
 * the {@code kubernetes} service's.
 */
public final class ServiceIps implements Registry.Allocator {
    public static final String CLAIM_PREFIX = "/registry/serviceips/";

    private final int base;
    private final int size;
    private final SecureRandom random = new SecureRandom();

    /** @param cidr an IPv4 range such as {@code 10.96.0.0/12} */
    public ServiceIps(String cidr) {
        String[] parts = cidr.split("/");
        int bits = Integer.parseInt(parts[1]);
        if (bits < 8 || bits > 28) {
            throw new IllegalArgumentException("service range " + cidr + ": prefix must be between /8 and /28");
        }
        int mask = bits == 0 ? 0 : -1 << (32 - bits);
        this.base = toInt(parts[0]) & mask;
        this.size = 1 << (32 - bits);
    }

    /** The first usable address (the {@code kubernetes} service's). */
    public String first() {
        return toString(base + 1);
    }

    @Override
    public Map<String, byte[]> allocate(ResourceType type, ObjectNode obj) {
        if (!isService(type) || "ExternalName".equals(Objects2.text(obj, "spec", "type"))) {
            return Map.of();
        }
        ObjectNode spec = Objects2.objectAt(obj, "spec");
        String ip = Objects2.text(obj, "spec", "clusterIP");
        if (ip.equals("None")) {
            spec.putArray("clusterIPs").add("None");
            return Map.of();
        }
        if (ip.isEmpty()) {
            ip = toString(base + 2 + random.nextInt(size - 3));
        } else if (!inRange(ip)) {
            throw ApiException.invalid("Service", "", Objects2.name(obj), List.of(FieldError.invalid("spec.clusterIPs",
                    ip, "failed to allocate IP " + ip + ": the provided IP (" + ip + ") is not in the valid range. "
                            + "The range of valid IPs is " + toString(base) + "/" + (32 - Integer.numberOfTrailingZeros(size)))));
        }
        spec.put("clusterIP", ip);
        spec.putArray("clusterIPs").add(ip);
        return Map.of(CLAIM_PREFIX + ip, (Objects2.namespace(obj) + "/" + Objects2.name(obj)).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<String> release(ResourceType type, ObjectNode obj) {
        if (!isService(type)) {
            return List.of();
        }
        String ip = Objects2.text(obj, "spec", "clusterIP");
        return ip.isEmpty() || ip.equals("None") ? List.of() : List.of(CLAIM_PREFIX + ip);
    }

    private static boolean isService(ResourceType type) {
        return type.group().isEmpty() && type.resource().equals("services");
    }

    private boolean inRange(String ip) {
        try {
            int v = toInt(ip);
            long off = Integer.toUnsignedLong(v) - Integer.toUnsignedLong(base);
            return off > 0 && off < size - 1;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static int toInt(String ip) {
        String[] p = ip.split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + ip);
        }
        int v = 0;
        for (String s : p) {
            int b = Integer.parseInt(s);
            if (b < 0 || b > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + ip);
            }
            v = (v << 8) | b;
        }
        return v;
    }

    static String toString(int v) {
        return ((v >>> 24) & 255) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
    }

}
