package io.meshmq.bench;

import io.meshmq.codec.MalformedPacketException;
import io.meshmq.codec.MqttDecoder;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A lean MQTT client for load generation, on the broker's own codec over a plain blocking socket: one thread
 * reads (after the handshake), writes go through a large buffer that is flushed when the writer would wait.
 * Not a general client: no reconnect, no QoS 2, no keep-alive pings (load clients connect with keep-alive 0).
 */
final class BenchClient implements AutoCloseable {
    static final int BUFFER = 64 * 1024;

    final String clientId;
    final ProtocolVersion version;
    private final Socket socket;
    private final InputStream in;
    final OutputStream out;
    private final MqttDecoder decoder;
    private final byte[] readBuf;
    private final ArrayDeque<MqttPacket> backlog = new ArrayDeque<>();
    boolean sessionPresent;

    BenchClient(String host, int port, String clientId, ProtocolVersion version, int timeoutMs) throws IOException {
        this(host, port, clientId, version, timeoutMs, BUFFER);
    }

    /** {@code buffer}: the read and write buffer size (small for idle connections: 10,000 x 128 KiB is too much). */
    BenchClient(String host, int port, String clientId, ProtocolVersion version, int timeoutMs, int buffer) throws IOException {
        this.clientId = clientId;
        this.readBuf = new byte[buffer];
        this.version = version;
        javax.net.ssl.SSLSocketFactory tls = Tls.factory;
        this.socket = tls != null ? tls.createSocket() : new Socket();
        socket.setTcpNoDelay(true);
        if (buffer >= BUFFER) {
            socket.setReceiveBufferSize(256 * 1024);
            socket.setSendBufferSize(256 * 1024);
        }
        socket.connect(new InetSocketAddress(host, port), timeoutMs);
        socket.setSoTimeout(timeoutMs);
        if (socket instanceof javax.net.ssl.SSLSocket ssl) ssl.startHandshake();
        this.in = socket.getInputStream();
        this.out = new BufferedOutputStream(socket.getOutputStream(), buffer);
        this.decoder = MqttDecoder.forClient(version, 16 * 1024 * 1024);
    }

    /** Sends CONNECT and waits for a successful CONNACK. {@code sessionExpiry} is used by MQTT 5 only. */
    BenchClient connect(boolean clean, int keepAlive, long sessionExpiry) throws IOException {
        Properties props = Properties.EMPTY;
        if (version.isV5()) {
            Properties.Builder b = Properties.builder();
            if (sessionExpiry > 0) b.sessionExpiryInterval(sessionExpiry);
            b.receiveMaximum = 65535;
            props = b.build();
        }
        send(new MqttPacket.Connect(version, clientId, clean, keepAlive, null, null, null, props));
        out.flush();
        MqttPacket p = next();
        if (!(p instanceof MqttPacket.ConnAck ack) || ack.reasonCode().value() != 0) {
            throw new IOException(clientId + ": connect refused: " + p);
        }
        sessionPresent = ack.sessionPresent();
        return this;
    }

    void subscribe(String filter, QoS qos) throws IOException {
        send(new MqttPacket.Subscribe(1, List.of(MqttPacket.Subscription.of(filter, qos)), Properties.EMPTY));
        out.flush();
        while (true) {
            MqttPacket p = next();
            if (p instanceof MqttPacket.SubAck s) {
                int code = s.reasonCodes().get(0).value();
                if (code >= 0x80) throw new IOException(clientId + ": subscribe refused: " + s);
                return;
            }
            backlog.add(p); // a queued message of a persistent session may come first
        }
    }

    void send(MqttPacket p) throws IOException {
        out.write(MqttEncoder.encode(p, version));
    }

    void disconnect() {
        try {
            send(version.isV5() ? MqttPacket.Disconnect.NORMAL
                    : new MqttPacket.Disconnect(ReasonCode.NORMAL_DISCONNECTION, Properties.EMPTY));
            out.flush();
        } catch (IOException ignored) {
        }
        close();
    }

    /** Blocks for the next packet (handshake use). */
    MqttPacket next() throws IOException {
        while (backlog.isEmpty()) readSome();
        return backlog.poll();
    }

    /** Blocks until bytes arrive and returns the packets they complete (may be empty); empty list at EOF too. */
    List<MqttPacket> read() throws IOException {
        if (!backlog.isEmpty()) {
            List<MqttPacket> l = List.copyOf(backlog);
            backlog.clear();
            return l;
        }
        int n = in.read(readBuf);
        if (n < 0) throw new java.io.EOFException(clientId + ": closed by broker");
        try {
            return decoder.decode(ByteBuffer.wrap(readBuf, 0, n));
        } catch (MalformedPacketException e) {
            throw new IOException(clientId + ": " + e.getMessage(), e);
        }
    }

    /** True when bytes are waiting in the socket (so a reader may delay its flush). */
    boolean moreAvailable() throws IOException { return in.available() > 0; }

    void soTimeout(int ms) throws IOException { socket.setSoTimeout(ms); }

    private void readSome() throws IOException {
        backlog.addAll(read());
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
        }
    }

    /**
     * A PUBLISH encoded once and patched per message: the packet id (QoS 1) and the first 16 payload bytes
     * (send time in nanoseconds and a sequence number).
     */
    static final class PublishTemplate {
        final byte[] bytes;
        final int packetIdOffset;
        final int payloadOffset;

        PublishTemplate(String topic, QoS qos, int payloadSize, ProtocolVersion version) {
            if (payloadSize < 16) throw new IllegalArgumentException("payload must be at least 16 bytes");
            byte[] payload = new byte[payloadSize];
            for (int i = 16; i < payloadSize; i++) payload[i] = (byte) ('a' + i % 26);
            bytes = MqttEncoder.encode(new MqttPacket.Publish(topic, qos, false, false, qos == QoS.AT_MOST_ONCE ? 0 : 1,
                    payload, Properties.EMPTY), version);
            payloadOffset = bytes.length - payloadSize;
            packetIdOffset = qos == QoS.AT_MOST_ONCE ? -1 : payloadOffset - (version.isV5() ? 1 : 0) - 2;
        }

        void stamp(int packetId, long nanos, long seq) {
            if (packetIdOffset >= 0) {
                bytes[packetIdOffset] = (byte) (packetId >>> 8);
                bytes[packetIdOffset + 1] = (byte) packetId;
            }
            putLong(bytes, payloadOffset, nanos);
            putLong(bytes, payloadOffset + 8, seq);
        }
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) { b[off + i] = (byte) v; v >>>= 8; }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (b[off + i] & 0xFF);
        return v;
    }

    /**
     * TLS for every bench client of this run ({@code --tls true}): a client context that trusts any server
     * certificate, because the bench measures the cost of TLS against a broker on 127.0.0.1 with a throw-away one.
     */
    static final class Tls {
        static volatile javax.net.ssl.SSLSocketFactory factory;

        static void enable() throws java.security.GeneralSecurityException {
            javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
                @Override public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
                @Override public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
                @Override public java.security.cert.X509Certificate[] getAcceptedIssuers() { return new java.security.cert.X509Certificate[0]; }
            };
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[]{trustAll}, null);
            factory = ctx.getSocketFactory();
        }
    }
}
