package io.meshmq.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The password file: one user a line, {@code USER:pbkdf2-sha512:ITERATIONS:SALT_B64:HASH_B64}, optionally followed by
 * {@code :scram-sha-256:ITERATIONS:SALT_B64:STOREDKEY_B64:SERVERKEY_B64} (see {@link PasswordHasher}); blank lines and
 * lines starting with {@code #} are ignored. User names may not contain ':' or line breaks. Never holds plain text.
 */
public final class PasswordFile {
    private final Map<String, String> users;

    private PasswordFile(Map<String, String> users) { this.users = users; }

    public static PasswordFile empty() { return new PasswordFile(new LinkedHashMap<>()); }

    /** From user name → stored credentials already checked with {@link PasswordHasher#isWellFormed} (a database table). */
    static PasswordFile of(Map<String, String> users) { return new PasswordFile(new LinkedHashMap<>(users)); }

    /** Reads {@code path}; a malformed line is an error naming its line number (never its content). */
    public static PasswordFile load(Path path) throws IOException {
        Map<String, String> users = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int colon = line.indexOf(':');
            String hash = colon > 0 ? line.substring(colon + 1) : "";
            if (colon <= 0 || !PasswordHasher.isWellFormed(hash)) {
                throw new IOException(path + " line " + (i + 1) + ": expected USER:" + PasswordHasher.SCHEME
                        + ":ITERATIONS:SALT:HASH[:" + ScramCredentials.SCHEME + ":ITERATIONS:SALT:STOREDKEY:SERVERKEY]");
            }
            users.put(line.substring(0, colon), hash);
        }
        return new PasswordFile(users);
    }

    public boolean contains(String user) { return users.containsKey(user); }

    public int size() { return users.size(); }

    /** The stored hash of {@code user}, or null. */
    public String hashOf(String user) { return users.get(user); }

    /** Whether {@code user} exists and {@code password} is theirs. Unknown users cost as much time as known ones. */
    public boolean verify(String user, char[] password) {
        String stored = user == null ? null : users.get(user);
        if (stored == null) {
            PasswordHasher.burn(password);
            return false;
        }
        return PasswordHasher.verify(password, stored);
    }

    /** The user's SCRAM-SHA-256 keys, or null (unknown user, or a line written before SCRAM keys were stored). */
    public ScramCredentials scramOf(String user) {
        return user == null ? null : PasswordHasher.scram(users.get(user));
    }

    /** Sets {@code user}'s password: its PBKDF2 hash and SCRAM-SHA-256 keys ({@link ScramCredentials#DEFAULT_ITERATIONS}). */
    public void put(String user, char[] password, int iterations) {
        put(user, password, iterations, ScramCredentials.DEFAULT_ITERATIONS);
    }

    /** As {@link #put(String, char[], int)}; {@code scramIterations} 0 stores no SCRAM keys. */
    public void put(String user, char[] password, int iterations, int scramIterations) {
        checkUserName(user);
        users.put(user, PasswordHasher.credentials(password, iterations, scramIterations));
    }

    public boolean remove(String user) { return users.remove(user) != null; }

    public static void checkUserName(String user) {
        if (user == null || user.isEmpty() || user.indexOf(':') >= 0 || user.indexOf('\n') >= 0
                || user.indexOf('\r') >= 0 || user.startsWith("#") || !user.equals(user.strip())) {
            throw new IllegalArgumentException("a user name must be non-empty, without ':', line breaks, a leading '#' or surrounding blanks");
        }
    }

    /** Writes the file atomically (temporary file, then rename), readable by its owner only where POSIX allows. */
    public void save(Path path) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# MeshMQ password file: USER:" + PasswordHasher.SCHEME + ":ITERATIONS:SALT:HASH[:" + ScramCredentials.SCHEME
                + ":ITERATIONS:SALT:STOREDKEY:SERVERKEY] (edit with the passwd command)");
        users.forEach((u, h) -> lines.add(u + ":" + h));
        Path abs = path.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), ".passwd", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the directory's ACL applies
            }
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
