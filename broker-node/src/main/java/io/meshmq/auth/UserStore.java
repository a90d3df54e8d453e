package io.meshmq.auth;

/** Where user names and their password hashes ({@link PasswordHasher} format) are kept: a file, a database table. */
public interface UserStore {
    /** Whether {@code user} exists and {@code password} is theirs; constant-time comparison, no early exit for unknown users. */
    boolean verify(String user, char[] password);

    /**
     * The user's SCRAM-SHA-256 keys for enhanced authentication, or null (unknown user, or stored without them).
     * Called on the connection's thread: must answer from memory, never block on I/O.
     */
    default ScramCredentials scramCredentials(String user) { return null; }

    /** For the log at start-up. */
    String describe();
}
