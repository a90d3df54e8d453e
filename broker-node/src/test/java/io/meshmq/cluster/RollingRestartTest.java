package io.meshmq.cluster;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rolling restart, as a StatefulSet update does it: each of the three nodes in turn is shut down in order (clients
 * disconnected, shards handed off, the node leaves) and replaced by a new node, while 100 MQTT 5 clients keep
 * working: 50 QoS 1 publishers and 50 persistent QoS 1 subscribers, one topic per pair, publisher and subscriber on
 * different nodes. Disconnected clients reconnect to a node that is not going down.
 */
class RollingRestartTest {
    private static final int PAIRS = 50;

    @Test
    @Timeout(value = 420, unit = TimeUnit.SECONDS)
    @DisplayName("rolling restart of all three nodes, one at a time, under steady QoS 1 traffic from 100 clients: no acknowledged message is lost")
    void rollingRestartLosesNoAcknowledgedMessage() throws Exception {
        ScheduledExecutorService pace = Executors.newScheduledThreadPool(2);
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        try (ThreeNodeCluster cluster = ThreeNodeCluster.start()) {
            List<Integer> ports = new CopyOnWriteArrayList<>(List.of(cluster.port(0), cluster.port(1), cluster.port(2)));
            String run = ThreeNodeCluster.unique("rolling");
            List<Set<String>> received = new ArrayList<>();
            List<Set<Integer>> acked = new ArrayList<>();
            Set<String> failures = ConcurrentHashMap.newKeySet();
            AtomicBoolean publishing = new AtomicBoolean(true);
            AtomicInteger inFlight = new AtomicInteger();

            for (int k = 0; k < PAIRS; k++) {
                String topic = run + "/" + k;
                Set<String> got = ConcurrentHashMap.newKeySet();
                received.add(got);
                acked.add(ConcurrentHashMap.newKeySet());
                Mqtt5AsyncClient sub = client(run + "-sub-" + k, ports.get(k % 3), ports);
                sub.publishes(MqttGlobalPublishFilter.ALL, p -> got.add(new String(p.getPayloadAsBytes(), StandardCharsets.US_ASCII)));
                sub.connectWith().cleanStart(true).sessionExpiryInterval(600).send().get(30, TimeUnit.SECONDS);
                sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send().get(30, TimeUnit.SECONDS);
                clients.add(sub);
            }
            for (int k = 0; k < PAIRS; k++) {
                Mqtt5AsyncClient pub = client(run + "-pub-" + k, ports.get((k + 1) % 3), ports);
                pub.connectWith().cleanStart(true).sessionExpiryInterval(600).send().get(30, TimeUnit.SECONDS);
                clients.add(pub);
                publishFrom(pace, pub, run + "/" + k, 0, acked.get(k), failures, publishing, inFlight);
            }

            Thread.sleep(3000);
            for (int i = 0; i < 3; i++) {
                ports.remove((Integer) cluster.port(i));          // reconnecting clients avoid the node going down
                cluster.restartGracefully(i);
                ports.add(cluster.port(i));
                Thread.sleep(3000);
            }
            publishing.set(false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (inFlight.get() > 0 && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(inFlight.get()).as("publications still waiting for PUBACK").isZero();

            List<String> missing = new ArrayList<>();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            do {
                missing.clear();
                for (int k = 0; k < PAIRS; k++) {
                    for (int seq : acked.get(k)) if (!received.get(k).contains(String.valueOf(seq))) missing.add(k + "/" + seq);
                }
                if (!missing.isEmpty()) Thread.sleep(200);
            } while (!missing.isEmpty() && System.nanoTime() < deadline);

            int total = acked.stream().mapToInt(Set::size).sum();
            assertThat(failures).as("publications that failed").isEmpty();
            assertThat(total).as("acknowledged publications").isGreaterThan(PAIRS * 20);
            StringBuilder perTopic = new StringBuilder();
            for (int k = 0; k < PAIRS; k++) {
                final int topicIndex = k;
                List<Integer> lost = acked.get(k).stream().filter(q -> !received.get(topicIndex).contains(String.valueOf(q))).sorted().toList();
                if (!lost.isEmpty()) {
                    perTopic.append(String.format("%n  topic %d: %d of %d acknowledged missing (first %d, last %d), %d received",
                            k, lost.size(), acked.get(k).size(), lost.get(0), lost.get(lost.size() - 1), received.get(k).size()));
                }
            }
            assertThat(missing).as("acknowledged messages never delivered, of %d:%s", total, perTopic).isEmpty();
        } finally {
            pace.shutdownNow();
            for (Mqtt5AsyncClient c : clients) {
                try { c.disconnect(); } catch (RuntimeException ignored) { /* gone with its node */ }
            }
        }
    }

    /** An MQTT 5 client that, when its connection drops, reconnects (resuming its session) to a node in {@code ports}. */
    private static Mqtt5AsyncClient client(String id, int port, List<Integer> ports) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .automaticReconnect().initialDelay(200, TimeUnit.MILLISECONDS).maxDelay(2, TimeUnit.SECONDS).applyAutomaticReconnect()
                .addDisconnectedListener(ctx -> ctx.getReconnector().transportConfig()
                        .serverHost("127.0.0.1").serverPort(ports.get(ThreadLocalRandom.current().nextInt(ports.size())))
                        .applyTransportConfig())
                .buildAsync();
    }

    /** Publishes seq, waits for its PUBACK, then publishes seq + 1 about 100 ms later (about 10 per second). */
    private static void publishFrom(ScheduledExecutorService pace, Mqtt5AsyncClient pub, String topic, int seq,
                                    Set<Integer> acked, Set<String> failures, AtomicBoolean publishing, AtomicInteger inFlight) {
        if (!publishing.get()) return;
        inFlight.incrementAndGet();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(String.valueOf(seq).getBytes(StandardCharsets.US_ASCII))
                .send().whenComplete((result, error) -> {
                    if (error != null || result.getError().isPresent()) {
                        failures.add(topic + "/" + seq + ": " + (error != null ? error : result.getError().get()));
                    } else {
                        acked.add(seq);
                        pace.schedule(() -> publishFrom(pace, pub, topic, seq + 1, acked, failures, publishing, inFlight),
                                100, TimeUnit.MILLISECONDS);
                    }
                    inFlight.decrementAndGet();
                });
    }
}
