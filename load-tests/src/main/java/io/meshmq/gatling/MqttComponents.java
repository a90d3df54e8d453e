package io.meshmq.gatling;

import io.gatling.core.CoreComponents;
import io.gatling.core.protocol.ProtocolComponents;
import io.gatling.core.session.Session;
import scala.Function1;
import scala.runtime.BoxedUnit;

import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gatling makes one per scenario; what must be shared by all scenarios of a run (host rotation, tallies, the run id)
 * lives in a {@link Run}, one per run (keyed by Gatling's CoreComponents).
 */
final class MqttComponents implements ProtocolComponents {
    /** The tallies of the latest run, for a simulation's {@code after()} ({@link Mqtt#tally(String)}). */
    static volatile Map<String, Tally> lastRunTallies = new ConcurrentHashMap<>();
    private static final Map<CoreComponents, Run> RUNS = java.util.Collections.synchronizedMap(new WeakHashMap<>());

    static final class Run {
        /** Part of the default client ids, so a run never resumes the persistent sessions of an earlier one. */
        final String id = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 30, 1L << 35), 36);
        final AtomicInteger nextHost = new AtomicInteger();
        final Map<String, Tally> tallies = new ConcurrentHashMap<>();
    }

    final MqttProtocol protocol;
    final String runId;
    private final AtomicInteger nextHost;
    private final Map<String, Tally> tallies;
    private final Map<Long, List<MqttConnection>> open = new ConcurrentHashMap<>();

    MqttComponents(MqttProtocol protocol, CoreComponents core) {
        this.protocol = protocol;
        Run run = core == null ? new Run() : RUNS.computeIfAbsent(core, c -> new Run());
        this.runId = run.id;
        this.nextHost = run.nextHost;
        this.tallies = run.tallies;
        lastRunTallies = tallies;
    }

    String nextHost() {
        return protocol.hosts().get(Math.floorMod(nextHost.getAndIncrement(), protocol.hosts().size()));
    }

    Tally tally(String name) {
        return tallies.computeIfAbsent(name, Tally::new);
    }

    void opened(long userId, MqttConnection c) {
        open.computeIfAbsent(userId, u -> new CopyOnWriteArrayList<>()).add(c);
    }

    void closed(long userId, MqttConnection c) {
        List<MqttConnection> l = open.get(userId);
        if (l != null) l.remove(c);
    }

    @Override
    public Function1<Session, Session> onStart() {
        return s -> s;
    }

    /** A virtual user that ends without disconnect() has its clients closed (DISCONNECT sent, not awaited). */
    @Override
    public Function1<Session, BoxedUnit> onExit() {
        return s -> {
            List<MqttConnection> l = open.remove(s.userId());
            if (l != null) l.forEach(MqttConnection::closeQuietly);
            return BoxedUnit.UNIT;
        };
    }
}
