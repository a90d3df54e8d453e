package io.meshmq.gatling;

import io.gatling.core.protocol.Protocol;
import io.gatling.javaapi.core.ProtocolBuilder;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code mqtt().hosts("10.0.0.1:1883", "10.0.0.2:1883").version("3.1.1").keepAlive(15)}: the hosts are handed out
 * round-robin, one per virtual user and client, so the nodes of a cluster share the load.
 */
public final class MqttProtocolBuilder implements ProtocolBuilder {
    private MqttProtocol p = MqttProtocol.defaults();

    /** "host:port" (port 1883, or 8883 with TLS, when left out). */
    public MqttProtocolBuilder hosts(String... hosts) {
        return hosts(Arrays.asList(hosts));
    }

    public MqttProtocolBuilder hosts(List<String> hosts) {
        if (hosts.isEmpty()) throw new IllegalArgumentException("no MQTT hosts");
        p = new MqttProtocol(List.copyOf(hosts), p.version(), p.keepAliveSeconds(), p.username(), p.password(), p.tls(),
                p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** "3.1.1" (or "4") or "5" (or "5.0"). */
    public MqttProtocolBuilder version(String version) {
        int v = switch (version) {
            case "3.1.1", "4", "3" -> 4;
            case "5", "5.0" -> 5;
            default -> throw new IllegalArgumentException("MQTT version 3.1.1 or 5, not " + version);
        };
        p = new MqttProtocol(p.hosts(), v, p.keepAliveSeconds(), p.username(), p.password(), p.tls(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    public MqttProtocolBuilder keepAlive(int seconds) {
        p = new MqttProtocol(p.hosts(), p.version(), seconds, p.username(), p.password(), p.tls(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** The user name may use Gatling EL ("#{deviceId}"). */
    public MqttProtocolBuilder credentials(String username, String password) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), Expr.el(username), password, p.tls(),
                p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** TLS with the JVM's default trust store (-Djavax.net.ssl.trustStore=... for a private CA). */
    public MqttProtocolBuilder tls(boolean tls) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(), tls, p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** TCP connect plus CONNACK. */
    public MqttProtocolBuilder connectTimeout(Duration timeout) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(), p.tls(), timeout, p.inboxSize());
        return this;
    }

    /** Received messages no expectation has taken yet are kept up to this many per client (oldest dropped). */
    public MqttProtocolBuilder inboxSize(int messages) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(), p.tls(), p.connectTimeout(), messages);
        return this;
    }

    @Override
    public Protocol protocol() {
        return p;
    }
}
