package io.meshmq.gatling.simulations;

import io.meshmq.gatling.MqttProtocolBuilder;

import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.meshmq.gatling.Mqtt.mqtt;

/**
 * The system properties every simulation reads (-Dname=value), with small defaults so that a bare run is short:
 * hosts (127.0.0.1:1883, comma-separated; round-robin per virtual user), users, ramp and duration (seconds),
 * qos, payloadSize (bytes), version (3.1.1 or 5), keepAlive (s), username/password, transport (tcp, tls, ws, wss),
 * wsPath (/mqtt), trustAll (true/false: any TLS certificate, for a test broker), tls (true/false: TLS on top of the
 * transport), maxKoPercent (0) and p99 (ms) for the assertions.
 */
final class Params {
    private Params() {}

    static String str(String name, String def) {
        String v = System.getProperty(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    static int integer(String name, int def) {
        return Integer.parseInt(str(name, String.valueOf(def)));
    }

    static double decimal(String name, double def) {
        return Double.parseDouble(str(name, String.valueOf(def)));
    }

    static Duration seconds(String name, double def) {
        return Duration.ofMillis(Math.round(decimal(name, def) * 1000));
    }

    /**
     * The injection ramp (-Dramp), whole seconds and at least 1: a run whose users all start within a fraction of a
     * second in Gatling 3.15.1 can end at once without starting them ("Undefined run start").
     */
    static Duration ramp(int def) {
        return Duration.ofSeconds(Math.max(1, (long) Math.ceil(decimal("ramp", def))));
    }

    static MqttProtocolBuilder protocol(String defaultVersion, int defaultKeepAlive) {
        MqttProtocolBuilder p = mqtt()
                .hosts(Arrays.stream(str("hosts", "127.0.0.1:1883").split(",")).map(String::trim).toList())
                .version(str("version", defaultVersion))
                .keepAlive(integer("keepAlive", defaultKeepAlive))
                .transport(str("transport", "tcp"))
                .webSocketPath(str("wsPath", "/mqtt"))
                .trustAll(Boolean.parseBoolean(str("trustAll", "false")))
                .connectTimeout(seconds("connectTimeout", 10));
        // -Dtls=true, from before -Dtransport: TLS on top of the chosen transport
        if (Boolean.parseBoolean(str("tls", "false"))) p.tls(true);
        String user = str("username", null);
        if (user != null) p.credentials(user, str("password", null));
        return p;
    }

    /** deviceId = prefix + 0, 1, 2...; deviceIndex = the number. */
    static Iterator<Map<String, Object>> ids(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return Stream.generate(() -> {
            int i = next.getAndIncrement();
            return Map.<String, Object>of("deviceId", prefix + i, "deviceIndex", i);
        }).iterator();
    }

    /** A payload of about {@code size} bytes that starts with the tally key and a '|'. */
    static String padding(int size) {
        return "x".repeat(Math.max(0, size));
    }
}
