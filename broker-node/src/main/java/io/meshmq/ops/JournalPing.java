package io.meshmq.ops;

import com.typesafe.config.Config;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the journal's database answers: {@code select 1} on one connection of its own (not the journal's pool, so
 * a busy pool does not make the node unready), with a query timeout and an overall timeout. One ping at a time: a
 * probe that arrives while a ping hangs waits on that ping instead of piling up connections.
 */
final class JournalPing implements AutoCloseable {
    private final String url;
    private final String user;
    private final String password;
    private final Duration timeout;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meshmq-journal-ping");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<CompletableFuture<Boolean>> inFlight = new AtomicReference<>();
    private Connection connection; // only touched on the executor's thread

    JournalPing(String url, String user, String password, String driver, Duration timeout) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.timeout = timeout;
        try {
            Class.forName(driver);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("journal driver not found: " + driver, e);
        }
    }

    /** From the full configuration, after {@code Broker.withJournal} filled in the URL. */
    static JournalPing from(Config full) {
        Config j = full.getConfig("broker.journal");
        return new JournalPing(full.getString("pekko-persistence-jdbc.shared-databases.broker.db.url"),
                j.getString("user"), j.getString("password"), j.getString("driver"),
                full.getDuration("broker.management.journal-check-timeout"));
    }

    /** Completes with true when the database answered {@code select 1} within the timeout, else false. */
    CompletionStage<Boolean> ping() {
        CompletableFuture<Boolean> running = inFlight.get();
        if (running != null && !running.isDone()) return running;
        CompletableFuture<Boolean> next = new CompletableFuture<>();
        if (!inFlight.compareAndSet(running, next)) return inFlight.get();
        try {
            executor.execute(() -> next.complete(selectOne()));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            next.complete(false);
        }
        return next.completeOnTimeout(false, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean selectOne() {
        int seconds = (int) Math.max(1, timeout.toSeconds());
        try {
            if (connection == null || connection.isClosed()) {
                Properties p = new Properties();
                p.setProperty("user", user);
                p.setProperty("password", password);
                // PostgreSQL driver: bounded connect and login
                p.setProperty("connectTimeout", Integer.toString(seconds));
                p.setProperty("loginTimeout", Integer.toString(seconds));
                p.setProperty("socketTimeout", Integer.toString(seconds * 2));
                connection = DriverManager.getConnection(url, p);
            }
            try (Statement s = connection.createStatement()) {
                s.setQueryTimeout(seconds);
                try (ResultSet rs = s.executeQuery("select 1")) {
                    return rs.next();
                }
            }
        } catch (Exception e) {
            closeConnection();
            return false;
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try { connection.close(); } catch (Exception ignored) { }
            connection = null;
        }
    }

    @Override
    public void close() {
        executor.execute(this::closeConnection);
        executor.shutdown();
    }
}
