package io.meshmq.session;

import io.meshmq.codec.QoS;
import io.meshmq.ops.CborSerializable;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.topic.SharedSubscription;
import io.meshmq.topic.Topics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Session State of MQTT 4.1, server side: "the existence of a Session, the Client's subscriptions, QoS 1 and
 * QoS 2 messages which have been sent to the Client but have not been completely acknowledged, QoS 1 and QoS 2
 * messages pending transmission to the Client, QoS 2 messages which have been received from the Client but have not
 * been completely acknowledged, the Will Message and the Will Delay Interval, and the Session Expiry Interval".
 *
 * <p>Changed only by {@link #apply(SessionEvent)}. It is mutable on purpose: a queue of 100,000 messages must not be
 * copied per acknowledgement. Every apply is idempotent, so an event applied eagerly and journaled later (the lazy
 * acknowledgements of {@link SessionEvent.Completed}) does no harm when applied again. Snapshots go through
 * {@link #toSnapshot()}, an immutable copy.
 */
public final class SessionState {
    /** MQTT 3.1.1 persistent sessions never expire: the MQTT 5 value 0xFFFFFFFF means the same. */
    public static final long NEVER_EXPIRES = 0xFFFFFFFFL;

    private long expiryInterval;
    private final LinkedHashMap<String, SubscriptionOptions> subscriptions = new LinkedHashMap<>();
    private final TreeMap<Long, Outbound> queue = new TreeMap<>();
    private long nextSeq = 1;
    private final Set<Integer> inboundQos2 = new HashSet<>();
    private long detachedAtMillis;
    private long queuedBytes;
    private long sentThrough;

    public static SessionState empty() { return new SessionState(); }

    public void apply(SessionEvent event) {
        if (event instanceof SessionEvent.Attached a) {
            if (a.clearFirst()) clear();
            expiryInterval = a.expiryInterval();
            detachedAtMillis = 0;
        } else if (event instanceof SessionEvent.Subscribed s) {
            subscriptions.put(s.filter(), s.options());
        } else if (event instanceof SessionEvent.Unsubscribed u) {
            subscriptions.remove(u.filter());
        } else if (event instanceof SessionEvent.Enqueued e) {
            for (Outbound o : e.messages()) {
                if (o.seq() >= nextSeq) {
                    queue.put(o.seq(), o);
                    queuedBytes += o.message().weight();
                    nextSeq = o.seq() + 1;
                }
            }
        } else if (event instanceof SessionEvent.Completed c) {
            for (Long seq : c.seqs()) {
                Outbound o = queue.remove(seq);
                if (o != null) queuedBytes -= o.message().weight();
            }
        } else if (event instanceof SessionEvent.Received r) {
            for (Long seq : r.seqs()) {
                Outbound o = queue.get(seq);
                if (o != null) queue.put(seq, o.withPhase(Outbound.Phase.PUBREL));
            }
        } else if (event instanceof SessionEvent.InboundStored s) {
            inboundQos2.add(s.packetId());
        } else if (event instanceof SessionEvent.InboundReleased r) {
            inboundQos2.remove(r.packetId());
        } else if (event instanceof SessionEvent.Detached d) {
            detachedAtMillis = d.atMillis();
            expiryInterval = d.expiryInterval();
            sentThrough = Math.max(sentThrough, d.sentThrough());
        } else if (event instanceof SessionEvent.Ended) {
            clear();
            expiryInterval = 0;     // no session exists any more: a later CONNECT gets Session Present 0 (MQTT-3.2.2-2)
        }
    }

    private void clear() {
        subscriptions.clear();
        queue.clear();
        inboundQos2.clear();
        queuedBytes = 0;
        // nextSeq keeps growing: packet ids of a new session must not collide with late acks of the old one
    }

    // ---- queries -------------------------------------------------------------------------------------------

    public long expiryInterval() { return expiryInterval; }

    /** Whether anything must outlive the connection (Session Expiry Interval > 0, or Clean Session 0 in 3.1.1). */
    public boolean isPersistent() { return expiryInterval > 0; }

    public long detachedAtMillis() { return detachedAtMillis; }

    /** The highest queue position known to have been sent to the client (as of the last detach). */
    public long sentThrough() { return sentThrough; }

    public Map<String, SubscriptionOptions> subscriptions() { return java.util.Collections.unmodifiableMap(subscriptions); }

    public boolean hasState() { return !subscriptions.isEmpty() || !queue.isEmpty() || !inboundQos2.isEmpty(); }

    public int queueSize() { return queue.size(); }

    public long queuedBytes() { return queuedBytes; }

    public long nextSeq() { return nextSeq; }

    public Set<Integer> inboundQos2() { return java.util.Collections.unmodifiableSet(inboundQos2); }

    public boolean isInboundStored(int packetId) { return inboundQos2.contains(packetId); }

    public Outbound outbound(long seq) { return queue.get(seq); }

    /**
     * The queue position of an outbound packet id in flight, or -1. In-flight positions lie within 65535 of the
     * oldest queued one, so exactly one position in that range carries the id.
     */
    public long seqOfPacketId(int packetId) {
        if (queue.isEmpty() || packetId < 1 || packetId > 65535) return -1;
        long first = queue.firstKey();
        long offset = Math.floorMod((long) (packetId - 1) - first % 65535, 65535L);
        long seq = first + offset;
        return queue.containsKey(seq) ? seq : -1;
    }

    /**
     * The messages that may be in flight with a receive window of {@code window}: those within {@code window}
     * positions of the oldest unacknowledged one (MQTT 4.9 flow control), in queue order.
     */
    public List<Outbound> inFlightWindow(int window) {
        List<Outbound> out = new ArrayList<>();
        if (queue.isEmpty()) return out;
        long limit = queue.firstKey() + window;
        for (Outbound o : queue.headMap(limit, false).values()) out.add(o);
        return out;
    }

    /**
     * The messages of the receive window not yet sent on this connection: positions after {@code sentThrough}
     * and within {@code window} of the oldest unacknowledged one. Costs what it returns, not the window size.
     */
    public java.util.Collection<Outbound> unsentInWindow(long sentThrough, int window) {
        if (queue.isEmpty()) return List.of();
        long limit = queue.firstKey() + window;
        if (sentThrough + 1 >= limit) return List.of();
        return queue.subMap(sentThrough, false, limit, false).values();
    }

    public long firstSeq() { return queue.isEmpty() ? nextSeq : queue.firstKey(); }

    /** All queued messages in order (for redistribution of a shared subscriber's messages, tests, metrics). */
    public List<Outbound> queued() { return new ArrayList<>(queue.values()); }

    /**
     * How this session receives {@code message} through its non-shared subscriptions, or null if none matches
     * (or all matching ones have No Local and the client published it itself, MQTT-3.8.3-3). Overlapping
     * subscriptions give one delivery at the highest granted QoS with every Subscription Identifier
     * (MQTT-3.3.4-3, -5); RETAIN is kept only when a matching subscription has Retain As Published (MQTT-3.3.1-12/-13).
     */
    public Delivery deliveryFor(ApplicationMessage message, String ownClientId) {
        QoS granted = null;
        boolean retainAsPublished = false;
        List<Integer> ids = null;
        for (Map.Entry<String, SubscriptionOptions> e : subscriptions.entrySet()) {
            String filter = e.getKey();
            if (Topics.isShared(filter)) continue;
            SubscriptionOptions o = e.getValue();
            if (o.noLocal() && ownClientId.equals(message.publisherId())) continue;
            if (!Topics.matches(filter, message.topic())) continue;
            granted = granted == null ? o.qos() : QoS.max(granted, o.qos());
            retainAsPublished |= o.retainAsPublished();
            if (o.subscriptionId() > 0) {
                if (ids == null) ids = new ArrayList<>(2);
                ids.add(o.subscriptionId());
            }
        }
        if (granted == null) return null;
        return new Delivery(QoS.min(message.qos(), granted), retainAsPublished && message.retain(),
                ids == null ? List.of() : ids);
    }

    /** The delivery of {@code message} through the shared subscription {@code sharedFilter}, or null. */
    public Delivery sharedDeliveryFor(ApplicationMessage message, String sharedFilter) {
        SubscriptionOptions o = subscriptions.get(sharedFilter);
        if (o == null) return null;
        SharedSubscription s = SharedSubscription.parse(sharedFilter);
        if (s == null || !Topics.matches(s.filter(), message.topic())) return null;
        List<Integer> ids = o.subscriptionId() > 0 ? List.of(o.subscriptionId()) : List.of();
        return new Delivery(QoS.min(message.qos(), o.qos()), o.retainAsPublished() && message.retain(), ids);
    }

    /** How one message goes to this session's client. */
    public record Delivery(QoS qos, boolean retain, List<Integer> subscriptionIds) {}

    // ---- snapshots ---------------------------------------------------------------------------------------------

    /** An immutable copy for the snapshot store. */
    public Snapshot toSnapshot() {
        return new Snapshot(expiryInterval, new LinkedHashMap<>(subscriptions), new ArrayList<>(queue.values()), nextSeq,
                new ArrayList<>(inboundQos2), detachedAtMillis, sentThrough);
    }

    public static SessionState fromSnapshot(Snapshot s) {
        SessionState st = new SessionState();
        st.expiryInterval = s.expiryInterval();
        st.subscriptions.putAll(s.subscriptions());
        for (Outbound o : s.queue()) {
            st.queue.put(o.seq(), o);
            st.queuedBytes += o.message().weight();
        }
        st.nextSeq = s.nextSeq();
        st.inboundQos2.addAll(s.inboundQos2());
        st.detachedAtMillis = s.detachedAtMillis();
        st.sentThrough = s.sentThrough();
        return st;
    }

    public record Snapshot(long expiryInterval, Map<String, SubscriptionOptions> subscriptions, List<Outbound> queue,
                           long nextSeq, List<Integer> inboundQos2, long detachedAtMillis,
                           long sentThrough) implements CborSerializable {}
}
