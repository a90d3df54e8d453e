package io.meshmq.transport;

import com.typesafe.config.Config;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server side of TLS for every listener that uses it (MQTT over TLS, MQTT over secure WebSocket): one
 * {@link SSLEngine} per connection, made from the {@link SSLContext} in force when the connection is accepted.
 * When the certificate, key or trust store files change on disk, {@link #reloadIfChanged()} builds a new context and
 * swaps it in: new connections get the new certificate, open connections keep the session they negotiated.
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /** Only these: SSLv3, TLS 1.0 and 1.1 are broken or deprecated (RFC 8996). */
    static final Set<String> ALLOWED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
    static final Set<String> CLIENT_AUTH = Set.of("none", "optional", "required");

    /** {@code broker.tls}: where the key material is and how the handshake is constrained. */
    public record Settings(Path keyStore, String keyStorePassword, Path certificate, Path privateKey, Path trustStore,
                           String trustStorePassword, String clientAuth, List<String> protocols, List<String> cipherSuites,
                           Duration reloadInterval) {
        public Settings {
            protocols = List.copyOf(protocols);
            cipherSuites = List.copyOf(cipherSuites);
            if (keyStore == null && (certificate == null || privateKey == null)) {
                throw new IllegalArgumentException("TLS needs broker.tls.key-store or broker.tls.certificate and broker.tls.private-key");
            }
            if (!CLIENT_AUTH.contains(clientAuth)) {
                throw new IllegalArgumentException("broker.tls.client-auth must be none, optional or required, not '" + clientAuth + "'");
            }
            if (protocols.isEmpty() || !ALLOWED_PROTOCOLS.containsAll(protocols)) {
                throw new IllegalArgumentException("broker.tls.protocols " + protocols + ": only TLSv1.3 and TLSv1.2 are supported");
            }
        }

        public static Settings from(Config t) {
            return new Settings(path(t, "key-store"), t.getString("key-store-password"), path(t, "certificate"),
                    path(t, "private-key"), path(t, "trust-store"), t.getString("trust-store-password"),
                    t.getString("client-auth"), t.getStringList("protocols"), t.getStringList("cipher-suites"),
                    t.getDuration("reload-interval"));
        }

        /** Without the passwords: settings may end up in a log. */
        @Override public String toString() {
            return "ServerTls.Settings[files=" + files() + ", clientAuth=" + clientAuth + ", protocols=" + protocols
                    + ", cipherSuites=" + cipherSuites + ", reloadInterval=" + reloadInterval + "]";
        }

        private static Path path(Config t, String key) {
            String s = t.getString(key);
            return s.isEmpty() ? null : Path.of(s);
        }

        /** The files the context is built from, in a fixed order (their contents decide whether to reload). */
        List<Path> files() {
            List<Path> files = new ArrayList<>();
            if (keyStore != null) files.add(keyStore);
            else { files.add(certificate); files.add(privateKey); }
            if (trustStore != null) files.add(trustStore);
            return files;
        }
    }

    /** A context with what it was built from. */
    private record Loaded(SSLContext context, String[] cipherSuites, X509Certificate certificate, byte[] digest) {}

    private final Settings settings;
    private final AtomicReference<Loaded> current = new AtomicReference<>();
    /** Digest of files that failed to load, so that a broken rotation is reported once, not at every poll. */
    private byte[] failedDigest;

    private ServerTls(Settings settings, Loaded loaded) {
        this.settings = settings;
        this.current.set(loaded);
    }

    /** Loads the key material now; anything missing, broken or inconsistent fails start-up. */
    public static ServerTls load(Settings settings) throws IOException, GeneralSecurityException {
        ServerTls tls = new ServerTls(settings, build(settings, digest(settings.files())));
        X509Certificate c = tls.certificate();
        log.info("TLS certificate {} (serial {}, valid until {}), protocols {}, cipher suites {}",
                c.getSubjectX500Principal().getName(), c.getSerialNumber().toString(16), c.getNotAfter().toInstant(),
                settings.protocols(), settings.cipherSuites().isEmpty() ? "JVM defaults" : settings.cipherSuites());
        return tls;
    }

    private static Loaded build(Settings s, byte[] digest) throws IOException, GeneralSecurityException {
        TlsContexts.Material m = s.keyStore() != null
                ? TlsContexts.loadPkcs12(s.keyStore(), s.keyStorePassword().toCharArray(), s.trustStore(),
                        s.trustStorePassword().toCharArray())
                : TlsContexts.loadPem(s.certificate(), s.privateKey(), s.trustStore());
        SSLContext ctx = m.context();
        String[] suites = cipherSuites(s.cipherSuites(), s.protocols(),
                ctx.getSupportedSSLParameters().getCipherSuites(), ctx.getDefaultSSLParameters().getCipherSuites());
        return new Loaded(ctx, suites, m.certificate(), digest);
    }

    /**
     * The cipher suites to enable: the configured ones (each must be supported by the JDK), or the JDK's defaults
     * when none are configured; either way only those usable with the enabled protocols (TLS 1.3 suites have no
     * {@code _WITH_} in their names, TLS 1.2 ones do), so that a list none of whose suites can be negotiated
     * fails start-up instead of every handshake.
     */
    static String[] cipherSuites(List<String> configured, List<String> protocols, String[] supported, String[] defaults) {
        List<String> candidates;
        if (configured.isEmpty()) {
            candidates = Arrays.asList(defaults);
        } else {
            Set<String> known = Set.of(supported);
            for (String suite : configured) {
                if (!known.contains(suite)) throw new IllegalArgumentException("broker.tls.cipher-suites: " + suite + " is not supported by this JVM");
            }
            candidates = configured;
        }
        boolean v13 = protocols.contains("TLSv1.3");
        boolean v12 = protocols.contains("TLSv1.2");
        String[] usable = candidates.stream()
                .filter(suite -> suite.endsWith("_SCSV") ? v12 : (suite.contains("_WITH_") ? v12 : v13))
                .toArray(String[]::new);
        if (Arrays.stream(usable).allMatch(suite -> suite.endsWith("_SCSV"))) {
            throw new IllegalArgumentException("broker.tls.cipher-suites " + candidates + ": none can be used with " + protocols);
        }
        return usable;
    }

    /** A server engine for one new connection, from the context in force now. */
    public SSLEngine newEngine() {
        Loaded l = current.get();
        SSLEngine e = l.context().createSSLEngine();
        e.setUseClientMode(false);
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(settings.protocols().toArray(String[]::new));
        p.setCipherSuites(l.cipherSuites());
        // the configured order is the server's preference, whatever order the client lists them in
        p.setUseCipherSuitesOrder(true);
        switch (settings.clientAuth()) {
            case "required" -> p.setNeedClientAuth(true);
            case "optional" -> p.setWantClientAuth(true);
            default -> { }
        }
        e.setSSLParameters(p);
        return e;
    }

    /** The certificate new connections are offered. */
    public X509Certificate certificate() { return current.get().certificate(); }

    public Settings settings() { return settings; }

    /**
     * Builds a new context if the contents of the key material files changed since the context in force was built.
     * A change that does not load (a half-written file, a key that does not match the certificate) keeps the old
     * context and is tried again at the next poll, when the files may be complete. True when a new context is in force.
     */
    public synchronized boolean reloadIfChanged() {
        byte[] digest;
        try {
            digest = digest(settings.files());
        } catch (IOException e) {
            reportFailure(null, e);
            return false;
        }
        if (Arrays.equals(digest, current.get().digest())) return false;
        try {
            Loaded next = build(settings, digest);
            current.set(next);
            failedDigest = null;
            X509Certificate c = next.certificate();
            log.info("TLS certificate reloaded: {} (serial {}, valid until {}); new connections use it",
                    c.getSubjectX500Principal().getName(), c.getSerialNumber().toString(16), c.getNotAfter().toInstant());
            return true;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            reportFailure(digest, e);
            return false;
        }
    }

    private void reportFailure(byte[] digest, Exception e) {
        if (digest != null && Arrays.equals(digest, failedDigest)) return;
        failedDigest = digest;
        log.warn("TLS key material {} changed but does not load, the previous certificate stays in force: {}",
                settings.files(), e.toString());
    }

    /** Polls the files every {@code reload-interval} (0: never), on the blocking dispatcher. */
    public Cancellable startReloading(ActorSystem<?> system) {
        Duration every = settings.reloadInterval();
        if (every.isZero() || every.isNegative()) return null;
        return system.scheduler().scheduleWithFixedDelay(every, every, this::reloadIfChanged,
                system.dispatchers().lookup(DispatcherSelector.blocking()));
    }

    /** SHA-256 over the files' contents: a rewrite within the same second (or a Kubernetes symlink swap) is seen too. */
    static byte[] digest(List<Path> files) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                md.update(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
            }
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
