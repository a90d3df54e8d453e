package io.meshmq.ops;

import io.meshmq.routing.SubscriptionRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * {@link Metrics} seen through Micrometer and served as Prometheus text on {@code /metrics}. Nothing is counted twice:
 * every meter is a {@link FunctionCounter} or {@link Gauge} that reads the broker's {@link java.util.concurrent.atomic.LongAdder}s
 * when scraped, so the hot path is unchanged. Meters per reason ({@code dropped}, {@code rejected}) appear the first
 * time that reason is counted (checked at each scrape).
 *
 * <p>Prometheus names (Micrometer adds {@code _total} to counters): see docs/operations.md, "Metrics".
 */
public final class OpsMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Set<String> droppedSeen = ConcurrentHashMap.newKeySet();
    private final Set<String> rejectedSeen = ConcurrentHashMap.newKeySet();
    private volatile Metrics metrics;

    OpsMetrics(Cluster cluster, BrokerHealth health) {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("meshmq.ready", health, h -> h.isShuttingDown() ? 0 : 1)
                .description("0 once the node is shutting down (see /ready for the full check)").register(registry);
        for (String status : new String[] {"up", "weakly-up", "joining", "leaving", "exiting", "down"}) {
            Gauge.builder("meshmq.cluster.members", cluster, c -> members(c, status))
                    .tag("status", status).description("cluster members this node sees, by status").register(registry);
        }
        Gauge.builder("meshmq.cluster.members.unreachable", cluster, c -> c.state().getUnreachable().size())
                .description("members this node's failure detector marks unreachable").register(registry);
    }

    /** Binds the broker's counters, the subscription registry and the retained-message count. */
    void bind(Metrics m, SubscriptionRegistry subscriptions, LongSupplier retainedMessages) {
        this.metrics = m;
        Gauge.builder("meshmq.connections.current", m, Metrics::connectionsCurrent)
                .description("MQTT connections open now").register(registry);
        counter("meshmq.connections.opened", m, Metrics::connectionsTotal, "MQTT connections accepted since start");
        counter("meshmq.messages.received", m, Metrics::messagesIn, "PUBLISH packets received from clients");
        counter("meshmq.messages.sent", m, Metrics::messagesOut, "PUBLISH packets sent to clients");
        counter("meshmq.payload.bytes.received", m, Metrics::bytesIn, "payload bytes of PUBLISH packets received");
        counter("meshmq.payload.bytes.sent", m, Metrics::bytesOut, "payload bytes of PUBLISH packets sent");
        counter("meshmq.sessions.recovered", m, Metrics::sessionsRecovered, "persistent sessions recovered from the journal");
        counter("meshmq.sessions.expired", m, Metrics::sessionsExpired, "sessions ended by their expiry interval");
        counter("meshmq.deliveries.resent", m, Metrics::deliveriesResent,
                "deliveries to sessions sent again because a node was lost before they were answered");
        Gauge.builder("meshmq.subscriptions", subscriptions, SubscriptionRegistry::size)
                .description("subscriptions in the routing registry").register(registry);
        Gauge.builder("meshmq.retained.messages", retainedMessages, LongSupplier::getAsLong)
                .description("retained messages (refreshed at most every 15 s)").register(registry);
        refreshReasons();
    }

    private void counter(String name, Metrics m, ToDoubleFunction<Metrics> f, String description) {
        FunctionCounter.builder(name, m, f).description(description).register(registry);
    }

    private static int members(Cluster cluster, String status) {
        int n = 0;
        for (Member member : cluster.state().getMembers()) {
            if (statusName(member.status()).equals(status)) n++;
        }
        return n;
    }

    private static String statusName(MemberStatus s) {
        if (s == MemberStatus.up()) return "up";
        if (s == MemberStatus.weaklyUp()) return "weakly-up";
        if (s == MemberStatus.joining()) return "joining";
        if (s == MemberStatus.leaving()) return "leaving";
        if (s == MemberStatus.exiting()) return "exiting";
        if (s == MemberStatus.down()) return "down";
        return "other";
    }

    /** Registers a meter for each dropped / rejected reason counted since the last scrape. */
    private void refreshReasons() {
        Metrics m = metrics;
        if (m == null) return;
        for (String reason : m.droppedReasons()) {
            if (droppedSeen.add(reason)) {
                FunctionCounter.builder("meshmq.messages.dropped", m, x -> x.droppedCount(reason))
                        .tags(Tags.of("reason", reason)).description("messages dropped, by reason").register(registry);
            }
        }
        for (String reason : m.rejectedReasons()) {
            if (rejectedSeen.add(reason)) {
                FunctionCounter.builder("meshmq.connections.rejected", m, x -> x.rejectedCount(reason))
                        .tags(Tags.of("reason", reason))
                        .description("connections refused or closed by the broker, by reason").register(registry);
            }
        }
    }

    /** Prometheus text exposition format 0.0.4. */
    public String scrape() {
        refreshReasons();
        return registry.scrape();
    }

    public PrometheusMeterRegistry registry() { return registry; }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
