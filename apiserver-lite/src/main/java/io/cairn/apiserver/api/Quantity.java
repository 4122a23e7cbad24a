package io.cairn.apiserver.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;

/**
 * A Kubernetes resource quantity ({@code 100m}, {@code 1Gi}, {@code 2.5}, {@code 1e3}, {@code 500M}), as apimachinery's
 * {@code resource.Quantity}: parsed with the same grammar and errors, rounded up to the nano the way
 * {@code ParseQuantity} does ("if you want some resources you should get some"), compared by value, and printed in
 * Kubernetes' canonical form ({@code 1000m} prints {@code 1}, {@code 1.5Gi} prints {@code 1536Mi}), which is the form
 * kube-apiserver puts in its error messages.
 *
 * <p>CPU reads in millicores with {@link #milliValue()} and memory in bytes with {@link #value()}; both round up away
 * from zero, as Kubernetes' {@code MilliValue} and {@code Value} do. The scheduler's sums use {@link #amountFor(String)}.
 * Instances are immutable.
 */
public final class Quantity implements Comparable<Quantity> {

    /** The regular expression in kube's error text (the grammar itself is parsed by hand below, as kube does). */
    public static final String REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
    /** kube's {@code ErrFormatWrong}. */
    public static final String ERR_FORMAT = "quantities must match the regular expression '" + REGEX + "'";
    /** kube's {@code ErrNumeric}. */
    public static final String ERR_NUMERIC = "unable to parse numeric part of quantity";
    /** kube's {@code ErrSuffix}. */
    public static final String ERR_SUFFIX = "unable to parse quantity's suffix";

    /** How the quantity was written, which decides how it is printed. */
    public enum Format { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

    /** A decimal exponent beyond this is refused (kube's inf.Dec would build an absurd number; we cap the work). */
    private static final int EXPONENT_ABS_MAX = 1000;
    /** ParseQuantity caps binary quantities at the largest int64. */
    private static final BigDecimal BINARY_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal BINARY_UNIT = BigDecimal.valueOf(1024);
    private static final Map<String, Integer> DECIMAL_SUFFIXES = Map.of(
            "n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
    private static final Map<String, Integer> BINARY_SUFFIXES = Map.of(
            "Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
    private static final String[] BINARY_NAMES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    /** The zero quantity. */
    public static final Quantity ZERO = new Quantity(BigDecimal.ZERO, Format.DECIMAL_SI);

    private final BigDecimal amount;
    private final Format format;

    private Quantity(BigDecimal amount, Format format) {
        this.amount = amount;
        this.format = format;
    }

    /**
     * Parses {@code s} as kube's {@code ParseQuantity} does.
     *
     * @throws IllegalArgumentException with kube's message ({@link #ERR_FORMAT}, {@link #ERR_NUMERIC},
     *                                  {@link #ERR_SUFFIX}) when {@code s} is not a quantity
     */
    public static Quantity parse(String s) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException(ERR_FORMAT);
        }
        Parts p = split(s);
        BigDecimal amount;
        try {
            amount = new BigDecimal(p.number.isEmpty() || p.number.equals(".") ? "0" : p.number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ERR_NUMERIC);
        }
        Format format;
        Integer dec = DECIMAL_SUFFIXES.get(p.suffix);
        Integer bin = BINARY_SUFFIXES.get(p.suffix);
        if (dec != null) {
            format = Format.DECIMAL_SI;
            amount = amount.scaleByPowerOfTen(dec);
        } else if (bin != null) {
            format = Format.BINARY_SI;
            amount = amount.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(bin)));
        } else if (p.suffix.length() > 1 && (p.suffix.charAt(0) == 'e' || p.suffix.charAt(0) == 'E')) {
            int exponent;
            try {
                exponent = Integer.parseInt(p.suffix.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(ERR_SUFFIX);
            }
            if (Math.abs(exponent) > EXPONENT_ABS_MAX) {
                throw new IllegalArgumentException(ERR_NUMERIC);
            }
            format = Format.DECIMAL_EXPONENT;
            amount = amount.scaleByPowerOfTen(exponent);
        } else {
            throw new IllegalArgumentException(ERR_SUFFIX);
        }
        if (p.negative) {
            amount = amount.negate();
        }
        // Non-zero values round up (away from zero) to the nano: a request of 0.1n still asks for something.
        if (amount.signum() != 0 && amount.scale() > 9) {
            amount = amount.setScale(9, RoundingMode.UP);
        }
        if (format == Format.BINARY_SI && amount.compareTo(BINARY_MAX) > 0) {
            amount = BINARY_MAX;
        }
        if (format == Format.BINARY_SI && amount.abs().compareTo(BigDecimal.ONE) < 0 && amount.signum() != 0) {
            format = Format.DECIMAL_SI;
        }
        return new Quantity(amount, format);
    }

    /**
     * A quantity from a JSON value: a string in the grammar above or a plain JSON number ({@code cpu: 2}).
     *
     * @throws IllegalArgumentException with kube's message when it is neither
     */
    public static Quantity of(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException(ERR_FORMAT);
        }
        if (node.isNumber()) {
            return parse(node.isIntegralNumber() ? node.asText() : node.decimalValue().toPlainString());
        }
        if (node.isTextual()) {
            return parse(node.asText().trim());
        }
        throw new IllegalArgumentException(ERR_FORMAT);
    }

    /** Null when {@code node} is not a quantity, else the quantity. */
    public static Quantity orNull(JsonNode node) {
        try {
            return of(node);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private record Parts(boolean negative, String number, String suffix) {
    }

    /** kube's {@code parseQuantityString}: sign, digits with at most one '.', then a suffix. */
    private static Parts split(String s) {
        int pos = 0;
        int end = s.length();
        boolean negative = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            negative = s.charAt(0) == '-';
            pos++;
        }
        int numberStart = pos;
        while (pos < end && isDigit(s.charAt(pos))) {
            pos++;
        }
        if (pos < end && s.charAt(pos) == '.') {
            pos++;
            while (pos < end && isDigit(s.charAt(pos))) {
                pos++;
            }
        }
        String number = s.substring(numberStart, pos);
        int suffixStart = pos;
        while (pos < end && "eEinumkKMGTP".indexOf(s.charAt(pos)) >= 0) {
            pos++;
        }
        if (pos < end && (s.charAt(pos) == '-' || s.charAt(pos) == '+')) {
            pos++;
        }
        while (pos < end && isDigit(s.charAt(pos))) {
            pos++;
        }
        if (pos != end) {
            throw new IllegalArgumentException(ERR_FORMAT);
        }
        return new Parts(negative, number, s.substring(suffixStart));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The exact value (after the rounding up to the nano that parsing does). */
    public BigDecimal decimal() {
        return amount;
    }

    public Format format() {
        return format;
    }

    /** The value in thousandths, rounded up away from zero: CPU in millicores (kube's {@code MilliValue}). */
    public long milliValue() {
        return amount.scaleByPowerOfTen(3).setScale(0, RoundingMode.UP).longValue();
    }

    /** The value rounded up away from zero: memory and storage in bytes (kube's {@code Value}). */
    public long value() {
        return amount.setScale(0, RoundingMode.UP).longValue();
    }

    /** The value in bytes; the same as {@link #value()}, named for memory and storage. */
    public long bytes() {
        return value();
    }

    /**
     * The whole amount of {@code resource} this quantity stands for, as the scheduler adds it up: {@code cpu} in
     * millicores, any other resource in base units (bytes, counts), rounded up.
     *
     * @throws ArithmeticException when that amount does not fit a long
     */
    public long amountFor(String resource) {
        BigDecimal v = "cpu".equals(resource) ? amount.scaleByPowerOfTen(3) : amount;
        return v.setScale(0, RoundingMode.CEILING).longValueExact();
    }

    public int signum() {
        return amount.signum();
    }

    /** The sum, printed in this quantity's format (as kube's {@code Add}). */
    public Quantity plus(Quantity other) {
        return new Quantity(amount.add(other.amount), amount.signum() == 0 ? other.format : format);
    }

    @Override
    public int compareTo(Quantity o) {
        return amount.compareTo(o.amount);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quantity q && amount.compareTo(q.amount) == 0;
    }

    @Override
    public int hashCode() {
        return amount.stripTrailingZeros().hashCode();
    }

    /** Kubernetes' canonical form ({@code CanonicalizeBytes}): {@code 500m}, {@code 1Gi}, {@code 1536Mi}, {@code 1k}. */
    @Override
    public String toString() {
        if (amount.signum() == 0) {
            return "0";
        }
        if (format == Format.BINARY_SI && amount.abs().compareTo(BINARY_UNIT) >= 0 && isInteger(amount)) {
            return binaryString();
        }
        return decimalString(format == Format.DECIMAL_EXPONENT);
    }

    private static boolean isInteger(BigDecimal d) {
        return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }

    private String binaryString() {
        BigInteger v = amount.toBigIntegerExact();
        BigInteger unit = BigInteger.valueOf(1024);
        int power = 0;
        while (power < BINARY_NAMES.length - 1 && v.mod(unit).signum() == 0) {
            v = v.divide(unit);
            power++;
        }
        return v + BINARY_NAMES[power];
    }

    /** mantissa × 10^e with e a multiple of 3 and the mantissa an integer as small as possible. */
    private String decimalString(boolean exponentForm) {
        BigDecimal stripped = amount.stripTrailingZeros();
        int exponent = -stripped.scale();
        int e3 = Math.floorDiv(exponent, 3) * 3;
        if (!exponentForm) {
            e3 = Math.max(-9, Math.min(18, e3));
        }
        BigInteger mantissa = stripped.scaleByPowerOfTen(-e3).toBigIntegerExact();
        if (exponentForm) {
            return e3 == 0 ? mantissa.toString() : mantissa + "e" + e3;
        }
        return mantissa + decimalSuffix(e3);
    }

    private static String decimalSuffix(int e3) {
        for (Map.Entry<String, Integer> e : DECIMAL_SUFFIXES.entrySet()) {
            if (e.getValue() == e3) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("no decimal suffix for 10^" + e3);
    }
}
