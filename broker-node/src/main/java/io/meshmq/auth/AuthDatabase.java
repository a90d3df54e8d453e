package io.meshmq.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Users and ACL rules in a database shared by the nodes of a cluster (PostgreSQL; any JDBC database with
 * {@code create table if not exists} works). Two tables:
 * <pre>
 *   USERS_TABLE (username text primary key, password_hash text not null, scram_sha256 text)
 *   ACL_TABLE   (position integer primary key, rule text not null)
 * </pre>
 * {@code password_hash} is the password file's {@code pbkdf2-sha512:...} string, {@code scram_sha256} its
 * {@code scram-sha-256:...} part (null: no SCRAM); ACL rules are ACL file lines, applied in {@code position} order.
 *
 * <p>The broker reads whole tables, never a row per login: {@link Security} reloads them every
 * {@code reload-interval} on the blocking dispatcher, and connections check credentials against the copy in memory.
 * So a login never waits for the database and a database outage keeps the last copy in force; a change reaches
 * the nodes within one reload interval. One connection, reopened after a failure.
 */
final class AuthDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuthDatabase.class);
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");
    private static final int QUERY_TIMEOUT_SECONDS = 10;

    private final String url;
    private final Properties credentials = new Properties();
    final String usersTable;
    final String aclTable;
    private Connection connection;

    AuthDatabase(String url, String user, String password, String usersTable, String aclTable) {
        for (String t : new String[] {usersTable, aclTable}) {
            // table names go into SQL text: plain identifiers only
            if (!TABLE_NAME.matcher(t).matches()) throw new IllegalArgumentException("broker.auth.database: bad table name " + t);
        }
        this.url = url;
        credentials.setProperty("user", user);
        credentials.setProperty("password", password);
        // PostgreSQL driver: bound how long a dead server can hold the reloading thread (seconds)
        credentials.setProperty("connectTimeout", "10");
        credentials.setProperty("socketTimeout", "30");
        this.usersTable = usersTable;
        this.aclTable = aclTable;
    }

    String url() { return url.replaceAll("password=[^&;]*", "password=***"); }

    /** Creates the tables when missing. */
    synchronized void ensureSchema() throws SQLException {
        try (Statement st = connection().createStatement()) {
            st.execute("create table if not exists " + usersTable
                    + " (username varchar(1024) primary key, password_hash varchar(1024) not null, scram_sha256 varchar(1024))");
            st.execute("create table if not exists " + aclTable + " (position integer primary key, rule varchar(4096) not null)");
        } catch (SQLException e) {
            drop();
            throw e;
        }
    }

    /**
     * All users: name → stored credentials (the password file's format). Rows whose credentials do not parse are
     * left out and reported by user name (never their content): one bad row must not lock everybody out.
     */
    synchronized Map<String, String> users() throws SQLException {
        Map<String, String> users = new LinkedHashMap<>();
        try (Statement st = connection().createStatement()) {
            st.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet rs = st.executeQuery("select username, password_hash, scram_sha256 from " + usersTable)) {
                while (rs.next()) {
                    String user = rs.getString(1);
                    String hash = rs.getString(2);
                    String scram = rs.getString(3);
                    String stored = scram == null || scram.isBlank() || hash.contains(":" + ScramCredentials.SCHEME + ":")
                            ? hash : hash + ":" + scram.strip();
                    if (user == null || user.isEmpty() || !PasswordHasher.isWellFormed(stored)) {
                        log.error("{}: user '{}' skipped: credentials not in the password file's format", usersTable, user);
                        continue;
                    }
                    users.put(user, stored);
                }
            }
        } catch (SQLException e) {
            drop();
            throw e;
        }
        return users;
    }

    /** The ACL rules in position order (ACL file lines). */
    synchronized List<String> aclRules() throws SQLException {
        List<String> rules = new ArrayList<>();
        try (Statement st = connection().createStatement()) {
            st.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet rs = st.executeQuery("select rule from " + aclTable + " order by position")) {
                while (rs.next()) rules.add(rs.getString(1));
            }
        } catch (SQLException e) {
            drop();
            throw e;
        }
        return rules;
    }

    /** Adds or replaces a user (the passwd command). */
    synchronized void putUser(String user, String stored) throws SQLException {
        String hash = stored;
        String scram = null;
        int at = stored.indexOf(":" + ScramCredentials.SCHEME + ":");
        if (at >= 0) {
            hash = stored.substring(0, at);
            scram = stored.substring(at + 1);
        }
        Connection c = connection();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement del = c.prepareStatement("delete from " + usersTable + " where username = ?");
             PreparedStatement ins = c.prepareStatement("insert into " + usersTable + " (username, password_hash, scram_sha256) values (?, ?, ?)")) {
            del.setString(1, user);
            del.executeUpdate();
            ins.setString(1, user);
            ins.setString(2, hash);
            ins.setString(3, scram);
            ins.executeUpdate();
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    synchronized boolean containsUser(String user) throws SQLException {
        try (PreparedStatement st = connection().prepareStatement("select 1 from " + usersTable + " where username = ?")) {
            st.setString(1, user);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    synchronized boolean removeUser(String user) throws SQLException {
        try (PreparedStatement st = connection().prepareStatement("delete from " + usersTable + " where username = ?")) {
            st.setString(1, user);
            return st.executeUpdate() > 0;
        }
    }

    private Connection connection() throws SQLException {
        if (connection != null) return connection;
        connection = DriverManager.getConnection(url, credentials);
        connection.setAutoCommit(true);
        return connection;
    }

    private void drop() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // reopened on the next use
        }
        connection = null;
    }

    @Override public synchronized void close() { drop(); }
}
