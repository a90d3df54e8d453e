package io.meshmq.protocol;

import io.meshmq.codec.MalformedPacketException;
import io.meshmq.codec.MqttDecoder;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A test client on a raw socket: sends packets encoded by {@link MqttEncoder} (or hand-made bytes) and decodes what
 * the broker sends with a client-side {@link MqttDecoder}, so tests see exactly what goes over the wire.
 */
final class RawClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final Object CLOSED = new Object();

    private final Socket socket;
    private final OutputStream out;
    final ProtocolVersion version;
    private final LinkedBlockingQueue<Object> in = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    /** Raw bytes as read, for tests that check the exact encoding. */
    final java.io.ByteArrayOutputStream rawBytes = new java.io.ByteArrayOutputStream();

    private RawClient(int port, ProtocolVersion version) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.socket.setTcpNoDelay(true);
        this.out = socket.getOutputStream();
        this.version = version;
        MqttDecoder decoder = MqttDecoder.forClient(version, Integer.MAX_VALUE);
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[65536];
            try {
                InputStream is = socket.getInputStream();
                int n;
                while ((n = is.read(buf)) > 0) {
                    synchronized (rawBytes) { rawBytes.write(buf, 0, n); }
                    for (MqttPacket p : decoder.decode(ByteBuffer.wrap(buf, 0, n))) in.add(p);
                }
            } catch (IOException | MalformedPacketException | RuntimeException e) {
                if (!(e instanceof IOException)) in.add(e);
            } finally {
                closed = true;
                in.add(CLOSED);
            }
        }, "raw-client-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static RawClient open(int port, ProtocolVersion version) throws IOException {
        return new RawClient(port, version);
    }

    /** Opens a socket and connects; asserts a successful CONNACK and returns it. */
    static RawClient connect(int port, ProtocolVersion version, String clientId, boolean cleanStart, int keepAlive,
                             Properties properties) throws IOException {
        RawClient c = open(port, version);
        MqttPacket.ConnAck ack = c.sendConnect(clientId, cleanStart, keepAlive, properties, null);
        assertThat(ack.reasonCode().isError()).as("CONNACK %s", ack).isFalse();
        c.lastConnAck = ack;
        return c;
    }

    static RawClient connect5(int port, String clientId, boolean cleanStart, long sessionExpiry) throws IOException {
        return connect(port, ProtocolVersion.MQTT_5, clientId, cleanStart, 0,
                Properties.builder().sessionExpiryInterval(sessionExpiry).build());
    }

    MqttPacket.ConnAck lastConnAck;

    MqttPacket.ConnAck sendConnect(String clientId, boolean cleanStart, int keepAlive, Properties properties,
                                   MqttPacket.Will will) throws IOException {
        send(new MqttPacket.Connect(version, clientId, cleanStart, keepAlive, null, null, will,
                version.isV5() ? properties : Properties.EMPTY));
        return expect(MqttPacket.ConnAck.class);
    }

    void send(MqttPacket p) throws IOException {
        sendBytes(MqttEncoder.encode(p, version));
    }

    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends what the socket accepts, ignoring a reset by the broker (it may close while we write). */
    void sendBytesQuietly(byte[] bytes) {
        try {
            sendBytes(bytes);
        } catch (IOException ignored) {
            // the broker closed first
        }
    }

    MqttPacket.SubAck subscribe(int packetId, String filter, QoS qos) throws IOException {
        return subscribe(packetId, List.of(MqttPacket.Subscription.of(filter, qos)), Properties.EMPTY);
    }

    MqttPacket.SubAck subscribe(int packetId, List<MqttPacket.Subscription> subs, Properties props) throws IOException {
        send(new MqttPacket.Subscribe(packetId, subs, props));
        MqttPacket.SubAck ack = expect(MqttPacket.SubAck.class);
        assertThat(ack.packetId()).isEqualTo(packetId);
        return ack;
    }

    void publish(String topic, QoS qos, int packetId, String payload) throws IOException {
        send(new MqttPacket.Publish(topic, qos, false, false, packetId, payload.getBytes(), Properties.EMPTY));
    }

    /** The next packet, or empty when none came within {@code wait} (fails if the connection closed). */
    Optional<MqttPacket> poll(Duration wait) {
        Object o = take(wait);
        if (o == null) return Optional.empty();
        if (o == CLOSED) { in.add(CLOSED); fail("connection closed while waiting for a packet"); }
        if (o instanceof Throwable t) fail("client-side decoding failed", t);
        return Optional.of((MqttPacket) o);
    }

    MqttPacket receive() {
        return poll(WAIT).orElseThrow(() -> new AssertionError("no packet within " + WAIT));
    }

    <T extends MqttPacket> T expect(Class<T> type) {
        MqttPacket p = receive();
        assertThat(p).as("expected a %s", type.getSimpleName()).isInstanceOf(type);
        return type.cast(p);
    }

    /** Asserts nothing arrives within {@code wait} (a negative check: only as strong as the wait). */
    void expectNothing(Duration wait) {
        Optional<MqttPacket> p = poll(wait);
        assertThat(p).as("unexpected packet").isEmpty();
    }

    /** Waits (bounded) for the broker to close the connection; returns the packets it sent before closing. */
    List<MqttPacket> awaitClosed() {
        List<MqttPacket> before = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) fail("connection not closed by the broker within " + WAIT + "; got " + before);
            Object o = take(Duration.ofNanos(left));
            if (o == null) continue;
            if (o == CLOSED) { in.add(CLOSED); return before; }
            if (o instanceof Throwable t) fail("client-side decoding failed", t);
            before.add((MqttPacket) o);
        }
    }

    /** Waits for the close and asserts the last packet before it was a DISCONNECT with {@code reason}. */
    MqttPacket.Disconnect awaitDisconnect(int reason) {
        List<MqttPacket> before = awaitClosed();
        assertThat(before).as("packets before close").isNotEmpty();
        MqttPacket last = before.get(before.size() - 1);
        assertThat(last).isInstanceOf(MqttPacket.Disconnect.class);
        MqttPacket.Disconnect d = (MqttPacket.Disconnect) last;
        assertThat(d.reasonCode().value()).as("DISCONNECT reason code 0x%s", Integer.toHexString(d.reasonCode().value()))
                .isEqualTo(reason);
        return d;
    }

    boolean isClosed() { return closed; }

    private Object take(Duration wait) {
        try {
            return in.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Closes the socket without DISCONNECT (an abnormal end for the broker). */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    void disconnect() throws IOException {
        send(version.isV5() ? MqttPacket.Disconnect.NORMAL : new MqttPacket.Disconnect(
                io.meshmq.codec.ReasonCode.NORMAL_DISCONNECTION, Properties.EMPTY));
        awaitClosedQuietly();
        close();
    }

    void awaitClosedQuietly() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!closed && System.nanoTime() < deadline) take(Duration.ofMillis(50));
    }
}
