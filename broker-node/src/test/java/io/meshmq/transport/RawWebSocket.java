package io.meshmq.transport;

import io.meshmq.codec.MqttDecoder;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ProtocolVersion;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client of the JDK (java.net.http) that sends bytes in exactly the frames a test chooses and decodes
 * the MQTT packets it receives, whatever frames they came in.
 */
final class RawWebSocket implements AutoCloseable {
    /** Put in the queue when the broker closes the WebSocket. */
    static final MqttPacket CLOSED = new MqttPacket.PingResp();

    final WebSocket socket;
    final BlockingQueue<MqttPacket> received;

    private RawWebSocket(WebSocket socket, BlockingQueue<MqttPacket> received) {
        this.socket = socket;
        this.received = received;
    }

    static RawWebSocket open(URI uri, ProtocolVersion version, String... subprotocols) throws Exception {
        MqttDecoder decoder = MqttDecoder.forClient(version, 1 << 20);
        BlockingQueue<MqttPacket> queue = new LinkedBlockingQueue<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                try {
                    queue.addAll(decoder.decode(data)); // the JDK calls a listener one call at a time
                } catch (Exception e) {
                    queue.add(CLOSED);
                }
                ws.request(1);
                return null;
            }

            @Override public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                queue.add(CLOSED);
                return null;
            }

            @Override public void onError(WebSocket ws, Throwable error) { queue.add(CLOSED); }
        };
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (subprotocols.length > 0) {
            builder = builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        WebSocket ws = builder.buildAsync(uri, listener).get(20, TimeUnit.SECONDS);
        return new RawWebSocket(ws, queue);
    }

    static byte[] encode(MqttPacket p, ProtocolVersion v) { return MqttEncoder.encode(p, v); }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** One binary WebSocket frame; {@code last = false} makes it a fragment of a message continued by the next. */
    void frame(byte[] bytes, boolean last) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(bytes), last).get(10, TimeUnit.SECONDS);
    }

    /** Each part in a message of its own. */
    void messages(List<byte[]> parts) throws Exception {
        for (byte[] p : parts) frame(p, true);
    }

    MqttPacket next() throws InterruptedException {
        MqttPacket p = received.poll(20, TimeUnit.SECONDS);
        if (p == null) throw new AssertionError("no packet from the broker within 20 s");
        return p;
    }

    @Override
    public void close() {
        socket.abort();
    }
}
