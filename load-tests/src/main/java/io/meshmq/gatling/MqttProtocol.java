package io.meshmq.gatling;

import io.gatling.core.CoreComponents;
import io.gatling.core.config.GatlingConfiguration;
import io.gatling.core.protocol.Protocol;
import io.gatling.core.protocol.ProtocolKey;
import scala.Function1;

import java.time.Duration;
import java.util.List;

/** The settings shared by every MQTT action of a simulation (built with {@link MqttProtocolBuilder}). */
public record MqttProtocol(List<String> hosts, int version, int keepAliveSeconds, Expr username, String password,
                           boolean tls, Duration connectTimeout, int inboxSize) implements Protocol {

    static MqttProtocol defaults() {
        return new MqttProtocol(List.of("127.0.0.1:1883"), 5, 60, null, null, false, Duration.ofSeconds(10), 10_000);
    }

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
