package io.meshmq.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;

/**
 * ACL rules from the database's ACL table ({@link AuthDatabase}), one ACL file line a row in {@code position}
 * order; reloaded by {@link Security}. Rules that do not parse keep the previous ones in force, as with the file.
 */
final class DatabaseAcl implements Reloading<AccessControl> {
    private static final Logger log = LoggerFactory.getLogger(DatabaseAcl.class);

    private final AuthDatabase db;
    private volatile List<String> rows;
    private volatile AccessControl acl;

    DatabaseAcl(AuthDatabase db) throws SQLException, IOException {
        this.db = db;
        this.rows = db.aclRules();
        this.acl = AccessControl.parse(rows, "table " + db.aclTable + " (rows by position)");
    }

    @Override public AccessControl get() { return acl; }

    @Override public String source() { return "table " + db.aclTable + " at " + db.url(); }

    @Override
    public synchronized boolean poll() {
        try {
            List<String> next = db.aclRules();
            if (next.equals(rows)) return false;
            AccessControl parsed = AccessControl.parse(next, "table " + db.aclTable + " (rows by position)");
            rows = next;
            acl = parsed;
            log.info("ACL table {} reloaded ({} rules)", db.aclTable, parsed.size());
            return true;
        } catch (SQLException | IOException | RuntimeException e) {
            log.error("ACL table {} not reloaded, the previous rules stay in force: {}", db.aclTable, e.getMessage());
            return false;
        }
    }
}
