package io.meshmq.connection;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Topic aliases of one connection (MQTT 3.3.2.3.4), both directions. Inbound: the client's alias → topic map, up to
 * our Topic Alias Maximum. Outbound: we give the most recently used topics aliases up to the client's maximum,
 * reusing the least recently used alias when all are taken.
 */
public final class TopicAliases {
    private final int inboundMaximum;
    private final Map<Integer, String> inbound = new HashMap<>();
    private final int outboundMaximum;
    private final LinkedHashMap<String, Integer> outbound;
    private final java.util.ArrayDeque<Integer> freed = new java.util.ArrayDeque<>();
    private int allocated;

    public TopicAliases(int inboundMaximum, int outboundMaximum) {
        this.inboundMaximum = inboundMaximum;
        this.outboundMaximum = outboundMaximum;
        this.outbound = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** Result of resolving an inbound PUBLISH: its topic, or null when the alias use is invalid. */
    public String resolveInbound(String topic, Integer alias) {
        if (alias == null) return topic.isEmpty() ? null : topic;
        if (alias < 1 || alias > inboundMaximum) return null;          // MQTT-3.3.2-9/-10
        if (!topic.isEmpty()) {
            inbound.put(alias, topic);
            return topic;
        }
        return inbound.get(alias);                                       // MQTT-3.3.4-? unknown alias → null
    }

    public boolean isInboundAliasOutOfRange(Integer alias) {
        return alias != null && (alias < 1 || alias > inboundMaximum);
    }

    /**
     * The alias to send {@code topic} with, or 0 for none. {@code known} tells whether the client already has
     * the mapping (then the topic name may be left empty).
     */
    public Outbound outbound(String topic) {
        if (outboundMaximum == 0) return Outbound.NONE;
        Integer alias = outbound.get(topic);
        if (alias != null) return new Outbound(alias, true);
        int next;
        if (!freed.isEmpty()) {
            next = freed.pop();
        } else if (allocated < outboundMaximum) {
            next = ++allocated;
        } else {
            Map.Entry<String, Integer> eldest = outbound.entrySet().iterator().next();
            next = eldest.getValue();
            outbound.remove(eldest.getKey());
        }
        outbound.put(topic, next);
        return new Outbound(next, false);
    }

    /** Drops the outbound alias of {@code topic}, e.g. when the packet that would have set it was not sent. */
    public void forget(String topic) {
        Integer alias = outbound.remove(topic);
        if (alias != null) freed.push(alias);
    }

    public record Outbound(int alias, boolean known) {
        static final Outbound NONE = new Outbound(0, false);
    }
}
