package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.validation.Validators;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks several core kinds share, with kube-apiserver's words (apimachinery's {@code IsValidIP},
 * {@code IsValidPortNum}, {@code IsValidPortName}, core validation's {@code ValidateNonSpecialIP}, ...). IP literals are
 * parsed here, never through {@link java.net.InetAddress}, which could resolve a host name.
 */
final class CoreChecks {
    private CoreChecks() {
    }

    /** The protocols a service, endpoints or endpoint-slice port may use, as kube lists them. */
    static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");

    static final String IMMUTABLE = "field is immutable";
    static final String IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";
    static final String PORT_RANGE = "must be between 1 and 65535, inclusive";
    static final String IP_DETAIL = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

    private static final Pattern PORT_NAME_CHARS = Pattern.compile("[-a-z0-9]+");
    private static final Pattern ONE_LETTER = Pattern.compile(".*[a-z].*");

    /** The error of a port number at {@code path}, or null when it is within 1–65535. */
    static FieldError portNum(String path, long port) {
        return port < 1 || port > 65535 ? FieldError.invalid(path, port, PORT_RANGE) : null;
    }

    /** apimachinery's {@code IsValidPortName}: the IANA service-name syntax, every failed rule. */
    static List<String> portNameProblems(String name) {
        List<String> out = new ArrayList<>();
        if (name.length() > 15) {
            out.add("must be no more than 15 characters");
        }
        if (!PORT_NAME_CHARS.matcher(name).matches()) {
            out.add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }
        if (!ONE_LETTER.matcher(name).matches()) {
            out.add("must contain at least one letter (a-z)");
        }
        if (name.contains("--")) {
            out.add("must not contain consecutive hyphens");
        }
        if (!name.isEmpty() && (name.startsWith("-") || name.endsWith("-"))) {
            out.add("must not begin or end with a hyphen");
        }
        return out;
    }

    /** Core validation's {@code ValidatePortNumOrName}: a number in range or an IANA service name. */
    static void portNumOrName(JsonNode port, String path, List<FieldError> errors) {
        if (port == null || port.isNull()) {
            return;
        }
        if (port.isNumber()) {
            add(errors, portNum(path, port.asLong()));
            return;
        }
        for (String msg : portNameProblems(port.asText())) {
            errors.add(FieldError.invalid(path, port.asText(), msg));
        }
    }

    /** The protocol rule of every port list: required, one of SCTP, TCP, UDP. */
    static void protocol(String protocol, String path, List<FieldError> errors) {
        if (protocol.isEmpty()) {
            errors.add(FieldError.required(path, ""));
        } else if (!PROTOCOLS.contains(protocol)) {
            errors.add(FieldError.notSupported(path, protocol, PROTOCOLS));
        }
    }

    /** An RFC 1123 label at {@code path} ({@code ValidateDNS1123Label}). */
    static void dnsLabel(String value, String path, List<FieldError> errors) {
        String msg = Validators.checkDns1123Label(value);
        if (msg != null) {
            errors.add(FieldError.invalid(path, value, msg));
        }
    }

    /** An RFC 1123 subdomain at {@code path}. */
    static void dnsSubdomain(String value, String path, List<FieldError> errors) {
        String msg = Validators.checkDns1123Subdomain(value);
        if (msg != null) {
            errors.add(FieldError.invalid(path, value, msg));
        }
    }

    /** A qualified name (label key syntax) at {@code path}. */
    static void qualifiedName(String value, String path, List<FieldError> errors) {
        String msg = Validators.checkQualifiedName(value);
        if (msg != null) {
            errors.add(FieldError.invalid(path, value, msg));
        }
    }

    /** {@code field is immutable} when {@code now} differs from {@code before}; the bad value is the new one. */
    static void immutable(JsonNode now, JsonNode before, String path, List<FieldError> errors) {
        if (!Objects2.same(now, before)) {
            Object bad = now == null || now.isNull() ? "" : now.isTextual() ? now.asText() : now;
            errors.add(FieldError.invalid(path, bad, IMMUTABLE));
        }
    }

    /** Adds {@code e} unless it is null. */
    static void add(List<FieldError> errors, FieldError e) {
        if (e != null) {
            errors.add(e);
        }
    }

    // ---- IP addresses ------------------------------------------------------------------------------------------

    /** The 16 bytes of an IPv4 or IPv6 literal (IPv4 mapped into ::ffff:0:0/96), or null; IPv4 parts may have leading
     *  zeros, as k8s.io/utils' {@code ParseIPSloppy} allows. */
    static byte[] parseIp(String s) {
        byte[] v4 = parseIpv4(s);
        if (v4 != null) {
            byte[] out = new byte[16];
            out[10] = (byte) 0xff;
            out[11] = (byte) 0xff;
            System.arraycopy(v4, 0, out, 12, 4);
            return out;
        }
        return s.indexOf(':') >= 0 ? parseIpv6(s) : null;
    }

    static boolean isIpv4(String s) {
        return parseIpv4(s) != null;
    }

    static boolean isIpv6(String s) {
        return s.indexOf(':') >= 0 && parseIpv6(s) != null;
    }

    private static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseIpv6(String s) {
        int dc = s.indexOf("::");
        if (dc >= 0 && s.indexOf("::", dc + 1) >= 0) {
            return null;
        }
        List<Integer> head = dc >= 0 ? groups(s.substring(0, dc)) : groups(s);
        List<Integer> tail = dc >= 0 ? groups(s.substring(dc + 2)) : List.of();
        if (head == null || tail == null) {
            return null;
        }
        int total = head.size() + tail.size();
        if (dc < 0 ? total != 8 : total > 7) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < head.size(); i++) {
            out[2 * i] = (byte) (head.get(i) >> 8);
            out[2 * i + 1] = (byte) (int) head.get(i);
        }
        for (int i = 0; i < tail.size(); i++) {
            int at = 8 - tail.size() + i;
            out[2 * at] = (byte) (tail.get(i) >> 8);
            out[2 * at + 1] = (byte) (int) tail.get(i);
        }
        return out;
    }

    /** Colon-separated 16-bit groups, the last of which may be a dotted IPv4 address (two groups). */
    private static List<Integer> groups(String s) {
        List<Integer> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        String[] parts = s.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && p.contains(".")) {
                byte[] v4 = parseIpv4(p);
                if (v4 == null) {
                    return null;
                }
                out.add(((v4[0] & 0xff) << 8) | (v4[1] & 0xff));
                out.add(((v4[2] & 0xff) << 8) | (v4[3] & 0xff));
                continue;
            }
            if (p.isEmpty() || p.length() > 4 || !p.toLowerCase(Locale.ROOT).chars()
                    .allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
            out.add(Integer.parseInt(p, 16));
        }
        return out;
    }

    /** {@code IsValidIP} at {@code path}: one error when {@code ip} is no IP literal. */
    static boolean validIp(String ip, String path, List<FieldError> errors) {
        if (parseIp(ip) == null) {
            errors.add(FieldError.invalid(path, ip, IP_DETAIL));
            return false;
        }
        return true;
    }

    /** Core validation's {@code ValidateNonSpecialIP}: not unspecified, loopback, link-local or link-local multicast. */
    static void nonSpecialIp(String ip, String path, List<FieldError> errors) {
        byte[] b = parseIp(ip);
        if (b == null) {
            errors.add(FieldError.invalid(path, ip, "must be a valid IP address"));
            return;
        }
        boolean v4 = isV4Mapped(b);
        int b0 = b[v4 ? 12 : 0] & 0xff;
        int b1 = b[v4 ? 13 : 1] & 0xff;
        int b2 = b[v4 ? 14 : 2] & 0xff;
        if (allZero(b, v4 ? 12 : 0)) {
            errors.add(FieldError.invalid(path, ip, "may not be unspecified (" + ip + ")"));
        }
        if (v4 ? b0 == 127 : isV6Loopback(b)) {
            errors.add(FieldError.invalid(path, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
        }
        if (v4 ? b0 == 169 && b1 == 254 : b0 == 0xfe && (b1 & 0xc0) == 0x80) {
            errors.add(FieldError.invalid(path, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
        }
        if (v4 ? b0 == 224 && b1 == 0 && b2 == 0 : b0 == 0xff && (b1 & 0x0f) == 0x02) {
            errors.add(FieldError.invalid(path, ip,
                    "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
        }
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    private static boolean allZero(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isV6Loopback(byte[] b) {
        for (int i = 0; i < 15; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[15] == 1;
    }

    /** {@code IsValidCIDR} at {@code path}. */
    static void cidr(String value, String path, List<FieldError> errors) {
        int slash = value.indexOf('/');
        boolean ok = slash > 0;
        if (ok) {
            String ip = value.substring(0, slash);
            String bits = value.substring(slash + 1);
            ok = parseIp(ip) != null && !bits.isEmpty() && bits.length() <= 3
                    && bits.chars().allMatch(c -> c >= '0' && c <= '9')
                    && Integer.parseInt(bits) <= (isIpv4(ip) ? 32 : 128);
        }
        if (!ok) {
            errors.add(FieldError.invalid(path, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
        }
    }
}
