package io.meshmq.persistence;

import io.meshmq.it.BrokerFixture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quick, in-JVM companion of the crash-recovery tests: a broker in the test's JVM is stopped cleanly
 * ({@link BrokerFixture#close()}) and started again on the same data directory (H2 journal).
 */
class PersistentSessionRestartTest {
    static final int QUEUED = 500;
    static final int AFTER_RESTART = 100;

    @TempDir Path dataDir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void closeEverything() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception ignored) {
                // best effort
            }
        }
        cleanup.clear();
    }

    private BrokerFixture startBroker() throws Exception {
        BrokerFixture b = BrokerFixture.start(dataDir, Map.of());
        cleanup.add(b);
        return b;
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    @DisplayName("MQTT-4.1.0-1, MQTT-3.1.2-5: a persistent session's subscriptions and queued QoS 1/2 messages survive "
            + "a clean broker restart (3.1.1 Clean Session 0 and MQTT 5 Session Expiry)")
    void persistentSessionSurvivesCleanRestart() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic1 = "restart/" + run + "/qos1";
        String topic2 = "restart/" + run + "/qos2";
        List<String> topics = List.of(topic1, topic2);

        BrokerFixture first = startBroker();
        Subscriber v3 = new Subscriber.V3("restart-v3-" + run);
        Subscriber v5 = new Subscriber.V5("restart-v5-" + run);
        cleanup.add(v3);
        cleanup.add(v5);
        List<Subscriber> subscribers = List.of(v3, v5);
        for (Subscriber s : subscribers) {
            assertThat(s.connect(first.port(), true)).as("%s: session present on first connect", s).isFalse();
            assertThat(s.subscribe(new String[] {topic1, topic2}, new int[] {1, 2})).as("%s: granted QoS", s)
                    .containsExactly(1, 2);
            s.disconnect();
        }
        Publisher.publishAndAwaitAcks(first.port(), topic1, topic2, 0, QUEUED, 60);
        first.close();

        BrokerFixture second = startBroker();
        for (Subscriber s : subscribers) {
            assertThat(s.connect(second.port(), false)).as("%s: session present after the restart", s).isTrue();
        }
        // No SUBSCRIBE after the restart: these reach the subscribers only through the recovered subscriptions.
        Publisher.publishAndAwaitAcks(second.port(), topic1, topic2, QUEUED, AFTER_RESTART, 60);

        int total = QUEUED + AFTER_RESTART;
        Subscriber.awaitDistinct(subscribers, topics, total, 60);
        Thread.sleep(1000); // a late repeat, if any, arrives before judging
        SoftAssertions softly = new SoftAssertions();
        for (Subscriber s : subscribers) {
            System.out.println(s.summary(topics));
            DeliveryChecks.atLeastOnceInOrder(softly, s.toString(), s.deliveries(topic1), total);
            DeliveryChecks.exactlyOnceInOrder(softly, s.toString(), s.deliveries(topic2), total);
            softly.assertThat(s.anomalies).as("%s: recording anomalies", s).isEmpty();
        }
        softly.assertAll();
        for (Subscriber s : subscribers) s.disconnect();
    }
}
