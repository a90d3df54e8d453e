package io.meshmq.gatling;

import io.gatling.core.CoreComponents;
import io.gatling.core.config.GatlingConfiguration;
import io.gatling.core.protocol.Protocol;
import io.gatling.core.protocol.ProtocolKey;
import scala.Function1;

import java.time.Duration;
import java.util.List;

/**
 * The settings shared by every MQTT action of a simulation (built with {@link MqttProtocolBuilder}).
 *
 * @param transport     how clients reach the broker: {@link Transport}
 * @param webSocketPath the HTTP path upgraded to WebSocket (ws, wss)
 * @param trustAll      TLS (tls, wss) without checking the broker's certificate or host name, for a test broker's
 *                      self-signed certificate; otherwise the JVM's trust store ({@code -Djavax.net.ssl.trustStore})
 */
public record MqttProtocol(List<String> hosts, int version, int keepAliveSeconds, Expr username, String password,
                           Transport transport, String webSocketPath, boolean trustAll, Duration connectTimeout,
                           int inboxSize) implements Protocol {

    /** MQTT over TCP, TLS, WebSocket or WebSocket over TLS, with the usual port of each when a host names none. */
    public enum Transport {
        TCP(1883), TLS(8883), WS(8083), WSS(8084);

        public final int defaultPort;

        Transport(int defaultPort) { this.defaultPort = defaultPort; }

        public boolean tls() { return this == TLS || this == WSS; }

        public boolean webSocket() { return this == WS || this == WSS; }

        /** "tcp", "tls", "ws" or "wss" (any case). */
        public static Transport parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("transport tcp, tls, ws or wss, not " + name);
            }
        }
    }

    static MqttProtocol defaults() {
        return new MqttProtocol(List.of("127.0.0.1:1883"), 5, 60, null, null, Transport.TCP, "/mqtt", false,
                Duration.ofSeconds(10), 10_000);
    }

    /** Whether the connection uses TLS. */
    public boolean tls() { return transport.tls(); }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final ProtocolKey<MqttProtocol, MqttComponents> KEY = new ProtocolKey<>() {
        @Override
        public Class<Protocol> protocolClass() {
            return (Class) MqttProtocol.class;
        }

        @Override
        public MqttProtocol defaultProtocolValue(GatlingConfiguration configuration) {
            return defaults();
        }

        @Override
        public Function1<MqttProtocol, MqttComponents> newComponents(CoreComponents core) {
            return protocol -> new MqttComponents(protocol, core);
        }
    };
}
