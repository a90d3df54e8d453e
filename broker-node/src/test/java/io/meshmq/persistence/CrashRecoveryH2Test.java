package io.meshmq.persistence;

import org.junit.jupiter.api.DisplayName;

import java.util.Map;

/** The crash-recovery requirement with the default journal: the H2 file in the broker's data directory. */
@DisplayName("Crash recovery, H2 journal")
class CrashRecoveryH2Test extends CrashRecoveryTestBase {
    @Override protected Map<String, String> journalProperties() { return Map.of(); }

    @Override protected String journalDialect() { return "h2"; }
}
