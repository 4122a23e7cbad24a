package io.cairn.jepsen.history;

/**
 * The operations a client performs on one key, seen as a register.
 *
 * <p>How an {@link Op}'s {@code value} and {@code expected} fields are read depends on the function; the table
 * is on {@link Op}. Only {@link #CAS} uses {@code expected}.
 */
public enum OpFunction {
    /** Returns the key's current value; null means the key is absent (never written). */
    READ,
    /** Sets the key to a value, unconditionally. */
    WRITE,
    /** Sets the key to a new value if and only if it currently holds the expected one. */
    CAS;

    /** The Jepsen keyword for this function, without the colon: {@code read}, {@code write}, {@code cas}. */
    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
