package io.meshmq.ops;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class JournalPingTest {
    @Test
    @DisplayName("select 1 answers on a reachable database, and fails (in time) on one that is not there")
    void pingsTheDatabase() throws Exception {
        try (JournalPing up = new JournalPing("jdbc:h2:mem:ping;DB_CLOSE_DELAY=-1", "sa", "", "org.h2.Driver", Duration.ofSeconds(2))) {
            assertThat(up.ping().toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(up.ping().toCompletableFuture().get(5, TimeUnit.SECONDS)).as("the connection is reused").isTrue();
        }
        // a closed local port: the PostgreSQL driver fails fast; the ping says false, it does not throw
        try (JournalPing down = new JournalPing("jdbc:postgresql://127.0.0.1:1/none", "u", "p", "org.postgresql.Driver", Duration.ofSeconds(2))) {
            long start = System.nanoTime();
            assertThat(down.ping().toCompletableFuture().get(10, TimeUnit.SECONDS)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
