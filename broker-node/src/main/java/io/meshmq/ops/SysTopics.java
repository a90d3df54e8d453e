package io.meshmq.ops;

import io.meshmq.codec.QoS;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.routing.Router;
import io.meshmq.routing.SubscriptionRegistry;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The broker's statistics as retained QoS 0 messages under {@code $SYS/broker/...}, named as Mosquitto names them,
 * published through the {@link Router} every {@code broker.sys.interval}. A topic is published again only when its
 * value changed (retained messages are journaled), except {@code uptime}. {@code $SYS/broker/...} are this node's
 * figures; {@code $SYS/cluster/...} the cluster's ({@link ClusterTotals}), published by one node (the leader).
 */
public final class SysTopics {
    static final String PUBLISHER_ID = "$SYS";
    private static final String[] LOAD_WINDOWS = {"1min", "5min", "15min"};
    private static final double[] LOAD_SECONDS = {60, 300, 900};

    private final Metrics metrics;
    private final SubscriptionRegistry subscriptions;
    private final LongSupplier retainedMessages;
    private final Router router;
    private final String version;
    private final long startedNanos;
    private final ClusterTotals cluster;
    private final Map<String, String> lastPublished = new HashMap<>();
    // load averages (Mosquitto's $SYS/broker/load/...): per-minute rates smoothed over 1, 5 and 15 minutes
    private final Map<String, double[]> load = new LinkedHashMap<>();
    private final Map<String, Long> lastCount = new HashMap<>();
    private long lastTickNanos;

    SysTopics(Metrics metrics, SubscriptionRegistry subscriptions, LongSupplier retainedMessages, Router router,
              String version, long startedNanos, ClusterTotals cluster) {
        this.cluster = cluster;
        this.metrics = metrics;
        this.subscriptions = subscriptions;
        this.retainedMessages = retainedMessages;
        this.router = router;
        this.version = version;
        this.startedNanos = startedNanos;
    }

    /** One round: computes every value and publishes those that changed. Called from one scheduler task at a time. */
    synchronized void tick() {
        long now = System.nanoTime();
        Map<String, String> values = values(now);
        NodeStats own = NodeStats.of(metrics);
        cluster.report(own);
        if (cluster.publishesHere()) {
            values.putAll(clusterValues(cluster.current(own)));
        } else {
            // another node publishes them; should this one lead again, it must not skip a value it published earlier
            // (the retained message may be another node's since)
            lastPublished.keySet().removeIf(t -> t.startsWith("$SYS/cluster/"));
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            String topic = e.getKey();
            String value = e.getValue();
            if (!topic.equals("$SYS/broker/uptime") && value.equals(lastPublished.get(topic))) continue;
            lastPublished.put(topic, value);
            router.publish(new ApplicationMessage(topic, value.getBytes(StandardCharsets.UTF_8), QoS.AT_MOST_ONCE, true,
                    PUBLISHER_ID, System.currentTimeMillis(), -1, null, null, null, null, List.of()));
        }
        lastTickNanos = now;
    }

    /** The topics and their payloads (text, as Mosquitto sends them). */
    Map<String, String> values(long nowNanos) {
        Map<String, String> v = new LinkedHashMap<>();
        long received = metrics.messagesIn();
        long sent = metrics.messagesOut();
        v.put("$SYS/broker/version", "MeshMQ version " + version);
        v.put("$SYS/broker/uptime", Duration.ofNanos(nowNanos - startedNanos).toSeconds() + " seconds");
        v.put("$SYS/broker/clients/connected", Long.toString(metrics.connectionsCurrent()));
        v.put("$SYS/broker/clients/active", Long.toString(metrics.connectionsCurrent()));
        v.put("$SYS/broker/messages/received", Long.toString(received));
        v.put("$SYS/broker/messages/sent", Long.toString(sent));
        v.put("$SYS/broker/publish/messages/received", Long.toString(received));
        v.put("$SYS/broker/publish/messages/sent", Long.toString(sent));
        v.put("$SYS/broker/publish/messages/dropped", Long.toString(metrics.droppedTotal()));
        v.put("$SYS/broker/bytes/received", Long.toString(metrics.bytesIn()));
        v.put("$SYS/broker/bytes/sent", Long.toString(metrics.bytesOut()));
        v.put("$SYS/broker/subscriptions/count", Integer.toString(subscriptions.size()));
        v.put("$SYS/broker/retained messages/count", Long.toString(retainedMessages.getAsLong()));
        updateLoad("messages/received", received, nowNanos);
        updateLoad("messages/sent", sent, nowNanos);
        updateLoad("bytes/received", metrics.bytesIn(), nowNanos);
        updateLoad("bytes/sent", metrics.bytesOut(), nowNanos);
        updateLoad("connections", metrics.connectionsTotal(), nowNanos);
        for (Map.Entry<String, double[]> e : load.entrySet()) {
            for (int i = 0; i < LOAD_WINDOWS.length; i++) {
                v.put("$SYS/broker/load/" + e.getKey() + "/" + LOAD_WINDOWS[i], String.format(java.util.Locale.ROOT, "%.2f", e.getValue()[i]));
            }
        }
        return v;
    }

    /**
     * The cluster's topics. Subscriptions and retained messages are not summed: every node's registry holds the whole
     * cluster's subscriptions, and the retained store is one for the cluster.
     */
    Map<String, String> clusterValues(ClusterTotals.Totals t) {
        Map<String, String> v = new LinkedHashMap<>();
        NodeStats sum = t.sum();
        v.put("$SYS/cluster/nodes", Integer.toString(t.nodes()));
        v.put("$SYS/cluster/clients/connected", Long.toString(sum.clientsConnected()));
        v.put("$SYS/cluster/messages/received", Long.toString(sum.messagesReceived()));
        v.put("$SYS/cluster/messages/sent", Long.toString(sum.messagesSent()));
        v.put("$SYS/cluster/publish/messages/dropped", Long.toString(sum.messagesDropped()));
        v.put("$SYS/cluster/bytes/received", Long.toString(sum.bytesReceived()));
        v.put("$SYS/cluster/bytes/sent", Long.toString(sum.bytesSent()));
        v.put("$SYS/cluster/subscriptions/count", Integer.toString(subscriptions.size()));
        v.put("$SYS/cluster/retained messages/count", Long.toString(retainedMessages.getAsLong()));
        return v;
    }

    /** Exponentially smoothed per-minute rate of {@code count}, like Unix (and Mosquitto) load averages. */
    private void updateLoad(String name, long count, long nowNanos) {
        double[] avg = load.computeIfAbsent(name, k -> new double[LOAD_WINDOWS.length]);
        Long previous = lastCount.put(name, count);
        if (previous == null || lastTickNanos == 0) return;
        double seconds = (nowNanos - lastTickNanos) / 1e9;
        if (seconds <= 0) return;
        double perMinute = (count - previous) * 60.0 / seconds;
        for (int i = 0; i < avg.length; i++) {
            double decay = Math.exp(-seconds / LOAD_SECONDS[i]);
            avg[i] = avg[i] * decay + perMinute * (1 - decay);
        }
    }
}
