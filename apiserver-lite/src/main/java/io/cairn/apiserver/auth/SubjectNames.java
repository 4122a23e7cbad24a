package io.cairn.apiserver.auth;

import io.netty.util.NetUtil;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * The subject alternative names of the serving certificate: which strings are IP addresses and which DNS names,
 * their canonical form (DNS names lower-case, IPs as bytes, so {@code ::1} and {@code 0:0:0:0:0:0:0:1} are one),
 * and whether an existing certificate covers a wanted set.
 *
 * <p>A string is an IP address only if it is an IPv4 or IPv6 literal (brackets allowed: {@code [::1]}); nothing
 * here resolves a name. Wildcard bind addresses ({@code 0.0.0.0}, {@code ::}) name no host and are dropped.
 */
final class SubjectNames {
    private final Map<String, GeneralName> byKey;

    private SubjectNames(Map<String, GeneralName> byKey) {
        this.byKey = byKey;
    }

    /** The wanted names, duplicates (in canonical form) and blanks and wildcards removed, order kept. */
    static SubjectNames of(Collection<String> names) {
        Map<String, GeneralName> m = new LinkedHashMap<>();
        for (String raw : names) {
            if (raw == null || raw.isBlank()) {
                continue;
            }
            String s = raw.trim();
            if (s.startsWith("[") && s.endsWith("]")) {
                s = s.substring(1, s.length() - 1);
            }
            byte[] ip = ipBytes(s);
            if (ip != null) {
                if (isWildcard(ip)) {
                    continue;
                }
                m.putIfAbsent(ipKey(ip), new GeneralName(GeneralName.iPAddress, new DEROctetString(ip)));
            } else {
                String dns = s.toLowerCase(Locale.ROOT);
                m.putIfAbsent("dns:" + dns, new GeneralName(GeneralName.dNSName, dns));
            }
        }
        return new SubjectNames(m);
    }

    /** The names a certificate carries, in canonical form; empty when it has none. */
    static SubjectNames of(X509Certificate cert) {
        Map<String, GeneralName> m = new LinkedHashMap<>();
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return new SubjectNames(m);
        }
        if (sans == null) {
            return new SubjectNames(m);
        }
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            String value = String.valueOf(san.get(1));
            if (type == GeneralName.dNSName) {
                String dns = value.toLowerCase(Locale.ROOT);
                m.putIfAbsent("dns:" + dns, new GeneralName(GeneralName.dNSName, dns));
            } else if (type == GeneralName.iPAddress) {
                byte[] ip = ipBytes(value);
                if (ip != null) {
                    m.putIfAbsent(ipKey(ip), new GeneralName(GeneralName.iPAddress, new DEROctetString(ip)));
                }
            }
        }
        return new SubjectNames(m);
    }

    /** The wanted names that {@code have} lacks, as text; empty when it covers them all. */
    List<String> missingFrom(SubjectNames have) {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, GeneralName> e : byKey.entrySet()) {
            if (!have.byKey.containsKey(e.getKey())) {
                missing.add(e.getKey());
            }
        }
        return missing;
    }

    GeneralNames generalNames() {
        return new GeneralNames(byKey.values().toArray(new GeneralName[0]));
    }

    /** The names as text ({@code dns:localhost}, {@code ip:127.0.0.1}), for logs and tests. */
    List<String> describe() {
        return List.copyOf(byKey.keySet());
    }

    private static byte[] ipBytes(String s) {
        if (NetUtil.isValidIpV4Address(s) || NetUtil.isValidIpV6Address(s)) {
            return NetUtil.createByteArrayFromIpAddressString(s);
        }
        return null;
    }

    private static boolean isWildcard(byte[] ip) {
        for (byte b : ip) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String ipKey(byte[] ip) {
        try {
            return "ip:" + NetUtil.bytesToIpAddress(ip);
        } catch (RuntimeException e) {
            return "ip:" + Arrays.toString(ip);
        }
    }
}
