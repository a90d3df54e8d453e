package io.meshmq.auth;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Salted slow password hashes: PBKDF2-HMAC-SHA512 from the JDK, stored as {@code pbkdf2-sha512:ITERATIONS:SALT:HASH}
 * (salt and hash in standard Base64). Every user has a random 16-byte salt; the iteration count is stored with the
 * hash, so it can be raised for new passwords without invalidating old ones.
 *
 * <p>The stored string may go on with the user's SCRAM-SHA-256 keys, {@code :scram-sha-256:ITERATIONS:SALT:STOREDKEY:SERVERKEY}
 * ({@link ScramCredentials}), for MQTT 5 enhanced authentication, where the broker never sees the password and so
 * cannot check it against the PBKDF2 hash. Strings without that part (written before it existed) stay valid; their
 * users can log in with a password but not with SCRAM until the password is set again.
 */
public final class PasswordHasher {
    private PasswordHasher() {}

    public static final String SCHEME = "pbkdf2-sha512";
    /** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA512. */
    public static final int DEFAULT_ITERATIONS = 210_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 512;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new hash of {@code password} with a fresh random salt. */
    public static String hash(char[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = pbkdf2(password, salt, iterations, HASH_BITS);
        Base64.Encoder b64 = Base64.getEncoder();
        return SCHEME + ":" + iterations + ":" + b64.encodeToString(salt) + ":" + b64.encodeToString(hash);
    }

    /**
     * The PBKDF2 hash and, unless {@code scramIterations} is 0, the SCRAM-SHA-256 keys of {@code password}, as one
     * stored string (what the password file and the users table hold).
     */
    public static String credentials(char[] password, int iterations, int scramIterations) {
        String h = hash(password, iterations);
        return scramIterations <= 0 ? h : h + ":" + ScramCredentials.derive(password, scramIterations).format();
    }

    /** The SCRAM-SHA-256 keys in a stored string, or null when it has none. */
    public static ScramCredentials scram(String stored) {
        if (stored == null) return null;
        int at = stored.indexOf(":" + ScramCredentials.SCHEME + ":");
        return at < 0 ? null : ScramCredentials.parse(stored.substring(at + 1));
    }

    /** The PBKDF2 part of a stored string (its first four fields). */
    private static String[] pbkdf2Fields(String stored) {
        String[] f = stored.split(":");
        if (f.length == 9 && f[4].equals(ScramCredentials.SCHEME)) return Arrays.copyOf(f, 4);
        return f;
    }

    /** Whether {@code password} matches {@code stored}; the hashes are compared in constant time. */
    public static boolean verify(char[] password, String stored) {
        String[] f = pbkdf2Fields(stored);
        if (f.length != 4 || !f[0].equals(SCHEME)) return false;
        try {
            int iterations = Integer.parseInt(f[1]);
            byte[] salt = Base64.getDecoder().decode(f[2]);
            byte[] expected = Base64.getDecoder().decode(f[3]);
            if (iterations < 1 || expected.length == 0) return false;
            byte[] actual = pbkdf2(password, salt, iterations, expected.length * 8);
            return MessageDigest.isEqual(actual, expected);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    /** Whether {@code stored} has the form {@link #hash} or {@link #credentials} writes. */
    public static boolean isWellFormed(String stored) {
        String[] f = pbkdf2Fields(stored);
        if (f.length != 4 || !f[0].equals(SCHEME)) return false;
        if (stored.split(":").length == 9 && scram(stored) == null) return false;
        try {
            return Integer.parseInt(f[1]) > 0 && Base64.getDecoder().decode(f[2]).length > 0
                    && Base64.getDecoder().decode(f[3]).length > 0;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Spends the time of one verification against nothing, so that an unknown user name takes as long to refuse
     * as a wrong password (no user enumeration by timing).
     */
    public static void burn(char[] password) {
        pbkdf2(password, new byte[SALT_BYTES], DEFAULT_ITERATIONS, HASH_BITS);
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations, int bits) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 unavailable", e);
        } finally {
            spec.clearPassword();
        }
    }

    static void wipe(char[] c) { if (c != null) Arrays.fill(c, '\0'); }
}
