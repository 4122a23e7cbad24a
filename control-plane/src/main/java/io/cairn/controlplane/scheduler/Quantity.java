package io.cairn.controlplane.scheduler;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Kubernetes resource quantities ({@code 500m}, {@code 1.5}, {@code 128Mi}, {@code 1G}, {@code 1e3}) as whole
 * units for the scheduler's arithmetic: cpu in millicores, everything else in base units rounded up.
 */
final class Quantity {
    private Quantity() {
    }

    /** The quantity's value in base units, exactly. */
    static BigDecimal parse(String s) {
        String q = s.trim();
        if (q.isEmpty()) {
            throw new IllegalArgumentException("empty quantity");
        }
        BigDecimal multiplier = BigDecimal.ONE;
        String[][] binary = {{"Ki", "1"}, {"Mi", "2"}, {"Gi", "3"}, {"Ti", "4"}, {"Pi", "5"}, {"Ei", "6"}};
        for (String[] b : binary) {
            if (q.endsWith(b[0])) {
                multiplier = BigDecimal.valueOf(1024).pow(Integer.parseInt(b[1]));
                return new BigDecimal(q.substring(0, q.length() - 2)).multiply(multiplier);
            }
        }
        char last = q.charAt(q.length() - 1);
        int exp = switch (last) {
            case 'n' -> -9;
            case 'u' -> -6;
            case 'm' -> -3;
            case 'k' -> 3;
            case 'M' -> 6;
            case 'G' -> 9;
            case 'T' -> 12;
            case 'P' -> 15;
            case 'E' -> 18;
            default -> 0;
        };
        if (exp != 0) {
            return new BigDecimal(q.substring(0, q.length() - 1)).scaleByPowerOfTen(exp);
        }
        return new BigDecimal(q); // plain or exponent form (1e3, 1E3)
    }

    /** {@code cpu} in millicores, anything else in base units; rounded up as Kubernetes does. */
    static long amount(String resource, String quantity) {
        BigDecimal v = parse(quantity);
        if (resource.equals("cpu")) {
            v = v.scaleByPowerOfTen(3);
        }
        return v.setScale(0, RoundingMode.CEILING).longValueExact();
    }
}
