package io.meshmq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Publishes "0", "1", "2", ... at QoS 1 (or 2) to one topic, one at a time (so in order), about 100 a second, counting
 * PUBACKs. Like a real QoS 1 publisher it keeps its session and reconnects by itself, resending what was not
 * acknowledged when the broker closed its connection (e.g. after broker.connection.delivery-timeout).
 */
public final class SteadyPublisher {
    public final AtomicInteger acked = new AtomicInteger();
    public final Set<String> failures = ConcurrentHashMap.newKeySet();
    /** How often the broker closed the publisher's connection (it reconnects by itself). */
    public final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Mqtt5AsyncClient client;
    private final Thread thread;

    /** {@code acceptClientId}: whether a client id may be kept (e.g. its session must not live on a node about to die). */
    public SteadyPublisher(int port, String topic, Predicate<String> acceptClientId) {
        this(port, topic, MqttQos.AT_LEAST_ONCE, acceptClientId);
    }

    /** At {@code qos} 1 (PUBACK) or 2 (PUBCOMP counts as acknowledged). */
    public SteadyPublisher(int port, String topic, MqttQos qos, Predicate<String> acceptClientId) {
        Mqtt5AsyncClient chosen = null;
        for (int attempt = 0; attempt < 30 && chosen == null; attempt++) {
            String id = "steady-pub-" + java.util.UUID.randomUUID().toString().substring(0, 8);
            Mqtt5AsyncClient candidate = MqttClient.builder().useMqttVersion5().identifier(id)
                    .serverHost("127.0.0.1").serverPort(port).automaticReconnectWithDefaultConfig()
                    .addDisconnectedListener(c -> {
                        if (c.getSource() == com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource.SERVER) disconnects.incrementAndGet();
                    }).buildAsync();
            candidate.connectWith().cleanStart(true).sessionExpiryInterval(600).send().join();
            if (acceptClientId.test(id)) chosen = candidate;
            else candidate.disconnect().join();
        }
        if (chosen == null) throw new AssertionError("no acceptable publisher client id in 30 tries");
        client = chosen;
        thread = new Thread(() -> {
            int seq = 0;
            while (running.get()) {
                try {
                    var result = client.publishWith().topic(topic).qos(qos)
                            .payload(String.valueOf(seq).getBytes(StandardCharsets.US_ASCII)).send()
                            .get(120, TimeUnit.SECONDS);
                    if (result.getError().isPresent()) { failures.add(seq + ": " + result.getError().get()); return; }
                    acked.set(++seq);
                    Thread.sleep(10);
                } catch (Exception e) {
                    failures.add(seq + ": " + e);
                    return;
                }
            }
        }, "steady-publisher");
        thread.start();
    }

    /** Stops after the publication in flight is acknowledged (or fails). */
    public void stop() throws InterruptedException {
        running.set(false);
        thread.join(TimeUnit.SECONDS.toMillis(130));
        client.disconnect();
    }
}
