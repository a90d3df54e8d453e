package io.meshmq.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.Map;

/**
 * Users from the database's users table ({@link AuthDatabase}), held in memory like the password file and
 * reloaded by {@link Security} every {@code reload-interval}; logins never wait for the database.
 */
final class DatabaseUserStore implements UserStore, Reloading<PasswordFile> {
    private static final Logger log = LoggerFactory.getLogger(DatabaseUserStore.class);

    private final AuthDatabase db;
    private volatile Map<String, String> rows;
    private volatile PasswordFile users;

    /** Reads the table now; an unreachable database fails start-up, like a missing password file. */
    DatabaseUserStore(AuthDatabase db) throws SQLException {
        this.db = db;
        this.rows = db.users();
        this.users = PasswordFile.of(rows);
    }

    @Override public boolean verify(String user, char[] password) { return users.verify(user, password); }

    @Override public ScramCredentials scramCredentials(String user) { return users.scramOf(user); }

    @Override public String describe() { return source() + " (" + users.size() + " users)"; }

    @Override public PasswordFile get() { return users; }

    @Override public String source() { return "table " + db.usersTable + " at " + db.url(); }

    @Override
    public synchronized boolean poll() {
        try {
            Map<String, String> next = db.users();
            if (next.equals(rows)) return false;
            rows = next;
            users = PasswordFile.of(next);
            log.info("users table {} reloaded ({} users)", db.usersTable, next.size());
            return true;
        } catch (SQLException | RuntimeException e) {
            log.error("users table {} not reloaded, the previous {} users stay in force: {}", db.usersTable, users.size(), e.getMessage());
            return false;
        }
    }
}
