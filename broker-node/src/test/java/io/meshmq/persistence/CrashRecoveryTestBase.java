package io.meshmq.persistence;

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

import io.meshmq.it.BrokerProcess;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The persistence requirement of the product issue, run against the journal a subclass chooses: persistent sessions
 * of an MQTT 3.1.1 client (Clean Session 0) and an MQTT 5 client (Session Expiry Interval 3600) subscribe and go
 * offline; 10,000 messages are published and every one acknowledged (5,000 at QoS 1 to one topic, 5,000 at QoS 2 to
 * another; each subscriber subscribes to the first at QoS 1 and the second at QoS 2, so both protocol versions are
 * checked at both QoS levels, 20,000 queued deliveries in all); the broker's JVM is killed with SIGKILL and started
 * again on the same journal; the subscribers resume their sessions and must get every message as their QoS allows.
 */
abstract class CrashRecoveryTestBase {
    static final int PER_TOPIC = 5_000;
    static final long READY_TIMEOUT_S = 90;
    static final long DELIVERY_TIMEOUT_S = 60;

    @TempDir Path dataDir;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    /** {@code -D} properties that select the journal (nothing for the default H2 file in the data dir). */
    protected abstract Map<String, String> journalProperties();

    /** The journal the ready line must name ("h2" or "postgres"). */
    protected abstract String journalDialect();

    @AfterEach
    void killEverything() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception ignored) {
                // best effort: the test's own outcome matters more
            }
        }
        cleanup.clear();
    }

    private BrokerProcess startBroker(String name) throws Exception {
        BrokerProcess b = BrokerProcess.start(dataDir, journalProperties(), dataDir.resolve(name + ".log"), READY_TIMEOUT_S);
        cleanup.add(b);
        assertThat(b.readyLine).as("ready line of %s", name).endsWith("journal " + journalDialect());
        return b;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    @DisplayName("MQTT-4.1.0-1, MQTT-4.3.2, MQTT-4.3.3, MQTT-4.4.0-1: after SIGKILL and restart, persistent 3.1.1 and 5 "
            + "sessions get every acknowledged QoS 1 message (in order, repeats only with DUP) and every QoS 2 message exactly once")
    void persistentSessionsReceiveEveryAcknowledgedMessageAfterSigkill() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic1 = "crash/" + run + "/qos1";
        String topic2 = "crash/" + run + "/qos2";
        String[] filters = {topic1, topic2};
        int[] qos = {1, 2};

        BrokerProcess first = startBroker("broker-1");

        Subscriber v3 = new Subscriber.V3("crash-v3-" + run);
        Subscriber v5 = new Subscriber.V5("crash-v5-" + run);
        cleanup.add(v3);
        cleanup.add(v5);
        for (Subscriber s : List.of(v3, v5)) {
            assertThat(s.connect(first.port(), true)).as("%s: session present on first connect", s).isFalse();
            assertThat(s.subscribe(filters, qos)).as("%s: granted QoS", s).containsExactly(1, 2);
            s.disconnect();
        }

        // All acknowledged (every PUBACK, PUBREC and PUBCOMP) before the crash.
        Publisher.publishAndAwaitAcks(first.port(), topic1, topic2, PER_TOPIC, 120);

        long pid = first.pid();
        int exit = first.kill();
        assertThat(exit).as("exit status of the SIGKILLed broker (128 + 9)").isEqualTo(137);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("broker process alive").isFalse();
        // Nothing a subscriber saw before the crash counts: they were offline the whole time.
        assertThat(v3.deliveries()).isEmpty();
        assertThat(v5.deliveries()).isEmpty();

        BrokerProcess second = startBroker("broker-2");
        for (Subscriber s : List.of(v3, v5)) {
            // 3.1.1 MQTT-3.2.2-2, 5.0 MQTT-3.2.2-2: CONNACK says the resumed session is present
            assertThat(s.connect(second.port(), false)).as("%s: session present after the restart", s).isTrue();
        }

        Subscriber.awaitDistinct(List.of(v3, v5), List.of(topic1, topic2), PER_TOPIC, DELIVERY_TIMEOUT_S);
        // Let anything still in flight (a late repeat) arrive before judging.
        Thread.sleep(2000);
        for (Subscriber s : List.of(v3, v5)) System.out.println(s.summary(List.of(topic1, topic2)));

        SoftAssertions softly = new SoftAssertions();
        for (Subscriber s : List.of(v3, v5)) {
            DeliveryChecks.atLeastOnceInOrder(softly, s.toString(), s.deliveries(topic1), PER_TOPIC);
            DeliveryChecks.exactlyOnceInOrder(softly, s.toString(), s.deliveries(topic2), PER_TOPIC);
            softly.assertThat(s.anomalies).as("%s: recording anomalies", s).isEmpty();
        }
        if (!softly.wasSuccess()) {
            System.err.println("broker logs: " + first.log + ", " + second.log + "\n" + BrokerProcess.tail(second.log));
        }
        softly.assertAll();

        for (Subscriber s : List.of(v3, v5)) s.disconnect();
    }
}
