package io.meshmq.auth;

/** Where user names and their password hashes ({@link PasswordHasher} format) are kept: a file, a database table. */
public interface UserStore {
    /** Whether {@code user} exists and {@code password} is theirs; constant-time comparison, no early exit for unknown users. */
    boolean verify(String user, char[] password);

    /** For the log at start-up. */
    String describe();
}
