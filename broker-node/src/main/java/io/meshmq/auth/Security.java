package io.meshmq.auth;

import com.typesafe.config.Config;
import io.meshmq.connection.Limits;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's security settings, one per actor system, built from {@code broker.auth} and {@code broker.limits}:
 * the authenticator, the topic access rules (reloaded when their file changes) and the limits. Connections and
 * sessions reach it with {@link #get}, so nothing else needs wiring.
 */
public final class Security implements Extension {
    private static final Logger log = LoggerFactory.getLogger(Security.class);

    public static final class Id extends ExtensionId<Security> {
        @Override public Security createExtension(ActorSystem<?> system) { return new Security(system); }
    }

    private static final Id ID = new Id();

    public static Security get(ActorSystem<?> system) { return ID.apply(system); }

    private final BrokerAuthenticator authenticator;
    /** The users (password file or database table), null: none. */
    private final Reloading<PasswordFile> users;
    /** The ACL (file or database table), null: none, everything allowed. */
    private final Reloading<AccessControl> acl;
    private final AuthDatabase database;
    private final AtomicLong aclGeneration = new AtomicLong();
    private final Limits limits;
    private final io.meshmq.connection.TokenBucket connectionRate;
    private final io.meshmq.connection.TokenBucket socketRate;

    private Security(ActorSystem<?> system) {
        Config auth = system.settings().config().getConfig("broker.auth");
        boolean usersInDb = source(auth, "users");
        boolean aclInDb = source(auth, "acl");
        database = usersInDb || aclInDb ? database(system.settings().config()) : null;
        UserStore userStore;
        try {
            if (database != null && auth.getConfig("database").getBoolean("create-schema")) database.ensureSchema();
            if (usersInDb) {
                DatabaseUserStore d = new DatabaseUserStore(database);
                userStore = d;
                users = d;
            } else {
                String pw = auth.getString("password-file");
                FileUserStore f = pw.isEmpty() ? null : new FileUserStore(Path.of(pw));
                userStore = f;
                users = f;
            }
            String aclFile = auth.getString("acl-file");
            acl = aclInDb ? new DatabaseAcl(database)
                    : aclFile.isEmpty() ? null : new WatchedFile<>(Path.of(aclFile), "ACL file", AccessControl::parse);
        } catch (IOException e) {
            if (database != null) database.close();
            throw new UncheckedIOException("broker.auth: " + e.getMessage(), e);
        } catch (java.sql.SQLException e) {
            database.close();
            throw new IllegalStateException("broker.auth.database " + database.url() + ": " + e.getMessage(), e);
        }
        if (database != null) system.getWhenTerminated().thenRun(database::close);
        BrokerAuthenticator.Anonymous anonymous = BrokerAuthenticator.Anonymous.of(auth.getString("allow-anonymous"));
        authenticator = new BrokerAuthenticator(userStore, CertificateIdentity.source(auth.getString("tls-identity")), anonymous);
        limits = Limits.from(system.settings().config().getConfig("broker.limits"));
        connectionRate = limits.connectionRateBucket();
        socketRate = limits.connectionRateBucket();
        log.info("authentication: {}", authenticator.describe());
        if (anonymous == BrokerAuthenticator.Anonymous.LOCALHOST) {
            log.warn("anonymous clients are accepted from localhost only (broker.auth.allow-anonymous = localhost); "
                    + "set it to off when every client has credentials");
        } else if (anonymous == BrokerAuthenticator.Anonymous.ON) {
            log.warn("anonymous clients are accepted from anywhere (broker.auth.allow-anonymous = on)");
        }
        log.info("authorization: {}", acl == null ? "no ACL file, every client may publish and subscribe to every topic"
                : acl.source() + " (" + acl.get().size() + " rules, first match wins, default deny)");
        log.info("limits: {}", limits);
        Duration every = auth.getDuration("reload-interval");
        if ((acl != null || users != null) && !every.isZero()) {
            // files and database reads block: not on the dispatcher that runs the connections
            system.scheduler().scheduleWithFixedDelay(every, every, this::poll,
                    system.dispatchers().lookup(org.apache.pekko.actor.typed.DispatcherSelector.blocking()));
        }
    }

    /** {@code broker.auth.users} / {@code .acl}: true for the database, false for the file. */
    private static boolean source(Config auth, String key) {
        return switch (auth.getString(key).toLowerCase()) {
            case "file" -> false;
            case "postgres", "database" -> true;
            default -> throw new IllegalArgumentException("broker.auth." + key + " must be file or postgres, not " + auth.getString(key));
        };
    }

    /** {@code broker.auth.database}; with an empty url, the journal's database (a cluster's PostgreSQL). */
    private static AuthDatabase database(Config config) {
        Config d = config.getConfig("broker.auth.database");
        String url = d.getString("url");
        String user = d.getString("user");
        String password = d.getString("password");
        if (url.isEmpty()) {
            url = config.hasPath("pekko-persistence-jdbc.shared-databases.broker.db.url")
                    ? config.getString("pekko-persistence-jdbc.shared-databases.broker.db.url") : config.getString("broker.journal.url");
            user = config.getString("broker.journal.user");
            password = config.getString("broker.journal.password");
        }
        return new AuthDatabase(url, user, password, d.getString("users-table"), d.getString("acl-table"));
    }

    /**
     * Reloads users and ACL now if they changed (file: modification time and size; database: the tables' contents).
     * The scheduler calls this every reload-interval on the blocking dispatcher; it blocks while it reads.
     */
    public void poll() {
        if (users != null) users.poll();
        if (acl != null && acl.poll()) aclGeneration.incrementAndGet();
    }

    public Authenticator authenticator() { return authenticator; }

    /** The access rules in force, or null when there is no ACL file (everything allowed). */
    public AccessControl acl() { return acl == null ? null : acl.get(); }

    /** Changes each time the ACL is reloaded, so cached decisions can be dropped. */
    public long aclGeneration() { return aclGeneration.get(); }

    public Limits limits() { return limits; }

    /**
     * The same rate checked when a socket is accepted, before it costs a connection actor (a bucket of its own, so a
     * client that passes both checks counts once in each): false when {@code max-connection-rate} is exceeded.
     */
    public boolean tryAcceptSocket() {
        if (socketRate == null) return true;
        synchronized (socketRate) {
            return socketRate.tryTake();
        }
    }

    /** Takes a token from the node's connection-rate bucket; false when {@code max-connection-rate} is exceeded. */
    public boolean tryAcceptConnection() {
        if (connectionRate == null) return true;
        synchronized (connectionRate) {
            return connectionRate.tryTake();
        }
    }
}
