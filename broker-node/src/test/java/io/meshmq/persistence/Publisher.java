package io.meshmq.persistence;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.advanced.interceptor.qos2.Mqtt5OutgoingQos2Interceptor;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubcomp.Mqtt5PubComp;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubcomp.Mqtt5PubCompReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRec;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRecReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrel.Mqtt5PubRel;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrel.Mqtt5PubRelBuilder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Publishes numbered messages (the payload is the number in ASCII) with an MQTT 5 client and waits until every one
 * is acknowledged: PUBACK for QoS 1; for QoS 2 the PUBREC (the async API's result) and then the PUBCOMP, seen
 * through an outgoing QoS 2 interceptor because HiveMQ's future completes at PUBREC.
 */
final class Publisher {
    private Publisher() {}

    /** Numbers 0..count-1 at QoS 1 to {@code qos1Topic} and at QoS 2 to {@code qos2Topic}, interleaved. */
    static void publishAndAwaitAcks(int port, String qos1Topic, String qos2Topic, int count, long timeoutSeconds)
            throws Exception {
        publishAndAwaitAcks(port, qos1Topic, qos2Topic, 0, count, timeoutSeconds);
    }

    /** Numbers from..from+count-1 at QoS 1 to {@code qos1Topic} and at QoS 2 to {@code qos2Topic}, interleaved. */
    static void publishAndAwaitAcks(int port, String qos1Topic, String qos2Topic, int from, int count,
                                    long timeoutSeconds) throws Exception {
        CountDownLatch pubComps = new CountDownLatch(count);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Mqtt5OutgoingQos2Interceptor qos2 = new Mqtt5OutgoingQos2Interceptor() {
            @Override public void onPubRec(Mqtt5ClientConfig c, Mqtt5Publish p, Mqtt5PubRec r, Mqtt5PubRelBuilder b) {}

            @Override public void onPubRecError(Mqtt5ClientConfig c, Mqtt5Publish p, Mqtt5PubRec r) {
                failures.add(p.getTopic() + " PUBREC " + r);
            }

            @Override public void onPubComp(Mqtt5ClientConfig c, Mqtt5PubRel rel, Mqtt5PubComp comp) {
                if (comp.getReasonCode() != Mqtt5PubCompReasonCode.SUCCESS) failures.add("PUBCOMP " + comp);
                pubComps.countDown();
            }
        };
        Mqtt5AsyncClient publisher = MqttClient.builder().useMqttVersion5()
                .identifier("publisher-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(port)
                .advancedConfig().interceptors().outgoingQos2Interceptor(qos2).applyInterceptors().applyAdvancedConfig()
                .buildAsync();
        publisher.connectWith().cleanStart(true).send().get(30, TimeUnit.SECONDS);
        try {
            List<CompletableFuture<Mqtt5PublishResult>> results = new ArrayList<>(2 * count);
            for (int i = from; i < from + count; i++) {
                byte[] payload = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
                results.add(publisher.publishWith().topic(qos1Topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send());
                results.add(publisher.publishWith().topic(qos2Topic).qos(MqttQos.EXACTLY_ONCE).payload(payload).send());
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(timeoutSeconds, TimeUnit.SECONDS);
            for (CompletableFuture<Mqtt5PublishResult> f : results) {
                Mqtt5PublishResult r = f.join();
                if (r.getError().isPresent()) {
                    failures.add(r.getPublish().getTopic() + " " + r.getError().get());
                } else if (r instanceof Mqtt5PublishResult.Mqtt5Qos1Result q1) {
                    if (q1.getPubAck().getReasonCode() != Mqtt5PubAckReasonCode.SUCCESS) {
                        failures.add(r.getPublish().getTopic() + " " + q1.getPubAck());
                    }
                } else if (r instanceof Mqtt5PublishResult.Mqtt5Qos2Result q2) {
                    if (q2.getPubRec().getReasonCode() != Mqtt5PubRecReasonCode.SUCCESS) {
                        failures.add(r.getPublish().getTopic() + " " + q2.getPubRec());
                    }
                } else {
                    failures.add(r.getPublish().getTopic() + " unexpected result " + r);
                }
            }
            assertThat(pubComps.await(timeoutSeconds, TimeUnit.SECONDS))
                    .as("every QoS 2 publication completed with PUBCOMP (%d missing)", pubComps.getCount()).isTrue();
            assertThat(failures).as("publications not acknowledged with success").isEmpty();
        } finally {
            publisher.disconnect().get(10, TimeUnit.SECONDS);
        }
    }
}
