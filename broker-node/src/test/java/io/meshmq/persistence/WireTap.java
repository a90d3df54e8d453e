package io.meshmq.persistence;

import io.meshmq.codec.MqttDecoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ProtocolVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A byte-for-byte TCP relay between one MQTT client and the broker on 127.0.0.1 that decodes a copy of what the
 * broker sends (with the project's own decoder) and reports each PUBLISH before forwarding it. Used where the client
 * library hides the DUP flag: Paho's MQTT 5 client drops it when it turns the packet into an MqttMessage, and HiveMQ's
 * client never shows it.
 */
final class WireTap implements AutoCloseable {
    private final ServerSocket server;
    private final int brokerPort;
    private final ProtocolVersion version;
    private final Consumer<MqttPacket> onPacket;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    WireTap(int brokerPort, ProtocolVersion version, Consumer<MqttPacket> onPacket) throws IOException {
        this.brokerPort = brokerPort;
        this.version = version;
        this.onPacket = onPacket;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread accept = new Thread(this::acceptLoop, "wiretap-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() { return server.getLocalPort(); }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(broker);
                start("wiretap-up", () -> relay(client, broker, null));
                MqttDecoder decoder = MqttDecoder.forClient(version, Integer.MAX_VALUE);
                start("wiretap-down", () -> relay(broker, client, decoder));
            } catch (IOException e) {
                if (!closed) e.printStackTrace();
            }
        }
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private void relay(Socket from, Socket to, MqttDecoder decoder) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (decoder != null) {
                    for (MqttPacket p : decoder.decode(ByteBuffer.wrap(buf.clone(), 0, n))) {
                        onPacket.accept(p);
                    }
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (Exception e) {
            // connection closed (or the decoder failed: then the relay stops and the client sees it)
            if (!(e instanceof IOException)) e.printStackTrace();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) closeQuietly(s);
    }
}
