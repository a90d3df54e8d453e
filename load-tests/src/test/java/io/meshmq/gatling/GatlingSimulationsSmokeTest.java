package io.meshmq.gatling;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshmq.ops.Broker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the Gatling simulations from rotting: each runs for a few seconds with a few users against a broker in
 * this JVM, through Gatling's own entry point (the one gatling.sh and the Maven plugin use), and must end with
 * status 0: no KO and its assertions met (latency thresholds are relaxed here; real figures come from gatling.sh).
 * One run against a closed port must fail its assertions, so a passing run means something.
 */
class GatlingSimulationsSmokeTest {
    static Broker broker;
    static Path results;
    final List<String> setProperties = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("meshmq-gatling-test");
        results = Path.of("target", "gatling-smoke");
        Path keyStore = selfSignedKeyStore(dir);
        // Broker.loadConfig layers the broker's own defaults (meshmq-defaults.conf) over the reference.conf that
        // the shaded broker-node jar (what this module's test classpath gets from the reactor) merges.
        // TLS, ws:// and wss:// listeners too, for the transport runs.
        Config config = Broker.loadConfig(ConfigFactory.parseMap(Map.ofEntries(
                Map.entry("broker.data-dir", dir.toString()),
                Map.entry("broker.mqtt.host", "127.0.0.1"),
                Map.entry("broker.mqtt.port", 0),
                Map.entry("broker.tls.enabled", true),
                Map.entry("broker.tls.host", "127.0.0.1"),
                Map.entry("broker.tls.port", 0),
                Map.entry("broker.tls.key-store", keyStore.toString()),
                Map.entry("broker.tls.key-store-password", "changeit"),
                Map.entry("broker.websocket.enabled", true),
                Map.entry("broker.websocket.port", 0),
                Map.entry("broker.websocket.tls.enabled", true),
                Map.entry("broker.websocket.tls.port", 0))));
        broker = Broker.start(config);
    }

    /** A self-signed certificate for 127.0.0.1, made by the JDK's keytool, in a PKCS12 key store. */
    static Path selfSignedKeyStore(Path dir) throws Exception {
        Path p12 = dir.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit",
                "-keypass", "changeit")).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + new String(p.getInputStream().readAllBytes()));
        }
        return p12;
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    @AfterEach
    void clearProperties() {
        setProperties.forEach(System::clearProperty);
    }

    int run(String simulation, String... properties) {
        for (int i = 0; i < properties.length; i += 2) {
            System.setProperty(properties[i], properties[i + 1]);
            setProperties.add(properties[i]);
        }
        return io.gatling.app.Gatling$.MODULE$.fromArgs(new String[]{
                "-s", "io.meshmq.gatling.simulations." + simulation,
                "-rf", results.toAbsolutePath().toString(),
                "-rd", "smoke test"});
    }

    static Stream<Object[]> simulations() {
        return Stream.of(
                new Object[]{"DeviceFleet", new String[]{"users", "5", "ramp", "1", "duration", "3", "p99", "1000"}},
                new Object[]{"TelemetryFanIn", new String[]{"users", "5", "backends", "2", "rate", "5", "ramp", "1",
                        "duration", "3", "p99", "1000"}},
                new Object[]{"CommandFanOut", new String[]{"users", "5", "backends", "2", "commands", "3",
                        "interval", "0.5", "ramp", "1", "p99", "1000"}},
                new Object[]{"PersistentSessions", new String[]{"users", "5", "ramp", "1", "queued", "10",
                        "offline", "0.5", "p99", "5000"}},
                new Object[]{"ConnectStorm", new String[]{"users", "50", "ramp", "1", "hold", "1", "p99", "5000"}});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("simulations")
    void simulationPasses(String simulation, String[] properties) {
        String[] all = Stream.concat(Stream.of("hosts", "127.0.0.1:" + broker.mqttPort()), Stream.of(properties))
                .toArray(String[]::new);
        assertThat(run(simulation, all)).as(simulation + " status (0 = assertions met)").isZero();
    }

    static Stream<Object[]> transports() {
        return Stream.of(
                new Object[]{"ws", broker.webSocketPort()},
                new Object[]{"wss", broker.webSocketTlsPort()},
                new Object[]{"tls", broker.tlsPort()});
    }

    /** -Dtransport: the same simulation over TLS, WebSocket and WebSocket over TLS (trusting the test certificate). */
    @ParameterizedTest(name = "DeviceFleet over {0}")
    @MethodSource("transports")
    void simulationPassesOverTransport(String transport, int port) {
        assertThat(port).as(transport + " listener").isPositive();
        assertThat(run("DeviceFleet", "hosts", "127.0.0.1:" + port, "transport", transport, "trustAll", "true",
                "users", "3", "ramp", "1", "duration", "2", "p99", "1000"))
                .as("DeviceFleet over " + transport + " status (0 = assertions met)").isZero();
    }

    @Test
    void failuresFailTheAssertions() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThat(run("DeviceFleet", "hosts", "127.0.0.1:" + closedPort, "users", "2", "duration", "1",
                "connectTimeout", "2")).as("status with every connect refused (2 = assertions failed)").isEqualTo(2);
    }
}
