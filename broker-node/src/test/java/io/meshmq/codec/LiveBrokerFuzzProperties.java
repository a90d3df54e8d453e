package io.meshmq.codec;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.codec.PacketGenerator.Direction;
import io.meshmq.it.BrokerFixture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzing a live broker over real sockets: valid client packet streams (a CONNECT and a few packets of every type,
 * from {@link PacketGenerator}) mutated by bit flips, truncation, byte insertion and duplication of a slice, sent in
 * random chunks. Whatever the broker answers must be well-formed MQTT, and every {@value #HEALTH_EVERY} tries the
 * broker must be healthy: every fuzzing connection gone (current-connections gauge back to 0), nothing logged at ERROR
 * (a crashed actor is logged so) and a well-behaved client still connects, publishes QoS 1 and receives. Bounded: {@value #TRIES} tries, each socket read at most until the
 * broker has been quiet for {@value #QUIET_MS} ms; no shrinking (the seed in the report reproduces a failure).
 */
class LiveBrokerFuzzProperties {
    static final int TRIES = 300;
    static final int HEALTH_EVERY = 100;
    static final int QUIET_MS = 50;

    static BrokerFixture broker;
    static final AtomicInteger tries = new AtomicInteger();
    /** ERROR log events of the broker (a crashed actor logs one): there must be none. */
    static final java.util.List<String> errors = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    static ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> errorCollector;

    @BeforeContainer
    static void start() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        errorCollector = new ch.qos.logback.core.AppenderBase<>() {
            @Override protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                if (e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.ERROR)) errors.add(e.getFormattedMessage());
            }
        };
        errorCollector.setContext(root.getLoggerContext());
        errorCollector.start();
        root.addAppender(errorCollector);
        broker = BrokerFixture.start(Map.of("broker.connection.connect-timeout", "2s",
                "broker.connection.max-packet-size", "64 KiB"));
    }

    @AfterContainer
    static void stop() {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(errorCollector);
        if (broker != null) broker.close();
    }

    @Provide
    Arbitrary<ProtocolVersion> versions() { return Arbitraries.of(ProtocolVersion.values()); }

    @Property(tries = TRIES, shrinking = ShrinkingMode.OFF)
    void mutatedStreamsLeaveTheBrokerHealthy(@ForAll("versions") ProtocolVersion v, @ForAll long seed) throws Exception {
        Random r = new Random(seed);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(MqttEncoder.encode(PacketGenerator.connect(r, v), v));
        int n = 1 + r.nextInt(5);
        for (int i = 0; i < n; i++) stream.writeBytes(MqttEncoder.encode(PacketGenerator.packet(r, v, Direction.CLIENT_TO_SERVER), v));
        byte[] bytes = mutate(stream.toByteArray(), r);

        byte[] answer;
        try (Socket s = new Socket("127.0.0.1", broker.port())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(QUIET_MS);
            sendInChunks(s.getOutputStream(), bytes, r);
            answer = readUntilQuietOrClosed(s.getInputStream());
        }
        assertThat(decodesAsSomeVersion(answer)).as("the broker's answer (%d bytes) is well-formed MQTT", answer.length).isTrue();

        int done = tries.incrementAndGet();
        if (done % HEALTH_EVERY == 0) assertHealthy();
    }

    /** 1 to 3 of: flip a bit, truncate, insert random bytes, duplicate a slice. */
    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int mutations = 1 + r.nextInt(3);
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int at = r.nextInt(b.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (r.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b = java.util.Arrays.copyOf(b, Math.max(1, at));
                case 2 -> {
                    out.write(b, 0, at);
                    for (int k = 1 + r.nextInt(8); k > 0; k--) out.write(r.nextInt(256));
                    out.write(b, at, b.length - at);
                    b = out.toByteArray();
                }
                default -> {
                    int len = 1 + r.nextInt(Math.min(64, b.length - at));
                    out.write(b, 0, at + len);
                    out.write(b, at, len);                 // the slice again
                    out.write(b, at + len, b.length - at - len);
                    b = out.toByteArray();
                }
            }
        }
        return b;
    }

    static void sendInChunks(OutputStream out, byte[] bytes, Random r) {
        try {
            int at = 0;
            while (at < bytes.length) {
                int len = Math.min(bytes.length - at, 1 + r.nextInt(Math.max(1, bytes.length / 2)));
                out.write(bytes, at, len);
                out.flush();
                at += len;
            }
        } catch (IOException closedByBroker) {
            // the broker may close as soon as it has seen enough
        }
    }

    static byte[] readUntilQuietOrClosed(InputStream in) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            int k;
            while (System.nanoTime() < deadline && (k = in.read(buf)) >= 0) got.write(buf, 0, k);
        } catch (SocketTimeoutException quiet) {
            // the connection is still open and the broker has nothing more to say: closed by us
        } catch (IOException reset) {
            // closed by the broker
        }
        return got.toByteArray();
    }

    /** Whether the bytes are a sequence of complete or incomplete server-to-client packets of some version. */
    static boolean decodesAsSomeVersion(byte[] answer) {
        if (answer.length == 0) return true;
        for (ProtocolVersion v : ProtocolVersion.values()) {
            try {
                MqttDecoder.forClient(v, Integer.MAX_VALUE).decode(ByteBuffer.wrap(answer));
                return true;
            } catch (MalformedPacketException | RuntimeException notThisVersion) {
                // try the next
            }
        }
        return false;
    }

    static void assertHealthy() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (broker.broker.metrics().connectionsCurrent() != 0 && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(broker.broker.metrics().connectionsCurrent()).as("connections left after %d fuzzing tries", tries.get()).isZero();
        assertThat(errors).as("errors logged by the broker (crashed actors)").isEmpty();

        String topic = "fuzz-health/" + UUID.randomUUID();
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("fuzz-health-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("alive".getBytes()).send();
            Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
            assertThat(m).as("a well-behaved client's QoS 1 round trip after the fuzzing").isPresent();
        } finally {
            c.disconnect();
        }
    }
}
