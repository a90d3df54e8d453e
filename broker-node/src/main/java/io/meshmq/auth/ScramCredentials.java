package io.meshmq.auth;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;

/**
 * What the server keeps of a password for SCRAM-SHA-256 (RFC 5802 section 3, RFC 7677): the salt, the iteration
 * count, StoredKey = H(ClientKey) and ServerKey = HMAC(SaltedPassword, "Server Key"). Neither gives the password
 * back, but both are secrets: StoredKey with one overheard exchange lets a client be impersonated, ServerKey lets
 * the server be. Stored as {@code scram-sha-256:ITERATIONS:SALT:STOREDKEY:SERVERKEY} (standard Base64).
 */
public record ScramCredentials(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    public static final String SCHEME = "scram-sha-256";
    /** RFC 7677 section 4: at least 4096; the value PostgreSQL, Kafka and most SCRAM servers use. */
    public static final int DEFAULT_ITERATIONS = 4096;
    private static final int SALT_BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** New credentials for {@code password} with a fresh random salt. */
    public static ScramCredentials derive(char[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return derive(password, salt, iterations);
    }

    public static ScramCredentials derive(char[] password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        try {
            byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
            byte[] serverKey = hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
            return new ScramCredentials(iterations, salt.clone(), sha256(clientKey), serverKey);
        } finally {
            Arrays.fill(salted, (byte) 0);
        }
    }

    /** SaltedPassword = Hi(Normalize(password), salt, i), Hi being PBKDF2 with HMAC-SHA-256 (RFC 5802 section 2.2). */
    public static byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        char[] normalized = saslPrep(password);
        PBEKeySpec spec = new PBEKeySpec(normalized, salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        } finally {
            spec.clearPassword();
            Arrays.fill(normalized, '\0');
        }
    }

    /**
     * The part of SASLprep (RFC 4013) that changes ordinary passwords: non-ASCII spaces become U+0020, characters
     * "commonly mapped to nothing" are dropped, then NFKC. Prohibited-character checks are left out: the same
     * function runs when the keys are made and (in a conforming client) when they are used, so a password that
     * full SASLprep would reject simply never matches. ASCII passwords are unchanged.
     */
    static char[] saslPrep(char[] password) {
        boolean ascii = true;
        for (char c : password) if (c >= 0x80 || c < 0x20) { ascii = false; break; }
        if (ascii) return password.clone();
        StringBuilder sb = new StringBuilder(password.length);
        for (char c : password) {
            if (c == '\u00AD' || c == '\u034F' || c == '\u1806' || (c >= '\u180B' && c <= '\u180D') || c == '\u200B'
                    || c == '\u200C' || c == '\u200D' || c == '\u2060' || (c >= '\uFE00' && c <= '\uFE0F') || c == '\uFEFF') continue;
            sb.append(Character.isSpaceChar(c) ? ' ' : c);
        }
        String n = Normalizer.normalize(sb, Normalizer.Form.NFKC);
        sb.setLength(0);
        return n.toCharArray();
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** {@code scram-sha-256:ITERATIONS:SALT:STOREDKEY:SERVERKEY}. */
    public String format() {
        Base64.Encoder b64 = Base64.getEncoder();
        return SCHEME + ":" + iterations + ":" + b64.encodeToString(salt) + ":" + b64.encodeToString(storedKey)
                + ":" + b64.encodeToString(serverKey);
    }

    /** Parses what {@link #format} writes; null when {@code s} is not that. */
    public static ScramCredentials parse(String s) {
        if (s == null) return null;
        String[] f = s.split(":");
        if (f.length != 5 || !f[0].equals(SCHEME)) return null;
        try {
            int iterations = Integer.parseInt(f[1]);
            Base64.Decoder d = Base64.getDecoder();
            byte[] salt = d.decode(f[2]);
            byte[] stored = d.decode(f[3]);
            byte[] server = d.decode(f[4]);
            if (iterations < 1 || salt.length == 0 || stored.length != 32 || server.length != 32) return null;
            return new ScramCredentials(iterations, salt, stored, server);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override public boolean equals(Object o) {
        return o instanceof ScramCredentials c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    @Override public int hashCode() { return Arrays.hashCode(storedKey); }

    @Override public String toString() { return "ScramCredentials[" + iterations + " iterations]"; }
}
