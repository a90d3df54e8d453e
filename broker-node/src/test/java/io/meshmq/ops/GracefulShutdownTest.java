package io.meshmq.ops;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshmq.it.BrokerProcess;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker as an operator runs it: the ready line, SIGTERM, and sessions that outlive the restart. */
class GracefulShutdownTest {
    @TempDir
    Path dataDir;

    @Test
    @DisplayName("SIGTERM: MQTT 5 clients get DISCONNECT 0x8B (Server shutting down), the JVM exits, the session is kept")
    void sigtermDisconnectsClientsAndKeepsSessions() throws Exception {
        CompletableFuture<Mqtt5DisconnectReasonCode> disconnectReason = new CompletableFuture<>();
        try (BrokerProcess broker = BrokerProcess.start(dataDir, Map.of(), dataDir.resolve("broker-1.log"), 90)) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("operator-test")
                    .serverHost("127.0.0.1").serverPort(broker.port())
                    .addDisconnectedListener(ctx -> {
                        if (ctx.getCause() instanceof Mqtt5DisconnectException e) {
                            disconnectReason.complete(e.getMqttMessage().getReasonCode());
                        } else {
                            disconnectReason.completeExceptionally(ctx.getCause());
                        }
                    })
                    .buildBlocking();
            client.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
            client.subscribeWith().topicFilter("ops/#").qos(MqttQos.AT_LEAST_ONCE).send();

            broker.terminate();
            assertThat(disconnectReason.get(30, TimeUnit.SECONDS)).isEqualTo(Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN);
            assertThat(broker.awaitExit(60)).as("broker exits after SIGTERM").isTrue();
            assertThat(broker.output()).contains("disconnected 1 clients for shutdown");
        }
        try (BrokerProcess again = BrokerProcess.start(dataDir, Map.of(), dataDir.resolve("broker-2.log"), 90)) {
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("operator-test")
                    .serverHost("127.0.0.1").serverPort(again.port()).buildBlocking();
            Mqtt5ConnAck ack = client.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            // MQTT-3.2.2-2: the session was kept across the restart
            assertThat(ack.isSessionPresent()).isTrue();
            client.disconnect();
        }
    }
}
