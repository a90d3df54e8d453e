package io.meshmq.gatling;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One MQTT client of one virtual user, on HiveMQ's async client (its own Netty threads; nothing here blocks).
 * Received messages go to a waiting expectation, or else to a bounded inbox a later expectation takes them from.
 * The inbox and the waiters are guarded by this object's lock (held briefly, never across I/O).
 */
final class MqttConnection {
    final String clientId;
    final String host;
    private final MqttComponents components;
    private final Mqtt3AsyncClient v3;
    private final Mqtt5AsyncClient v5;
    private final ArrayDeque<MqttMessage> inbox = new ArrayDeque<>();
    private final List<Waiter> waiters = new ArrayList<>();
    /** Subscription filter -> tally name, for subscriptions made with tally(...). */
    private final Map<String, String> tallied = new ConcurrentHashMap<>();
    /** Tally name -> keys this client published and the broker acknowledged, not yet seen arriving. */
    private final Map<String, Set<String>> pendingDelivery = new ConcurrentHashMap<>();
    private long dropped;

    MqttConnection(MqttComponents components, String clientId, String host) {
        this.components = components;
        this.clientId = clientId;
        this.host = host;
        MqttProtocol p = components.protocol;
        int colon = host.lastIndexOf(':');
        String h = colon < 0 ? host : host.substring(0, colon);
        int port = colon < 0 ? p.transport().defaultPort : Integer.parseInt(host.substring(colon + 1));
        long timeoutMs = p.connectTimeout().toMillis();
        // Everything on the transport goes into one transport config: with HiveMQ 1.4.2, sslConfig() on the client
        // builder after an applied transportConfig() did not take effect (the broker's TLS port closed every connection)
        MqttClientTransportConfigBuilder t = MqttClientTransportConfig.builder().serverHost(h).serverPort(port)
                .socketConnectTimeout(timeoutMs, TimeUnit.MILLISECONDS).mqttConnectTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        if (p.tls()) {
            t = p.trustAll()
                    ? t.sslConfig().trustManagerFactory(InsecureTrustManagerFactory.INSTANCE)
                            .hostnameVerifier((name, session) -> true).applySslConfig()
                    : t.sslWithDefaultConfig();
        }
        if (p.transport().webSocket()) {
            // HiveMQ's server path goes without the leading slash; "mqtt" is the subprotocol the broker prefers
            String path = p.webSocketPath().startsWith("/") ? p.webSocketPath().substring(1) : p.webSocketPath();
            t = t.webSocketConfig().serverPath(path).subprotocol("mqtt").applyWebSocketConfig();
        }
        MqttClientBuilder b = MqttClient.builder().identifier(clientId).transportConfig(t.build());
        if (p.version() == 5) {
            v5 = b.useMqttVersion5().buildAsync();
            v3 = null;
            v5.publishes(MqttGlobalPublishFilter.ALL, this::received5);
        } else {
            v3 = b.useMqttVersion3().buildAsync();
            v5 = null;
            v3.publishes(MqttGlobalPublishFilter.ALL, this::received3);
        }
    }

    boolean isV5() {
        return v5 != null;
    }

    /** Completes with "session present" on CONNACK success; fails with the broker's reason otherwise. */
    CompletableFuture<Boolean> connect(boolean cleanSession, long sessionExpirySeconds, String username) {
        MqttProtocol p = components.protocol;
        byte[] password = p.password() == null ? null : p.password().getBytes(StandardCharsets.UTF_8);
        if (v5 != null) {
            Mqtt5ConnectBuilder.Send<CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck>> c =
                    v5.connectWith().cleanStart(cleanSession).sessionExpiryInterval(sessionExpirySeconds).keepAlive(p.keepAliveSeconds());
            if (username != null) c = c.simpleAuth().username(username).password(password == null ? new byte[0] : password).applySimpleAuth();
            return c.send().thenApply(a -> a.isSessionPresent());
        }
        Mqtt3ConnectBuilder.Send<CompletableFuture<com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck>> c =
                v3.connectWith().cleanSession(cleanSession).keepAlive(p.keepAliveSeconds());
        if (username != null) {
            var auth = c.simpleAuth().username(username);
            c = password == null ? auth.applySimpleAuth() : auth.password(password).applySimpleAuth();
        }
        return c.send().thenApply(a -> a.isSessionPresent());
    }

    /** Fails when the broker refuses the subscription (SUBACK failure code). */
    CompletableFuture<Void> subscribe(String filter, int qos, String tally) {
        if (tally != null) tallied.put(filter, tally);
        if (v5 != null) {
            return v5.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send().thenAccept(ack -> {
                for (Mqtt5SubAckReasonCode rc : ack.getReasonCodes())
                    if (rc.isError()) throw new IllegalStateException("SUBACK " + rc);
            });
        }
        return v3.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send().thenAccept(ack -> {
            for (Mqtt3SubAckReturnCode rc : ack.getReturnCodes())
                if (rc.isError()) throw new IllegalStateException("SUBACK " + rc);
        });
    }

    CompletableFuture<Void> unsubscribe(String filter) {
        tallied.remove(filter);
        if (v5 != null) return v5.unsubscribeWith().topicFilter(filter).send().thenAccept(ack -> {});
        return v3.unsubscribeWith().topicFilter(filter).send();
    }

    /** Completes on PUBACK (QoS 1), PUBCOMP (QoS 2), or once written (QoS 0); fails on an error reason code. */
    CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retain, String correlation,
                                    String responseTopic) {
        if (v5 != null) {
            Mqtt5PublishBuilder.Send.Complete<CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult>> b =
                    v5.publishWith().topic(topic).payload(payload).qos(MqttQos.fromCode(qos)).retain(retain);
            if (correlation != null) b = b.correlationData(correlation.getBytes(StandardCharsets.UTF_8));
            if (responseTopic != null) b = b.responseTopic(responseTopic);
            return b.send().thenAccept(r -> r.getError().ifPresent(e -> {
                throw new IllegalStateException(e.getMessage(), e);
            }));
        }
        return v3.publishWith().topic(topic).payload(payload).qos(MqttQos.fromCode(qos)).retain(retain).send()
                .thenAccept(r -> {});
    }

    CompletableFuture<Void> disconnect() {
        return v5 != null ? v5.disconnect() : v3.disconnect();
    }

    void closeQuietly() {
        try {
            disconnect().exceptionally(e -> null);
        } catch (RuntimeException ignored) {
            // not connected
        }
    }

    // ---- delivery tracking

    void publishedTallied(String tally, String key) {
        pendingDelivery.computeIfAbsent(tally, t -> ConcurrentHashMap.newKeySet()).add(key);
        components.tally(tally).notePublished();
    }

    /** Forgets the keys that have arrived; returns {confirmed now, still missing}. */
    long[] confirmDelivered(String tally) {
        Set<String> keys = pendingDelivery.get(tally);
        if (keys == null) return new long[]{0, 0};
        Tally t = components.tally(tally);
        long ok = 0;
        for (Iterator<String> i = keys.iterator(); i.hasNext(); ) {
            if (t.confirm(i.next())) {
                i.remove();
                ok++;
            }
        }
        return new long[]{ok, keys.size()};
    }

    // ---- receiving

    private void received3(Mqtt3Publish p) {
        received(new MqttMessage(p.getTopic().toString(), p.getPayloadAsBytes(), p.getQos().getCode(), p.isRetain(),
                null, null, System.currentTimeMillis()));
    }

    private void received5(Mqtt5Publish p) {
        String correlation = p.getCorrelationData().map(MqttConnection::utf8).orElse(null);
        String responseTopic = p.getResponseTopic().map(Object::toString).orElse(null);
        received(new MqttMessage(p.getTopic().toString(), p.getPayloadAsBytes(), p.getQos().getCode(), p.isRetain(),
                correlation, responseTopic, System.currentTimeMillis()));
    }

    private static String utf8(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return new String(a, StandardCharsets.UTF_8);
    }

    private void received(MqttMessage m) {
        boolean tallyOnly = false;
        if (!tallied.isEmpty()) {
            for (Map.Entry<String, String> e : tallied.entrySet()) {
                if (TopicFilter.matches(e.getKey(), m.topic())) {
                    components.tally(e.getValue()).noteReceived(MqttMessage.tallyKey(m.payloadString()));
                    tallyOnly = true;
                }
            }
        }
        Waiter satisfied = null;
        synchronized (this) {
            boolean taken = false;
            for (Iterator<Waiter> i = waiters.iterator(); i.hasNext() && !taken; ) {
                Waiter w = i.next();
                if (w.take(m)) {
                    taken = true;
                    if (w.satisfied()) {
                        i.remove();
                        satisfied = w;
                    }
                }
            }
            if (!taken && !tallyOnly) { // tallied messages are counted; nobody waits for them one by one
                inbox.addLast(m);
                if (inbox.size() > components.protocol.inboxSize()) {
                    inbox.removeFirst();
                    dropped++;
                }
            }
        }
        if (satisfied != null) satisfied.complete(); // outside the lock: completion may run the next actions
    }

    /** Hands the waiter what the inbox holds for it; if that is not enough, it waits for more. */
    void await(Waiter w) {
        boolean satisfied;
        synchronized (this) {
            for (Iterator<MqttMessage> i = inbox.iterator(); i.hasNext() && !w.satisfied(); ) {
                if (w.take(i.next())) i.remove();
            }
            satisfied = w.satisfied();
            if (!satisfied) waiters.add(w);
        }
        if (satisfied) w.complete(); // outside the lock: on the event loop this runs the next actions at once
    }

    /** Stops waiting; false if the waiter had already been satisfied. */
    synchronized boolean cancel(Waiter w) {
        return waiters.remove(w);
    }

    synchronized long dropped() {
        return dropped;
    }

    /** An expectation: messages matching a predicate, until a count is reached; completion runs on the I/O thread. */
    static final class Waiter {
        final java.util.function.Predicate<MqttMessage> matcher;
        final int count;
        final List<MqttMessage> got = new ArrayList<>();
        private final Consumer<Waiter> onDone;

        Waiter(java.util.function.Predicate<MqttMessage> matcher, int count, Consumer<Waiter> onDone) {
            this.matcher = matcher;
            this.count = count;
            this.onDone = onDone;
        }

        boolean take(MqttMessage m) {
            if (!matcher.test(m)) return false;
            got.add(m);
            return true;
        }

        boolean satisfied() {
            return got.size() >= count;
        }

        void complete() {
            onDone.accept(this);
        }
    }
}
