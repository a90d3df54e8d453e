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

    /** Whether {@code password} matches {@code stored}; the hashes are compared in constant time. */
    public static boolean verify(char[] password, String stored) {
        String[] f = stored.split(":");
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

    /** Whether {@code stored} has the form {@link #hash} writes. */
    public static boolean isWellFormed(String stored) {
        String[] f = stored.split(":");
        if (f.length != 4 || !f[0].equals(SCHEME)) return false;
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
