package io.meshmq.persistence;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ProtocolVersion;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ProtocolVersion;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * A subscriber whose every received PUBLISH is recorded with its topic, sequence number (the payload), QoS and DUP
 * flag. Both implementations are Paho clients because Paho shows the DUP flag; messages are acknowledged by the
 * client as soon as the callback returns. The callback is installed before CONNECT so that nothing the broker sends
 * right after CONNACK (a resumed session's queue) goes unrecorded.
 */
abstract class Subscriber implements AutoCloseable {
    /**
     * One received PUBLISH. {@code held}: a QoS 2 PUBLISH whose packet id was still awaiting PUBREL when it came (a
     * re-send, e.g. by a session's next incarnation that never learned of the PUBREC): a conforming receiver
     * acknowledges it again and does not deliver it again (MQTT-4.3.3-9), which Paho 1.2.5 does not do by itself.
     */
    record Delivery(String topic, int seq, int qos, boolean dup, boolean held) {
        Delivery(String topic, int seq, int qos, boolean dup) { this(topic, seq, qos, dup, false); }
    }

    final String clientId;
    private final List<Delivery> deliveries = new ArrayList<>();
    /** Anything the recorder could not make sense of; must stay empty. */
    final List<String> anomalies = java.util.Collections.synchronizedList(new ArrayList<>());

    Subscriber(String clientId) { this.clientId = clientId; }

    /** Connects without discarding an existing session; returns CONNACK's Session Present. */
    abstract boolean connect(int port, boolean firstTime) throws Exception;

    /** Subscribes to each filter at the QoS of the same index; returns the granted QoS / reason codes. */
    abstract int[] subscribe(String[] filters, int[] qos) throws Exception;

    /** Normal DISCONNECT; the session stays on the broker. */
    abstract void disconnect() throws Exception;

    final void record(String topic, byte[] payload, int qos, boolean dup) {
        record(topic, payload, qos, dup, false);
    }

    final void record(String topic, byte[] payload, int qos, boolean dup, boolean held) {
        int seq = Integer.parseInt(new String(payload, StandardCharsets.US_ASCII));
        synchronized (deliveries) { deliveries.add(new Delivery(topic, seq, qos, dup, held)); }
    }

    final List<Delivery> deliveries() {
        synchronized (deliveries) { return new ArrayList<>(deliveries); }
    }

    final List<Delivery> deliveries(String topic) {
        return deliveries().stream().filter(d -> d.topic().equals(topic)).toList();
    }

    final long distinct(String topic) {
        return deliveries(topic).stream().mapToInt(Delivery::seq).distinct().count();
    }

    /** How many of the deliveries on {@code topic} carried DUP (for the test's report, not judged by itself). */
    final long duplicatesFlagged(String topic) {
        return deliveries(topic).stream().filter(Delivery::dup).count();
    }

    /** Waits (at most {@code timeoutSeconds}) until {@code count} distinct numbers arrived on each topic. */
    static void awaitDistinct(List<Subscriber> subscribers, List<String> topics, int count, long timeoutSeconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline
                && !subscribers.stream().allMatch(s -> topics.stream().allMatch(t -> s.distinct(t) >= count))) {
            Thread.sleep(100);
        }
    }

    final String summary(List<String> topics) {
        StringBuilder b = new StringBuilder(toString()).append(':');
        for (String t : topics) {
            b.append(' ').append(t).append(" deliveries=").append(deliveries(t).size()).append(" distinct=")
                    .append(distinct(t)).append(" dup=").append(duplicatesFlagged(t));
        }
        return b.toString();
    }

    /** MQTT 3.1.1, Clean Session 0 (a session that never expires). */
    static final class V3 extends Subscriber {
        private MqttAsyncClient client;

        V3(String clientId) { super(clientId); }

        @Override boolean connect(int port, boolean firstTime) throws Exception {
            client = new MqttAsyncClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
            client.setCallback(new MqttCallback() {
                @Override public void connectionLost(Throwable cause) {}

                @Override public void messageArrived(String topic, MqttMessage message) {
                    record(topic, message.getPayload(), message.getQos(), message.isDuplicate());
                }

                @Override public void deliveryComplete(IMqttDeliveryToken token) {}
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            o.setCleanSession(false);
            o.setAutomaticReconnect(false);
            o.setKeepAliveInterval(30);
            o.setConnectionTimeout(30);
            o.setMaxInflight(1000);
            IMqttToken t = client.connect(o);
            t.waitForCompletion(30_000);
            return t.getSessionPresent();
        }

        @Override int[] subscribe(String[] filters, int[] qos) throws Exception {
            IMqttToken t = client.subscribe(filters, qos);
            t.waitForCompletion(30_000);
            return t.getGrantedQos();
        }

        @Override void disconnect() throws Exception {
            client.disconnect(10_000).waitForCompletion(15_000);
            client.close();
            client = null;
        }

        @Override public void close() {
            if (client == null) return;
            try {
                client.disconnectForcibly(1000, 1000);
            } catch (Exception ignored) {
                // already gone
            }
            try {
                client.close(true);
            } catch (Exception ignored) {
                // already closed
            }
            client = null;
        }
    }

    /**
     * MQTT 5 with a Session Expiry Interval of an hour; Clean Start only the very first time. Paho's MQTT 5 client
     * drops the DUP flag of received messages (MqttPublish.getMessage() does not copy it), so the client talks to
     * the broker through a {@link WireTap} that reads DUP off the wire: the n-th delivery of a (topic, number) to
     * the application is matched with the n-th PUBLISH of it on the wire (exact for QoS 1, where Paho hands every
     * PUBLISH to the application in the order received).
     */
    static final class V5 extends Subscriber {
        /** Paho's MQTT 5 client logs every PUBCOMP at INFO through java.util.logging. */
        private static final java.util.logging.Logger PAHO_LOG = quiet("org.eclipse.paho.mqttv5");

        private org.eclipse.paho.mqttv5.client.MqttAsyncClient client;
        private WireTap tap;
        /** Per (topic, payload): each PUBLISH of it on the wire, in order. */
        private final Map<String, List<WireCopy>> wireDup = new HashMap<>();
        private final Map<String, Integer> appCount = new HashMap<>();
        /** QoS 2 packet ids the broker sent a PUBLISH for and no PUBREL yet (kept across connections, like a session). */
        private final java.util.Set<Integer> awaitingPubRel = new java.util.HashSet<>();

        private record WireCopy(boolean dup, boolean held) {}

        V5(String clientId) { super(clientId); }

        private static java.util.logging.Logger quiet(String name) {
            java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
            l.setLevel(java.util.logging.Level.WARNING);
            return l;
        }

        private static String key(String topic, byte[] payload) {
            return topic + "|" + new String(payload, StandardCharsets.US_ASCII);
        }

        private void onWire(MqttPacket packet) {
            synchronized (wireDup) {
                if (packet instanceof MqttPacket.Publish p) {
                    boolean held = p.qos() == io.meshmq.codec.QoS.EXACTLY_ONCE && !awaitingPubRel.add(p.packetId());
                    wireDup.computeIfAbsent(key(p.topic(), p.payload()), k -> new ArrayList<>()).add(new WireCopy(p.dup(), held));
                } else if (packet instanceof MqttPacket.PubRel r) {
                    awaitingPubRel.remove(r.packetId());
                }
            }
        }

        private WireCopy wireCopyOf(String topic, byte[] payload) {
            String k = key(topic, payload);
            synchronized (wireDup) {
                int n = appCount.merge(k, 1, Integer::sum) - 1;
                List<WireCopy> copies = wireDup.get(k);
                if (copies == null || n >= copies.size()) {
                    anomalies.add("delivery " + n + " of " + k + " not seen on the wire");
                    return new WireCopy(false, false);
                }
                return copies.get(n);
            }
        }

        /** Distinct messages seen on the wire (PUBLISH packets from the broker), for diagnostics. */
        int seenOnWire() { synchronized (wireDup) { return wireDup.size(); } }

        /** The most PUBLISH packets the broker sent for one message on {@code topic}. */
        int mostCopiesOnWire(String topic) {
            synchronized (wireDup) {
                return wireDup.entrySet().stream().filter(e -> e.getKey().startsWith(topic + "|"))
                        .mapToInt(e -> e.getValue().size()).max().orElse(0);
            }
        }

        /** Whether the client's connection is up (false once the broker closed it). */
        boolean connected() { return client != null && client.isConnected(); }

        @Override boolean connect(int port, boolean firstTime) throws Exception {
            if (tap != null) tap.close();
            tap = new WireTap(port, ProtocolVersion.MQTT_5, this::onWire);
            client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient("tcp://127.0.0.1:" + tap.port(), clientId,
                    new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
            client.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
                @Override public void disconnected(MqttDisconnectResponse response) {}

                @Override public void mqttErrorOccurred(MqttException exception) {}

                @Override public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
                    WireCopy w = wireCopyOf(topic, message.getPayload());
                    record(topic, message.getPayload(), message.getQos(), w.dup(), w.held());
                }

                @Override public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {}

                @Override public void connectComplete(boolean reconnect, String serverURI) {}

                @Override public void authPacketArrived(int reasonCode, MqttProperties properties) {}
            });
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(firstTime);
            o.setSessionExpiryInterval(3600L);
            o.setAutomaticReconnect(false);
            o.setKeepAliveInterval(30);
            o.setConnectionTimeout(30);
            org.eclipse.paho.mqttv5.client.IMqttToken t = client.connect(o);
            t.waitForCompletion(30_000);
            return t.getSessionPresent();
        }

        @Override int[] subscribe(String[] filters, int[] qos) throws Exception {
            MqttSubscription[] subs = new MqttSubscription[filters.length];
            for (int i = 0; i < filters.length; i++) subs[i] = new MqttSubscription(filters[i], qos[i]);
            org.eclipse.paho.mqttv5.client.IMqttToken t = client.subscribe(subs);
            t.waitForCompletion(30_000);
            return t.getReasonCodes();
        }

        @Override void disconnect() throws Exception {
            client.disconnect(10_000).waitForCompletion(15_000);
            client.close();
            client = null;
            tap.close();
            tap = null;
        }

        @Override public void close() {
            if (tap != null) tap.close();
            tap = null;
            if (client == null) return;
            try {
                client.disconnectForcibly(1000, 1000, false);
            } catch (Exception ignored) {
                // already gone
            }
            try {
                client.close(true);
            } catch (Exception ignored) {
                // already closed
            }
            client = null;
        }
    }

    @Override public String toString() {
        return getClass().getSimpleName() + "(" + clientId + ")";
    }
}
