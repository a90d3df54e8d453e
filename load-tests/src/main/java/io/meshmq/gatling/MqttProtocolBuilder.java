package io.meshmq.gatling;

import io.gatling.core.protocol.Protocol;
import io.gatling.javaapi.core.ProtocolBuilder;
import io.meshmq.gatling.MqttProtocol.Transport;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code mqtt().hosts("10.0.0.1:1883", "10.0.0.2:1883").version("3.1.1").keepAlive(15)}: the hosts are handed out
 * round-robin, one per virtual user and client, so the nodes of a cluster share the load.
 */
public final class MqttProtocolBuilder implements ProtocolBuilder {
    private MqttProtocol p = MqttProtocol.defaults();

    /** "host:port" (port 1883, 8883 with TLS, 8083 with ws, 8084 with wss, when left out). */
    public MqttProtocolBuilder hosts(String... hosts) {
        return hosts(Arrays.asList(hosts));
    }

    public MqttProtocolBuilder hosts(List<String> hosts) {
        if (hosts.isEmpty()) throw new IllegalArgumentException("no MQTT hosts");
        p = new MqttProtocol(List.copyOf(hosts), p.version(), p.keepAliveSeconds(), p.username(), p.password(),
                p.transport(), p.webSocketPath(), p.trustAll(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** "3.1.1" (or "4") or "5" (or "5.0"). */
    public MqttProtocolBuilder version(String version) {
        int v = switch (version) {
            case "3.1.1", "4", "3" -> 4;
            case "5", "5.0" -> 5;
            default -> throw new IllegalArgumentException("MQTT version 3.1.1 or 5, not " + version);
        };
        p = new MqttProtocol(p.hosts(), v, p.keepAliveSeconds(), p.username(), p.password(),
                p.transport(), p.webSocketPath(), p.trustAll(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    public MqttProtocolBuilder keepAlive(int seconds) {
        p = new MqttProtocol(p.hosts(), p.version(), seconds, p.username(), p.password(),
                p.transport(), p.webSocketPath(), p.trustAll(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** The user name may use Gatling EL ("#{deviceId}"). */
    public MqttProtocolBuilder credentials(String username, String password) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), Expr.el(username), password,
                p.transport(), p.webSocketPath(), p.trustAll(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** "tcp" (the default), "tls", "ws" (WebSocket, see {@link #webSocketPath}) or "wss" (WebSocket over TLS). */
    public MqttProtocolBuilder transport(String transport) {
        return transport(Transport.parse(transport));
    }

    public MqttProtocolBuilder transport(Transport transport) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(),
                transport, p.webSocketPath(), p.trustAll(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    /**
     * TLS on (tcp becomes tls, ws becomes wss) or off (the reverse), with the JVM's default trust store
     * (-Djavax.net.ssl.trustStore=... for a private CA) unless {@link #trustAll}.
     */
    public MqttProtocolBuilder tls(boolean tls) {
        Transport t = p.transport();
        return transport(t.webSocket() ? (tls ? Transport.WSS : Transport.WS) : (tls ? Transport.TLS : Transport.TCP));
    }

    /** The path the broker upgrades to WebSocket; "/mqtt" (MeshMQ's default, broker.websocket.path) unless set. */
    public MqttProtocolBuilder webSocketPath(String path) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(),
                p.transport(), path, p.trustAll(), p.connectTimeout(), p.inboxSize());
        return this;
    }

    /**
     * Accept any broker certificate and host name (tls, wss): for a test broker with a self-signed certificate
     * only, since it gives up what TLS authenticates.
     */
    public MqttProtocolBuilder trustAll(boolean trustAll) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(),
                p.transport(), p.webSocketPath(), trustAll, p.connectTimeout(), p.inboxSize());
        return this;
    }

    /** TCP connect plus CONNACK. */
    public MqttProtocolBuilder connectTimeout(Duration timeout) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(),
                p.transport(), p.webSocketPath(), p.trustAll(), timeout, p.inboxSize());
        return this;
    }

    /** Received messages no expectation has taken yet are kept up to this many per client (oldest dropped). */
    public MqttProtocolBuilder inboxSize(int messages) {
        p = new MqttProtocol(p.hosts(), p.version(), p.keepAliveSeconds(), p.username(), p.password(),
                p.transport(), p.webSocketPath(), p.trustAll(), p.connectTimeout(), messages);
        return this;
    }

    @Override
    public Protocol protocol() {
        return p;
    }
}
