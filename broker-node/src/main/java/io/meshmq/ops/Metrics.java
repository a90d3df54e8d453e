package io.meshmq.ops;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The broker's counters: the hook every layer reports to. Cheap enough for the hot path (striped adders);
 * exported later through $SYS and a Prometheus endpoint.
 */
public final class Metrics {
    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder connectionsClosed = new LongAdder();
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder sessionsRecovered = new LongAdder();
    private final LongAdder sessionsExpired = new LongAdder();
    private final LongAdder deliveriesResent = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> dropped = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> rejected = new ConcurrentHashMap<>();

    public void connectionOpened() { connectionsOpened.increment(); }
    public void connectionClosed() { connectionsClosed.increment(); }
    public void messageIn(int bytes) { messagesIn.increment(); bytesIn.add(bytes); }
    public void messageOut(int bytes) { messagesOut.increment(); bytesOut.add(bytes); }
    public void sessionRecovered() { sessionsRecovered.increment(); }
    public void sessionExpired() { sessionsExpired.increment(); }
    /** Deliveries a connection sent again because a node was lost before they were answered. */
    public void redelivered(int deliveries) { deliveriesResent.add(deliveries); }
    public void dropped(String reason) { dropped.computeIfAbsent(reason, k -> new LongAdder()).increment(); }
    public void rejected(String reason) { rejected.computeIfAbsent(reason, k -> new LongAdder()).increment(); }

    public long connectionsCurrent() { return connectionsOpened.sum() - connectionsClosed.sum(); }
    public long messagesIn() { return messagesIn.sum(); }
    public long messagesOut() { return messagesOut.sum(); }
    public long droppedCount(String reason) { LongAdder a = dropped.get(reason); return a == null ? 0 : a.sum(); }
    // read by OpsMetrics (Prometheus) and SysTopics ($SYS): views over the same adders
    public long connectionsTotal() { return connectionsOpened.sum(); }
    public long bytesIn() { return bytesIn.sum(); }
    public long bytesOut() { return bytesOut.sum(); }
    public long sessionsRecovered() { return sessionsRecovered.sum(); }
    public long sessionsExpired() { return sessionsExpired.sum(); }
    public long deliveriesResent() { return deliveriesResent.sum(); }
    public java.util.Set<String> droppedReasons() { return dropped.keySet(); }
    public java.util.Set<String> rejectedReasons() { return rejected.keySet(); }
    public long rejectedCount(String reason) { LongAdder a = rejected.get(reason); return a == null ? 0 : a.sum(); }
    public long droppedTotal() { long n = 0; for (LongAdder a : dropped.values()) n += a.sum(); return n; }

    /** A point-in-time view, for logs, $SYS and tests. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        m.put("connections.current", connectionsCurrent());
        m.put("connections.total", connectionsOpened.sum());
        m.put("messages.in", messagesIn.sum());
        m.put("messages.out", messagesOut.sum());
        m.put("bytes.in", bytesIn.sum());
        m.put("bytes.out", bytesOut.sum());
        m.put("sessions.recovered", sessionsRecovered.sum());
        m.put("sessions.expired", sessionsExpired.sum());
        m.put("deliveries.resent", deliveriesResent.sum());
        dropped.forEach((k, v) -> m.put("dropped." + k, v.sum()));
        rejected.forEach((k, v) -> m.put("rejected." + k, v.sum()));
        return m;
    }
}
