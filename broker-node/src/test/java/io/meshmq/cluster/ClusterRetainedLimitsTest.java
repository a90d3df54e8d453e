package io.meshmq.cluster;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** broker.limits.max-retained-messages in a cluster: the retained store is one singleton, so the limit is the cluster's. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterRetainedLimitsTest {

    @Test
    @DisplayName("max-retained-messages counts the retained messages set through every node; replacing and deleting work on any node")
    void retainedLimitIsClusterWide() throws Exception {
        try (ThreeNodeCluster cluster = ThreeNodeCluster.start(Map.of("broker.limits.max-retained-messages", 2))) {
            String prefix = ThreeNodeCluster.unique("limited");
            Mqtt5BlockingClient a = cluster.client(0, ThreeNodeCluster.unique("pub-a"));
            Mqtt5BlockingClient b = cluster.client(1, ThreeNodeCluster.unique("pub-b"));
            Mqtt5BlockingClient c = cluster.client(2, ThreeNodeCluster.unique("pub-c"));
            try {
                assertThat(retain(a, prefix + "/1", "one")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(retain(b, prefix + "/2", "two")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(retain(c, prefix + "/3", "three")).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                assertThat(retain(c, prefix + "/1", "uno")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(retain(a, prefix + "/2", "")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(retain(b, prefix + "/3", "three")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                long refused = 0;
                for (int i = 0; i < 3; i++) refused += cluster.node(i).metrics().rejectedCount("limit.retained");
                assertThat(refused).as("counted once, on the node hosting the store").isEqualTo(1);
            } finally {
                for (Mqtt5BlockingClient x : new Mqtt5BlockingClient[]{a, b, c}) {
                    try { x.disconnect(); } catch (RuntimeException ignored) { /* already gone */ }
                }
            }
        }
    }

    private static Mqtt5PubAckReasonCode retain(Mqtt5BlockingClient c, String topic, String payload) {
        try {
            Mqtt5PublishResult r = c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(ThreeNodeCluster.bytes(payload)).send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }
}
