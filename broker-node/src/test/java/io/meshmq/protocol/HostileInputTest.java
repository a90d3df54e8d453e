package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.it.BrokerFixture;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile clients on raw sockets against a live broker (issue #5). Every case checks three things: the offender is
 * refused with the right reason (MQTT 5: the CONNACK/DISCONNECT reason code read before the close; 3.1.1: the close),
 * a well-behaved client keeps being served meanwhile (every one of its QoS 1 messages arrives), and the broker gets
 * back to where it was (the current-connections gauge returns to its baseline, heap after GC within a generous
 * bound). Malformed packets already covered by {@link MalformedInputTest} are not repeated here.
 */
class HostileInputTest {
    /** Heap growth tolerated after a case, once the offenders are gone: a leak bound, not a measurement. */
    static final long HEAP_SLACK = 64L * 1024 * 1024;
    static final int RECEIVE_MAXIMUM = 64;
    static final int SUBSCRIPTION_LIMIT = 1000;
    static final int TOPIC_LENGTH_LIMIT = 4096;

    static BrokerFixture broker;
    static Mqtt5BlockingClient subscriber;
    static Mqtt5BlockingClient publisher;
    static long baselineConnections;
    static long baselineHeap;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(Map.of(
                "broker.connection.connect-timeout", "2s",
                "broker.connection.receive-maximum", RECEIVE_MAXIMUM,
                "broker.connection.outbound-queue-packets", 64,
                "broker.session.max-queued-messages", 1000,
                "broker.limits.max-subscriptions-per-client", SUBSCRIPTION_LIMIT,
                "broker.limits.max-topic-length", TOPIC_LENGTH_LIMIT));
        subscriber = Clients.hive(broker, unique("well-behaved-sub"));
        publisher = Clients.hive(broker, unique("well-behaved-pub"));
        baselineConnections = broker.broker.metrics().connectionsCurrent();
        baselineHeap = usedHeapAfterGc();
    }

    @AfterAll
    static void stop() {
        Clients.quietly(subscriber::disconnect);
        Clients.quietly(publisher::disconnect);
        if (broker != null) broker.close();
    }

    // ---- the three checks --------------------------------------------------------------------------------------

    interface Hostile { void run() throws Exception; }

    /**
     * Runs {@code hostile} while a well-behaved publisher sends QoS 1 messages to a well-behaved subscriber (at least
     * 50, and for as long as the hostile part lasts); asserts that every one of them arrives.
     */
    static void whileServing(Hostile hostile) throws Exception {
        whileServing(publisher, subscriber, hostile);
    }

    static void whileServing(Mqtt5BlockingClient publisher, Mqtt5BlockingClient subscriber, Hostile hostile) throws Exception {
        String topic = unique("served");
        int min = 50, max = 20_000;
        try (Mqtt5BlockingClient.Mqtt5Publishes in = subscriber.publishes(MqttGlobalPublishFilter.ALL)) {
            subscriber.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            AtomicBoolean done = new AtomicBoolean();
            AtomicInteger sent = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Set<String> got = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Thread pub = new Thread(() -> {
                try {
                    while ((!done.get() || sent.get() < min) && sent.get() < max) {
                        publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                                .payload(("m" + sent.get()).getBytes(StandardCharsets.UTF_8)).send();
                        sent.incrementAndGet();
                        Thread.sleep(5);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "well-behaved-publisher");
            // The subscriber consumes as it goes (HiveMQ acknowledges a message once the application took it), so
            // it is a well-behaved client, not one more slow consumer.
            AtomicBoolean stopReading = new AtomicBoolean();
            Thread sub = new Thread(() -> {
                try {
                    while (!stopReading.get()) {
                        Optional<Mqtt5Publish> m = in.receive(100, TimeUnit.MILLISECONDS);
                        if (m.isPresent() && m.get().getTopic().toString().equals(topic)) {
                            got.add(new String(m.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "well-behaved-subscriber");
            pub.setDaemon(true);
            sub.setDaemon(true);
            pub.start();
            sub.start();
            try {
                hostile.run();
            } finally {
                done.set(true);
                pub.join(60_000);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (got.size() < sent.get() && System.nanoTime() < deadline) Thread.sleep(20);
                stopReading.set(true);
                sub.join(10_000);
            }
            assertThat(failure.get()).as("well-behaved clients").isNull();
            assertThat(got).as("QoS 1 messages of the well-behaved client delivered meanwhile").hasSize(sent.get());
            subscriber.unsubscribeWith().topicFilter(topic).send();
        }
    }

    /** The current-connections gauge returns to its baseline (waits, bounded, for the closes to be processed). */
    static void assertConnectionsBackToBaseline() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (broker.broker.metrics().connectionsCurrent() != baselineConnections && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(broker.broker.metrics().connectionsCurrent()).as("current connections").isEqualTo(baselineConnections);
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    static void assertBackToBaseline() throws InterruptedException {
        assertConnectionsBackToBaseline();
        assertThat(usedHeapAfterGc()).as("heap used after GC (baseline %d MiB)", baselineHeap >> 20)
                .isLessThan(baselineHeap + HEAP_SLACK);
    }

    // ---- packet building -----------------------------------------------------------------------------------------

    static byte[] of(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    static byte[] str(byte[] raw) {
        byte[] b = new byte[raw.length + 2];
        b[0] = (byte) (raw.length >>> 8);
        b[1] = (byte) raw.length;
        System.arraycopy(raw, 0, b, 2, raw.length);
        return b;
    }

    static byte[] str(String s) { return str(s.getBytes(StandardCharsets.UTF_8)); }

    static byte[] packet(int firstByte, byte[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] p : parts) body.writeBytes(p);
        return MalformedInputTest.frame(firstByte, body.toByteArray());
    }

    /** An MQTT 5 QoS 0 PUBLISH to "t" with these property bytes (fewer than 128: a one-byte length). */
    static byte[] publish5(int... props) {
        return packet(0x30, str("t"), of(props.length), of(props));
    }

    /** A CONNECT with this protocol level and flags; {@code rest} follows keep-alive (properties first in 5). */
    static byte[] connect(int level, int flags, byte[]... rest) {
        byte[][] parts = new byte[rest.length + 2][];
        parts[0] = str("MQTT");
        parts[1] = of(level, flags, 0x00, 0x0A);
        System.arraycopy(rest, 0, parts, 2, rest.length);
        return packet(0x10, parts);
    }

    static byte[] encode(MqttPacket p, ProtocolVersion v) { return MqttEncoder.encode(p, v); }

    // ---- malformed packets, every class the codec rejects --------------------------------------------------------

    static final ProtocolVersion V5 = ProtocolVersion.MQTT_5;
    static final ProtocolVersion V311 = ProtocolVersion.MQTT_3_1_1;

    /**
     * One hostile input. {@code afterConnect}: sent by a connected client of {@code version}, else as the first bytes
     * of a socket whose answer is read as {@code version}. {@code expected}: the reason code of the CONNACK or
     * DISCONNECT the broker must send before closing; null: it must close without sending anything.
     */
    record Case(String name, ProtocolVersion version, boolean afterConnect, byte[] bytes, ReasonCode expected) {}

    static List<Case> malformedCases() {
        ReasonCode malformed = ReasonCode.MALFORMED_PACKET, protocol = ReasonCode.PROTOCOL_ERROR;
        List<Case> c = new ArrayList<>();
        // fixed header
        c.add(new Case("MQTT-1.5.5-1 remaining length not minimally encoded", V5, true, of(0xC0, 0x80, 0x00), malformed));
        c.add(new Case("MQTT-1.5.5-1 (3.1.1) remaining length not minimally encoded", V311, true, of(0xC0, 0x80, 0x00), null));
        c.add(new Case("MQTT 2.1.2 reserved packet type 0", V5, true, of(0x00, 0x00), malformed));
        c.add(new Case("MQTT 2.1.2 packet type 15 (AUTH) is reserved in 3.1.1", V311, true, of(0xF0, 0x00), null));
        c.add(new Case("MQTT-3.3.1-2 DUP on a QoS 0 PUBLISH", V5, true, packet(0x38, str("t"), of(0)), malformed));
        // CONNECT rules after CONNECT
        c.add(new Case("MQTT-3.1.0-2 a second CONNECT", V5, true,
                encode(new MqttPacket.Connect(V5, "again", true, 0, null, null, null, Properties.EMPTY), V5), protocol));
        c.add(new Case("MQTT-3.1.0-2 (3.1.1) a second CONNECT", V311, true, connect(4, 0x02, str("again")), null));
        // strings
        c.add(new Case("MQTT-1.5.4-2 U+0000 in a topic name", V5, true, packet(0x30, str(of('a', 0x00)), of(0)), malformed));
        c.add(new Case("MQTT-1.5.4-1 overlong UTF-8 in a SUBSCRIBE filter", V5, true,
                packet(0x82, of(0, 1, 0), str(of(0xC0, 0xAF)), of(0)), malformed));
        c.add(new Case("string length beyond the packet", V5, true, packet(0x30, of(0x00, 0x09, 'a')), malformed));
        // PUBLISH
        c.add(new Case("MQTT-4.7.3-1 empty topic name (3.1.1)", V311, true, packet(0x30, str("")), null));
        c.add(new Case("MQTT 5 3.3.2.1 empty topic name without Topic Alias", V5, true, packet(0x30, str(""), of(0)), protocol));
        c.add(new Case("MQTT-3.3.4-6 Subscription Identifier from a client", V5, true, publish5(0x0B, 0x01), protocol));
        c.add(new Case("MQTT-3.3.2-8 Topic Alias 0", V5, true, publish5(0x23, 0x00, 0x00), protocol));
        c.add(new Case("MQTT-3.3.2-9 Topic Alias above the broker's maximum", V5, true, publish5(0x23, 0xFF, 0xFF), ReasonCode.TOPIC_ALIAS_INVALID));
        c.add(new Case("MQTT 5 3.3.2.3.4 unknown Topic Alias with an empty topic", V5, true,
                packet(0x30, str(""), of(3, 0x23, 0, 5)), protocol));
        c.add(new Case("MQTT-3.3.2-14 Response Topic with wildcards", V5, true, publish5(0x08, 0x00, 0x01, '#'), protocol));
        c.add(new Case("Payload Format Indicator 2", V5, true, publish5(0x01, 0x02), protocol));
        // properties
        c.add(new Case("a property twice", V5, true, publish5(0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2), protocol));
        c.add(new Case("a property not allowed on PUBLISH", V5, true, publish5(0x11, 0, 0, 0, 1), malformed));
        c.add(new Case("an unknown property", V5, true, publish5(0x05, 0x00), malformed));
        c.add(new Case("property length beyond the packet", V5, true, packet(0x30, str("t"), of(0x09, 0x01, 0x00)), malformed));
        c.add(new Case("MQTT 3.x packets carry no properties", V311, true, of(0x40, 0x03, 0x00, 0x01, 0x00), null));
        // packet identifiers and lengths
        c.add(new Case("MQTT-2.2.1-3 SUBSCRIBE with packet id 0", V5, true, packet(0x82, of(0, 0, 0), str("t"), of(0)), protocol));
        c.add(new Case("MQTT-2.2.1-3 PUBREL with packet id 0", V5, true, of(0x62, 0x02, 0x00, 0x00), protocol));
        c.add(new Case("PUBACK shorter than a packet id", V5, true, of(0x40, 0x01, 0x01), malformed));
        c.add(new Case("PINGREQ with a body", V5, true, of(0xC0, 0x01, 0x00), malformed));
        c.add(new Case("DISCONNECT with a body (3.1.1)", V311, true, of(0xE0, 0x01, 0x00), null));
        // SUBSCRIBE / UNSUBSCRIBE
        c.add(new Case("MQTT-3.8.3-3 SUBSCRIBE without filters", V5, true, packet(0x82, of(0, 1, 0)), protocol));
        c.add(new Case("MQTT-3.10.3-2 UNSUBSCRIBE without filters", V5, true, packet(0xA2, of(0, 1, 0)), protocol));
        c.add(new Case("MQTT 4.7.1 UNSUBSCRIBE with the filter a+", V5, true, packet(0xA2, of(0, 1, 0), str("a+")), ReasonCode.TOPIC_FILTER_INVALID));
        c.add(new Case("MQTT 4.8.2 shared subscription without a group ($share//a)", V5, true,
                packet(0x82, of(0, 1, 0), str("$share//a"), of(0)), ReasonCode.TOPIC_FILTER_INVALID));
        c.add(new Case("MQTT-3.8.3-5 reserved subscription option bits", V5, true, packet(0x82, of(0, 1, 0), str("a"), of(0x40)), malformed));
        c.add(new Case("Retain Handling 3", V5, true, packet(0x82, of(0, 1, 0), str("a"), of(0x30)), protocol));
        c.add(new Case("requested QoS 3", V5, true, packet(0x82, of(0, 1, 0), str("a"), of(0x03)), protocol));
        c.add(new Case("MQTT-3.8.3-4 (3.1.1) reserved bits in the requested QoS", V311, true, packet(0x82, of(0, 1), str("a"), of(0x04)), null));
        c.add(new Case("MQTT-3.8.3-4 No Local on a shared subscription", V5, true,
                packet(0x82, of(0, 1, 0), str("$share/g/a"), of(0x04)), protocol));
        c.add(new Case("Subscription Identifier 0 on SUBSCRIBE", V5, true, packet(0x82, of(0, 1, 0x02, 0x0B, 0x00), str("a"), of(0)), protocol));
        // reason codes, direction, AUTH, DISCONNECT rules
        c.add(new Case("PUBACK with a reason code not valid for it (0x92)", V5, true, of(0x40, 0x03, 0x00, 0x01, 0x92), malformed));
        c.add(new Case("DISCONNECT with reason code 0x01", V5, true, of(0xE0, 0x01, 0x01), malformed));
        c.add(new Case("CONNACK sent to the server", V5, true, of(0x20, 0x03, 0x00, 0x00, 0x00), protocol));
        c.add(new Case("SUBACK sent to the server", V5, true, of(0x90, 0x04, 0x00, 0x01, 0x00, 0x00), protocol));
        c.add(new Case("PINGRESP sent to the server (3.1.1)", V311, true, of(0xD0, 0x00), null));
        c.add(new Case("AUTH without an authentication method", V5, true, of(0xF0, 0x00), protocol));
        c.add(new Case("AUTH with reason code 0x04", V5, true, of(0xF0, 0x01, 0x04), malformed));
        c.add(new Case("MQTT-3.14.2-2 Session Expiry set on DISCONNECT after 0", V5, true,
                of(0xE0, 0x07, 0x00, 0x05, 0x11, 0, 0, 0, 10), protocol));
        // CONNECT itself
        c.add(new Case("MQTT-3.1.0-1 first packet is not CONNECT", V5, false, of(0xC0, 0x00), null));
        c.add(new Case("MQTT-2.1.3-1 reserved flags of CONNECT", V5, false, of(0x11, 0x00), null));
        c.add(new Case("MQTT-3.1.2-2 unknown protocol level (6): CONNACK 0x01 in 3.1.1 form", V311, false,
                connect(6, 0x02, str("c")), ReasonCode.UNSUPPORTED_PROTOCOL_VERSION));
        c.add(new Case("MQTT-3.1.2-1 unknown protocol name", V311, false,
                packet(0x10, str("MQTX"), of(4, 2, 0, 10), str("c")), ReasonCode.UNSUPPORTED_PROTOCOL_VERSION));
        c.add(new Case("MQTT-3.1.2-11 Will QoS without Will Flag", V5, false, connect(5, 0x0A, of(0), str("c")), malformed));
        c.add(new Case("MQTT-3.1.2-12 Will QoS 3 (3.1.1)", V311, false, connect(4, 0x1E, str("c"), str("w"), str("x")), null));
        c.add(new Case("MQTT-3.1.2-13 Will Retain without Will Flag", V5, false, connect(5, 0x22, of(0), str("c")), malformed));
        c.add(new Case("MQTT-3.1.2-22 password without user name (3.1.1)", V311, false, connect(4, 0x42, str("c"), str("pw")), null));
        c.add(new Case("MQTT-3.1.3-11 Will Topic with a wildcard", V5, false,
                connect(5, 0x06, of(0), str("c"), of(0), str("a/#"), str("x")), ReasonCode.TOPIC_NAME_INVALID));
        c.add(new Case("Authentication Data without Authentication Method", V5, false,
                connect(5, 0x02, of(0x04, 0x16, 0x00, 0x01, 0x01), str("c")), protocol));
        c.add(new Case("CONNECT with trailing bytes", V5, false, connect(5, 0x02, of(0), str("c"), of(0)), malformed));
        c.add(new Case("MQTT-1.5.4-2 U+0000 in the client id", V5, false, connect(5, 0x02, of(0), str(of('c', 0x00))), malformed));
        c.add(new Case("Receive Maximum 0", V5, false, connect(5, 0x02, of(0x03, 0x21, 0, 0), str("c")), protocol));
        c.add(new Case("Request Problem Information 2", V5, false, connect(5, 0x02, of(0x02, 0x17, 2), str("c")), protocol));
        c.add(new Case("client id longer than max-client-id-length", V5, false,
                connect(5, 0x02, of(0), str("c".repeat(300))), ReasonCode.CLIENT_IDENTIFIER_NOT_VALID));
        c.add(new Case("256 MB remaining length on CONNECT, never sent", V5, false, of(0x10, 0xFF, 0xFF, 0xFF, 0x7F), null));
        return c;
    }

    /** Sends one case on a fresh socket; returns what the broker sent before it closed. */
    static List<MqttPacket> offend(Case c) throws IOException {
        RawClient raw = c.afterConnect()
                ? RawClient.connect(broker.port(), c.version(), unique("offender"), true, 0, Properties.EMPTY)
                : RawClient.open(broker.port(), c.version());
        try (raw) {
            raw.sendBytesQuietly(c.bytes());
            return raw.awaitClosed();
        }
    }

    @Test
    @DisplayName("every class of malformed packet the codec rejects, sent live: refused with its reason, closed; others served")
    void everyMalformedClassLive() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        whileServing(() -> {
            for (Case c : malformedCases()) {
                List<MqttPacket> before;
                try {
                    before = offend(c);
                } catch (AssertionError | IOException e) {
                    soft.fail(c.name() + ": " + e.getMessage());
                    continue;
                }
                if (c.expected() == null) {
                    soft.assertThat(before).as(c.name() + ": closed without a reason").isEmpty();
                } else {
                    soft.assertThat(before).as(c.name() + ": one packet before the close").hasSize(1);
                    if (before.size() == 1) {
                        MqttPacket p = before.get(0);
                        ReasonCode code = p instanceof MqttPacket.ConnAck a ? a.reasonCode()
                                : p instanceof MqttPacket.Disconnect d ? d.reasonCode() : null;
                        soft.assertThat(p).as(c.name()).isInstanceOf(c.afterConnect() ? MqttPacket.Disconnect.class : MqttPacket.ConnAck.class);
                        soft.assertThat(code).as(c.name() + ": reason code").isEqualTo(c.expected());
                    }
                }
            }
        });
        soft.assertAll();
        assertBackToBaseline();
    }

    // ---- extreme but valid CONNECT values (found by LiveBrokerFuzzProperties) -------------------------------------

    @Test
    @DisplayName("Session Expiry and Will Delay of years (beyond the scheduler's reach) and a client id with '|': the session works")
    void extremeButValidConnectValues() throws Exception {
        long years = 0xFFFFFFFEL;     // one second short of "never expires": about 136 years
        whileServing(() -> {
            for (String id : List.of(unique("forever"), unique("pipe|in|id"))) {
                MqttPacket.Will will = new MqttPacket.Will("will/" + unique("w"), "gone".getBytes(), QoS.AT_MOST_ONCE, false,
                        Properties.builder().willDelayInterval(years).build());
                try (RawClient c = RawClient.open(broker.port(), V5)) {
                    MqttPacket.ConnAck ack = c.sendConnect(id, true, 0, Properties.builder().sessionExpiryInterval(years).build(), will);
                    assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                    assertThat(c.subscribe(1, "kept/" + id.hashCode(), QoS.AT_LEAST_ONCE).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);
                }   // closed without DISCONNECT: the will waits, the session stays
                try (RawClient c = RawClient.open(broker.port(), V5)) {
                    MqttPacket.ConnAck ack = c.sendConnect(id, false, 0, Properties.builder().sessionExpiryInterval(0L).build(), null);
                    assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                    assertThat(ack.sessionPresent()).as("session of %s kept", id).isTrue();
                    c.disconnect();
                }
            }
        });
        assertBackToBaseline();
    }

    // ---- oversized packets ---------------------------------------------------------------------------------------

    @Test
    @DisplayName("a remaining length of 256 MB, never sent: MQTT 5 DISCONNECT 0x95 from the fixed header, 3.1.1 closed")
    void remainingLength256MegabytesNeverSent() throws Exception {
        byte[] header = of(0x30, 0xFF, 0xFF, 0xFF, 0x7F);
        whileServing(() -> {
            try (RawClient c = RawClient.connect(broker.port(), V5, unique("huge5"), true, 0, Properties.EMPTY)) {
                c.sendBytesQuietly(header);
                c.awaitDisconnect(ReasonCode.PACKET_TOO_LARGE.value());
            }
            try (RawClient c = RawClient.connect(broker.port(), V311, unique("huge3"), true, 0, Properties.EMPTY)) {
                c.sendBytesQuietly(header);
                assertThat(c.awaitClosed()).isEmpty();
            }
        });
        assertBackToBaseline();
    }

    // ---- slowloris -------------------------------------------------------------------------------------------------

    /** Writes {@code bytes} one at a time, {@code pause} apart, until the broker closes; returns how many went out. */
    static int trickle(Socket s, byte[] bytes, Duration pause) throws Exception {
        s.setSoTimeout((int) pause.toMillis());
        InputStream in = s.getInputStream();
        for (int i = 0; i < bytes.length; i++) {
            try {
                s.getOutputStream().write(bytes[i]);
                s.getOutputStream().flush();
            } catch (IOException closed) {
                return i;
            }
            try {
                int r;
                while ((r = in.read()) >= 0) { /* the broker's answer (DISCONNECT) */ }
                return i + 1;   // end of stream: the broker closed
            } catch (SocketTimeoutException stillOpen) {
                // nothing yet: next byte
            } catch (IOException reset) {
                return i + 1;
            }
        }
        return bytes.length;
    }

    @Test
    @DisplayName("slowloris on CONNECT (one byte a second): closed by the CONNECT timeout before the CONNECT is complete")
    void slowlorisBeforeConnect() throws Exception {
        byte[] connect = encode(new MqttPacket.Connect(V5, unique("slow"), true, 0, null, null, null, Properties.EMPTY), V5);
        long timeouts = broker.broker.metrics().rejectedCount("connect-timeout");
        whileServing(() -> {
            try (Socket s = new Socket("127.0.0.1", broker.port())) {
                int sent = trickle(s, connect, Duration.ofSeconds(1));
                assertThat(sent).as("bytes of the %d-byte CONNECT sent before the broker closed", connect.length)
                        .isLessThan(connect.length);
            }
        });
        assertThat(broker.broker.metrics().rejectedCount("connect-timeout")).isGreaterThan(timeouts);
        assertBackToBaseline();
    }

    @Test
    @DisplayName("slowloris after CONNECT (a packet trickled in, never complete): keep-alive closes it, DISCONNECT 0x8D")
    void slowlorisAfterConnect() throws Exception {
        // keep-alive 1 s: more than 1.5 s without a complete control packet ends the connection (MQTT-3.1.2-24)
        byte[] publish = encode(new MqttPacket.Publish("slow/x", QoS.AT_MOST_ONCE, false, false, 0, new byte[200],
                Properties.EMPTY), V5);
        whileServing(() -> {
            try (RawClient c = RawClient.connect(broker.port(), V5, unique("slow"), true, 1, Properties.EMPTY)) {
                int sent = 0;
                while (!c.isClosed() && sent < publish.length) {
                    c.sendBytesQuietly(new byte[] {publish[sent++]});
                    Thread.sleep(500);
                }
                assertThat(sent).as("bytes of the %d-byte PUBLISH sent before the broker closed", publish.length)
                        .isLessThan(publish.length);
                c.awaitDisconnect(ReasonCode.KEEP_ALIVE_TIMEOUT.value());
            }
        });
        assertBackToBaseline();
    }

    // ---- CONNECT flood ------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("a CONNECT flood from one source over max-connection-rate: refused at accept (MQTT 5 CONNACK 0x9F, 3.1.1 code 3), closed; others served")
    void connectFlood() throws Exception {
        int attempts = 300;
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.max-connection-rate", 20,
                "broker.connection.connect-timeout", "2s"))) {
            Mqtt5BlockingClient sub = Clients.hive(b, unique("calm-sub"));
            Mqtt5BlockingClient pub = Clients.hive(b, unique("calm-pub"));
            long actors = b.broker.metrics().connectionsTotal();
            AtomicInteger accepted = new AtomicInteger(), refused = new AtomicInteger();
            List<RawClient> open = new ArrayList<>();
            try {
                whileServing(pub, sub, () -> {
                    for (int i = 0; i < attempts; i++) {
                        ProtocolVersion v = i % 3 == 0 ? V311 : V5;
                        RawClient c = RawClient.open(b.port(), v);
                        c.sendBytesQuietly(encode(new MqttPacket.Connect(v, unique("flood"), true, 0, null, null, null,
                                Properties.EMPTY), v));
                        MqttPacket.ConnAck ack = c.expect(MqttPacket.ConnAck.class);
                        if (ack.reasonCode() == ReasonCode.SUCCESS) {
                            accepted.incrementAndGet();
                            open.add(c);
                        } else {
                            assertThat(ack.reasonCode()).isEqualTo(v.isV5() ? ReasonCode.CONNECTION_RATE_EXCEEDED
                                    : ReasonCode.SERVER_UNAVAILABLE);
                            assertThat(c.awaitClosed()).as("nothing after the refusal, then closed").isEmpty();
                            c.close();
                            refused.incrementAndGet();
                        }
                    }
                });
            } finally {
                open.forEach(RawClient::close);
            }
            assertThat(accepted.get()).as("connections within the rate").isPositive();
            assertThat(refused.get()).as("connections over the rate").isPositive();
            assertThat(b.broker.metrics().rejectedCount("limit.connection-rate")).isEqualTo(refused.get());
            // refused at accept: no connection actor was started for them
            assertThat(b.broker.metrics().connectionsTotal() - actors).as("connection actors started during the flood")
                    .isLessThan(attempts);
            // the bucket refills: a new client gets in again (bounded retries)
            boolean back = false;
            for (int i = 0; i < 50 && !back; i++) {
                try (RawClient c = RawClient.open(b.port(), V5)) {
                    back = c.sendConnect(unique("later"), true, 0, Properties.EMPTY, null).reasonCode() == ReasonCode.SUCCESS;
                }
                if (!back) Thread.sleep(100);
            }
            assertThat(back).as("accepted again after the flood").isTrue();
            Clients.quietly(sub::disconnect);
            Clients.quietly(pub::disconnect);
        }
    }

    // ---- many silent sockets ------------------------------------------------------------------------------------

    /** How many sockets this JVM can afford to hold open on both ends (client and broker), at most {@code want}. */
    static int affordableSockets(int want) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long free = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 1_000;
            return (int) Math.max(100, Math.min(want, free / 2));
        }
        return Math.min(want, 400);
    }

    @Test
    @DisplayName("5,000 sockets that never send CONNECT: all closed by the CONNECT timeout; the broker keeps serving")
    void silentSocketsClosedByConnectTimeout() throws Exception {
        int n = affordableSockets(5_000);
        if (n < 5_000) System.out.println("HostileInputTest: file descriptor limit allows " + n + " silent sockets, not 5,000");
        List<Socket> sockets = new ArrayList<>(n);
        try {
            whileServing(() -> {
                for (int i = 0; i < n; i++) sockets.add(new Socket("127.0.0.1", broker.port()));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int closed = 0;
                for (Socket s : sockets) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0) break;
                    s.setSoTimeout((int) left);
                    try {
                        if (s.getInputStream().read() < 0) closed++;
                    } catch (SocketTimeoutException notClosed) {
                        break;
                    } catch (IOException reset) {
                        closed++;
                    }
                }
                assertThat(closed).as("silent sockets closed by the broker").isEqualTo(n);
            });
        } finally {
            for (Socket s : sockets) s.close();
        }
        assertThat(broker.broker.metrics().rejectedCount("connect-timeout")).isGreaterThanOrEqualTo(n);
        assertBackToBaseline();
    }

    // ---- a consumer that never reads ----------------------------------------------------------------------------

    @Test
    @DisplayName("a # subscriber that never reads its socket: its QoS 0 messages are dropped, its QoS 1 queue is capped; others unaffected")
    void subscriberThatNeverReads() throws Exception {
        long droppedQos0 = broker.broker.metrics().droppedCount("qos0-slow-consumer");
        long droppedQueue = broker.broker.metrics().droppedCount("queue-full");
        byte[] payload = new byte[8 * 1024];
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int qos : new int[] {0, 1}) {
                Socket s = new Socket();
                s.setReceiveBufferSize(4096);      // set before connecting: a small window fills fast
                s.connect(new java.net.InetSocketAddress("127.0.0.1", broker.port()));
                stalled.add(s);
                s.getOutputStream().write(encode(new MqttPacket.Connect(V5, unique("stalled"), true, 0, null, null, null,
                        Properties.EMPTY), V5));
                s.getOutputStream().write(encode(new MqttPacket.Subscribe(1, List.of(MqttPacket.Subscription.of("#", QoS.of(qos))),
                        Properties.EMPTY), V5));
                s.getOutputStream().flush();
                // CONNACK and SUBACK are left unread too: from here on nothing is read from this socket
            }
            Mqtt5BlockingClient loud = Clients.hive(broker, unique("loud"));
            try {
                whileServing(() -> {
                    // 4,000 x 8 KiB = 32 MiB towards each stalled subscriber: far beyond socket buffers and queues
                    List<java.util.concurrent.CompletableFuture<?>> acks = new ArrayList<>();
                    for (int i = 0; i < 4_000; i++) {
                        acks.add(loud.toAsync().publishWith().topic("flood/" + (i % 16)).qos(MqttQos.AT_LEAST_ONCE)
                                .payload(payload).send());
                    }
                    java.util.concurrent.CompletableFuture.allOf(acks.toArray(new java.util.concurrent.CompletableFuture[0]))
                            .get(120, TimeUnit.SECONDS);
                });
            } finally {
                Clients.quietly(loud::disconnect);
            }
            assertThat(broker.broker.metrics().droppedCount("qos0-slow-consumer")).as("QoS 0 dropped for the stalled subscriber")
                    .isGreaterThan(droppedQos0);
            assertThat(broker.broker.metrics().droppedCount("queue-full")).as("QoS 1 beyond max-queued-messages dropped")
                    .isGreaterThan(droppedQueue);
            assertThat(usedHeapAfterGc()).as("heap with the stalled subscribers still connected")
                    .isLessThan(baselineHeap + HEAP_SLACK);
        } finally {
            for (Socket s : stalled) s.close();
        }
        assertBackToBaseline();
    }

    @Test
    @DisplayName("a client that sends PINGREQs and never reads the answers: closed once its answers fill the socket and the queue; heap bounded")
    void pingFloodWithoutReading() throws Exception {
        long slow = broker.broker.metrics().rejectedCount("slow-consumer");
        whileServing(() -> {
            java.util.concurrent.ScheduledExecutorService watchdog = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            try (Socket s = new Socket()) {
                // bounds the test: a blocked write or an endless read ends when the socket is closed under it
                watchdog.schedule(() -> { s.close(); return null; }, 60, TimeUnit.SECONDS);
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", broker.port()));
                s.getOutputStream().write(encode(new MqttPacket.Connect(V5, unique("deaf"), true, 0, null, null, null,
                        Properties.EMPTY), V5));
                byte[] pings = new byte[64 * 1024];
                for (int i = 0; i < pings.length; i += 2) pings[i] = (byte) 0xC0;   // PINGREQ: C0 00
                boolean refused = false;
                // up to 10 M PINGREQs (20 MiB): their 2-byte answers are far more than buffers and queues can hold
                for (int i = 0; i < 320 && !refused; i++) {
                    try {
                        s.getOutputStream().write(pings);
                    } catch (IOException closedByBroker) {
                        refused = true;
                    }
                }
                // whether or not the writes noticed, the broker must have closed: drain what it sent, up to the end
                s.setSoTimeout(15_000);
                byte[] buf = new byte[64 * 1024];
                boolean ended = false;
                long drained = 0, cap = 64L * 1024 * 1024;   // what buffers and the bounded queues can hold is far less
                try {
                    int k;
                    while (drained < cap && (k = s.getInputStream().read(buf)) >= 0) drained += k;   // CONNACK, PINGRESPs
                    ended = drained < cap;
                } catch (SocketTimeoutException stillOpen) {
                    ended = false;
                } catch (IOException reset) {
                    ended = !s.isClosed();   // reset by the broker, not closed by the watchdog
                }
                assertThat(ended).as("the broker closed the connection of a client that does not read (%d bytes drained)", drained).isTrue();
            } finally {
                watchdog.shutdownNow();
            }
        });
        assertThat(broker.broker.metrics().rejectedCount("slow-consumer")).isGreaterThan(slow);
        assertBackToBaseline();
    }

    // ---- subscriptions and topics ---------------------------------------------------------------------------------

    @Test
    @DisplayName("10,000 subscriptions from one client: the first max-subscriptions-per-client granted, the rest SUBACK 0x97 (3.1.1: 0x80)")
    void tenThousandSubscriptions() throws Exception {
        whileServing(() -> {
            for (ProtocolVersion v : List.of(V5, V311)) {
                try (RawClient c = RawClient.connect(broker.port(), v, unique("greedy"), true, 0, Properties.EMPTY)) {
                    for (int p = 0; p < 100; p++) {
                        List<MqttPacket.Subscription> subs = new ArrayList<>(100);
                        for (int i = 0; i < 100; i++) subs.add(MqttPacket.Subscription.of("greedy/" + p + "/" + i, QoS.AT_MOST_ONCE));
                        c.send(new MqttPacket.Subscribe(p + 1, subs, Properties.EMPTY));
                    }
                    int granted = 0, refused = 0;
                    for (int p = 0; p < 100; p++) {
                        for (ReasonCode code : c.expect(MqttPacket.SubAck.class).reasonCodes()) {
                            if (code == ReasonCode.GRANTED_QOS_0) granted++;
                            else {
                                assertThat(code.value()).isEqualTo(v.isV5() ? 0x97 : 0x80);
                                refused++;
                            }
                        }
                    }
                    assertThat(granted).isEqualTo(SUBSCRIPTION_LIMIT);
                    assertThat(refused).isEqualTo(10_000 - SUBSCRIPTION_LIMIT);
                    c.send(MqttPacket.PingReq.INSTANCE);
                    assertThat(c.receive()).as("still served after the refusals").isInstanceOf(MqttPacket.PingResp.class);
                    c.disconnect();
                }
            }
        });
        assertBackToBaseline();
    }

    @Test
    @DisplayName("topics 10,000 levels deep or 60,000 characters long: SUBACK 0x8F, PUBLISH DISCONNECT 0x90 (3.1.1: closed)")
    void deepAndLongTopics() throws Exception {
        String deep = "a/".repeat(9_999) + "a";              // 10,000 levels
        String levelsOnly = "/".repeat(300);                 // 301 levels, 300 characters: over the default 128 levels
        String longOne = "x".repeat(60_000);                 // one level, over max-topic-length
        whileServing(() -> {
            try (RawClient c = RawClient.connect(broker.port(), V5, unique("deep"), true, 0, Properties.EMPTY)) {
                List<MqttPacket.Subscription> subs = new ArrayList<>();
                for (String t : List.of(deep, levelsOnly, longOne, deep + "/#")) subs.add(MqttPacket.Subscription.of(t, QoS.AT_MOST_ONCE));
                subs.add(MqttPacket.Subscription.of("fine/+", QoS.AT_MOST_ONCE));
                assertThat(c.subscribe(1, subs, Properties.EMPTY).reasonCodes()).containsExactly(ReasonCode.TOPIC_FILTER_INVALID,
                        ReasonCode.TOPIC_FILTER_INVALID, ReasonCode.TOPIC_FILTER_INVALID, ReasonCode.TOPIC_FILTER_INVALID,
                        ReasonCode.GRANTED_QOS_0);
            }
            for (String topic : List.of(deep, levelsOnly, longOne)) {
                try (RawClient c = RawClient.connect(broker.port(), V5, unique("deep"), true, 0, Properties.EMPTY)) {
                    c.publish(topic, QoS.AT_LEAST_ONCE, 1, "x");
                    c.awaitDisconnect(ReasonCode.TOPIC_NAME_INVALID.value());
                }
                try (RawClient c = RawClient.connect(broker.port(), V311, unique("deep"), true, 0, Properties.EMPTY)) {
                    c.publish(topic, QoS.AT_MOST_ONCE, 0, "x");
                    assertThat(c.awaitClosed()).isEmpty();
                }
            }
        });
        assertBackToBaseline();
    }

    // ---- QoS 2 abuse ------------------------------------------------------------------------------------------------

    @Test
    @DisplayName("PUBREL for unknown packet ids: PUBCOMP 0x92 (3.1.1: PUBCOMP), the connection is kept")
    void pubRelForUnknownIds() throws Exception {
        whileServing(() -> {
            for (ProtocolVersion v : List.of(V5, V311)) {
                try (RawClient c = RawClient.connect(broker.port(), v, unique("pubrel"), true, 0, Properties.EMPTY)) {
                    for (int id = 1; id <= 500; id++) c.send(new MqttPacket.PubRel(id, ReasonCode.SUCCESS, Properties.EMPTY));
                    for (int id = 1; id <= 500; id++) {
                        MqttPacket.PubComp comp = c.expect(MqttPacket.PubComp.class);
                        assertThat(comp.packetId()).isEqualTo(id);
                        assertThat(comp.reasonCode()).isEqualTo(v.isV5() ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND : ReasonCode.SUCCESS);
                    }
                    c.send(MqttPacket.PingReq.INSTANCE);
                    assertThat(c.receive()).isInstanceOf(MqttPacket.PingResp.class);
                    c.disconnect();
                }
            }
        });
        assertBackToBaseline();
    }

    @Test
    @DisplayName("MQTT-3.3.4-8: QoS 2 publications never released count against Receive Maximum: one more gets DISCONNECT 0x93")
    void unreleasedQos2OverReceiveMaximum() throws Exception {
        whileServing(() -> {
            try (RawClient c = RawClient.connect(broker.port(), V5, unique("hoarder"), true, 0, Properties.EMPTY)) {
                assertThat(c.lastConnAck.properties().receiveMaximum()).isEqualTo(RECEIVE_MAXIMUM);
                for (int id = 1; id <= RECEIVE_MAXIMUM; id++) c.publish("hoard/x", QoS.EXACTLY_ONCE, id, "x");
                for (int id = 1; id <= RECEIVE_MAXIMUM; id++) {
                    // PUBREC, never followed by PUBREL: no PUBCOMP, so every one still counts (MQTT 4.9)
                    assertThat(c.expect(MqttPacket.PubRec.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                }
                c.publish("hoard/x", QoS.EXACTLY_ONCE, RECEIVE_MAXIMUM + 1, "one too many");
                c.awaitDisconnect(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED.value());
            }
            try (RawClient c = RawClient.connect(broker.port(), V5, unique("releaser"), true, 0, Properties.EMPTY)) {
                // released ones free their place: twice Receive Maximum in all, each one released, stays connected
                for (int id = 1; id <= 2 * RECEIVE_MAXIMUM; id++) {
                    c.publish("hoard/y", QoS.EXACTLY_ONCE, id, "x");
                    assertThat(c.expect(MqttPacket.PubRec.class).packetId()).isEqualTo(id);
                    c.send(new MqttPacket.PubRel(id, ReasonCode.SUCCESS, Properties.EMPTY));
                    assertThat(c.expect(MqttPacket.PubComp.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
                }
                c.disconnect();
            }
        });
        assertBackToBaseline();
    }
}
