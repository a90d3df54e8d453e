package io.meshmq.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates pekko-persistence-jdbc's tables when they are missing, from the DDL the plugin ships. Statements run one
 * by one with autocommit: PostgreSQL's CREATE INDEX CONCURRENTLY cannot run inside a transaction.
 */
public final class JournalSchema {
    private static final Logger log = LoggerFactory.getLogger(JournalSchema.class);

    private JournalSchema() {}

    public static void ensure(String dialect, String url, String user, String password) throws SQLException, IOException {
        String resource = switch (dialect) {
            case "h2" -> "schema/h2/h2-create-schema.sql";
            case "postgres" -> "schema/postgres/postgres-create-schema.sql";
            default -> throw new IllegalArgumentException("broker.journal.dialect must be h2 or postgres, not " + dialect);
        };
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            c.setAutoCommit(true);
            if (tableExists(c, "event_journal")) return;
            String ddl;
            try (InputStream in = JournalSchema.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) throw new IOException("missing " + resource + " (pekko-persistence-jdbc jar)");
                ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try (Statement st = c.createStatement()) {
                for (String sql : ddl.split(";")) {
                    if (!sql.isBlank()) st.execute(sql.trim());
                }
            }
            log.info("journal tables created ({})", dialect);
        }
    }

    private static boolean tableExists(Connection c, String name) throws SQLException {
        for (String candidate : new String[] {name, name.toUpperCase()}) {
            try (ResultSet rs = c.getMetaData().getTables(null, null, candidate, null)) {
                if (rs.next()) return true;
            }
        }
        return false;
    }
}
