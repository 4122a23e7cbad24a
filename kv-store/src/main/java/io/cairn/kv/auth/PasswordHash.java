package io.cairn.kv.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes as Cairn stores them in a user's record: PBKDF2 with HMAC-SHA256 and a random 16-byte salt, encoded
 * {@code pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>}. etcd uses bcrypt (not in the JDK); a PBKDF2 hash
 * is what the JDK offers for the same purpose. The work factor follows etcd's {@code --bcrypt-cost} (4 to 31, default
 * 10): {@code 2^(cost + 4)} iterations, 16,384 at the default (tens of milliseconds here, as bcrypt at cost 10 takes).
 *
 * <p>The member that receives UserAdd or UserChangePassword hashes before it proposes, so no password enters the log
 * and every member stores the same hash; Authenticate checks on the member asked. Both take tens of milliseconds: never
 * on a gRPC transport thread. Stateless; any thread.
 */
public final class PasswordHash {
    private PasswordHash() {}

    /** etcd's bcrypt bounds and default for {@code --bcrypt-cost}. */
    public static final int COST_MIN = 4;
    public static final int COST_MAX = 31;
    public static final int COST_DEFAULT = 10;
    /** Iterations above this are refused on verify (a damaged or hostile record must not stall a member). */
    private static final int ITERATIONS_MAX = 1 << 24;
    private static final String SCHEME = "pbkdf2-sha256";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The iterations a cost stands for; a cost out of etcd's bounds takes the default, as etcd does. */
    public static int iterations(int cost) {
        int c = cost < COST_MIN || cost > COST_MAX ? COST_DEFAULT : cost;
        return 1 << Math.min(c + 4, 24);
    }

    /** A new hash of {@code password} with a fresh salt. */
    public static byte[] hash(String password, int cost) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        int iterations = iterations(cost);
        byte[] h = derive(password, salt, iterations);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return (SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(h))
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code password} matches {@code stored} (false for a record that is not such a hash). */
    public static boolean matches(String password, byte[] stored) {
        String[] parts = new String(stored, StandardCharsets.US_ASCII).split("\\$");
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            if (iterations < 1 || iterations > ITERATIONS_MAX) {
                return false;
            }
            Base64.Decoder b64 = Base64.getDecoder();
            byte[] salt = b64.decode(parts[2]);
            byte[] expected = b64.decode(parts[3]);
            return MessageDigest.isEqual(expected, derive(password, salt, iterations));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }
}
