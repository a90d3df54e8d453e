package io.meshmq.session;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.connection.ConnectionCommand;
import io.meshmq.ops.CborSerializable;
import io.meshmq.ops.Metrics;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.routing.Chunks;
import io.meshmq.routing.DeliveryAck;
import io.meshmq.routing.Deliverer;
import io.meshmq.routing.Router;
import io.meshmq.topic.Topics;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A client's session (MQTT 4.1) as a sharded, event-sourced entity keyed by client id. It owns the session state
 * ({@link SessionState}), decides what each command does to it, journals the resulting events when the session is
 * persistent, and tells the client's connection what to send. Clean sessions (Session Expiry Interval 0) run the
 * same logic without the journal.
 *
 * <p>Durability promise: a QoS 1/2 message enters a persistent session's queue only through a journaled
 * {@link SessionEvent.Enqueued}, and the publisher hears {@link DeliveryAck} (and so gets PUBACK/PUBREC) only after
 * it. Acknowledgements from the subscriber are journaled lazily: losing one causes a redelivery with DUP.
 */
public final class SessionEntity {
    private SessionEntity() {}

    public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "Session");

    public static PersistenceId persistenceId(String clientId) {
        // "Session|" + client id, as PersistenceId.of builds it, but without its refusal of '|' inside the id: MQTT
        // allows any client id, and Broker.wakePersistentSessions takes everything after the first '|'
        return PersistenceId.ofUniqueId(KEY.name() + "|" + clientId);
    }

    /** Registers the entity type with sharding on this node. */
    public static void initSharding(ActorSystem<?> system, Router router, LocalSessions sessions,
                                    SessionSettings settings, Metrics metrics) {
        ClusterSharding.get(system).init(Entity.of(KEY, ctx ->
                        create(ctx.getEntityId(), ctx.getShard(), router, sessions, settings, metrics))
                .withStopMessage(new Stop()));
    }

    /** The session of {@code clientId}, reached through sharding. */
    public static org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<Command> ref(ActorSystem<?> system, String clientId) {
        return ClusterSharding.get(system).entityRefFor(KEY, clientId);
    }

    public static Behavior<Command> create(String clientId, ActorRef<ClusterSharding.ShardCommand> shard,
                                           Router router, LocalSessions sessions, SessionSettings settings,
                                           Metrics metrics) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            sessions.register(clientId, ctx.getSelf());
            return new SessionBehavior(clientId, ctx, timers, shard, router, sessions, settings, metrics);
        }));
    }

    // ---- protocol ------------------------------------------------------------------------------------------

    public sealed interface Command extends CborSerializable {}

    /**
     * A connection with this client id finished its CONNECT (MQTT 3.1.4). {@code connectionId} tells this
     * connection's later commands from those of one it took over.
     */
    public record Attach(long connectionId, ActorRef<ConnectionCommand> connection, boolean cleanStart,
                         long expiryInterval, int receiveMaximum, ApplicationMessage will, long willDelayInterval)
            implements Command {}

    /**
     * The connection ended. {@code will} is null when it must not be published (normal DISCONNECT, MQTT-3.1.2-10);
     * {@code expiryInterval} is the value in force at the end (DISCONNECT may change it, MQTT 3.14.2.2.2).
     */
    public record Detach(long connectionId, ApplicationMessage will, long willDelayInterval, long expiryInterval)
            implements Command {}

    public record SubscribeRequest(long connectionId, int packetId, List<MqttPacket.Subscription> subscriptions,
                                   int subscriptionId) implements Command {}

    public record UnsubscribeRequest(long connectionId, int packetId, List<String> filters) implements Command {}

    /** Messages routed to this session; see {@link Deliverer}. */
    public record Deliver(String sharedFilter, List<ApplicationMessage> messages, ActorRef<DeliveryAck> replyTo,
                          long correlationId) implements Command {}

    public record PubAckReceived(long connectionId, int packetId) implements Command {}

    /** {@code failed}: an MQTT 5 PUBREC with a reason code of 0x80 or more ends the flow (MQTT 4.3.3). */
    public record PubRecReceived(long connectionId, int packetId, boolean failed) implements Command {}

    public record PubCompReceived(long connectionId, int packetId) implements Command {}

    /** The connection got a QoS 2 PUBLISH with a new packet id and routed it: remember the id until PUBREL. */
    public record StoreInbound(long connectionId, int packetId) implements Command {}

    public record ReleaseInbound(long connectionId, int packetId) implements Command {}

    /** Start (recover) the entity so that its subscriptions are routable again, e.g. after a restart. */
    public record Wake(ActorRef<Woken> replyTo) implements Command {}

    /** Answer to {@link Wake}: the session's topic filters, which the waking node makes routable on itself too. */
    public record Woken(List<String> filters) implements CborSerializable {}

    /** Stop message for sharding hand-off and shutdown: flush what is pending first. */
    public record Stop() implements Command {}

    private record FlushAcks() implements Command {}

    private enum FlushDeliveries implements Command { INSTANCE }

    private record WillDue(ApplicationMessage will, long dueAtMillis) implements Command {}

    /** The watched connection stopped; if no Detach follows within the grace period, it ended without one. */
    private record ConnectionStopped(long connectionId) implements Command {}

    private record ConnectionGone(long connectionId) implements Command {}

    private record ExpiryDue(long dueAtMillis) implements Command {}

    /** The registry's subscriptions of this client id, found when deliveries reached a session that has none. */
    private record OrphanFilters(List<String> filters) implements Command {}

    private record SubscriptionsRegistered(long connectionId, int packetId, List<ReasonCode> codes,
                                           List<RetainedRequest> retained) implements Command {}

    private record RetainedRequest(String filter, SubscriptionOptions options) implements CborSerializable {}

    private record RetainedFound(SubscriptionOptions options, List<ApplicationMessage> messages) implements Command {}

    // ---- behavior ------------------------------------------------------------------------------------------

    /** Estimated serialized size of one command for a connection on another node ({@link Chunks}). */
    static int estimate(ToConnection c) {
        return c instanceof ToConnection.SendPublish p ? 64 + Chunks.estimate(p.message()) : 128;
    }

    static final class SessionBehavior extends EventSourcedBehavior<Command, SessionEvent, SessionState> {
        private static final Object WILL_TIMER = "will";
        private static final Object EXPIRY_TIMER = "expiry";
        private static final Object FLUSH_TIMER = "flush";
        private static final Logger log = LoggerFactory.getLogger(SessionEntity.class);
        private static final Object LOST_TIMER = "lost";
        /**
         * How long after the connection actor stopped its Detach may still be on the way (through sharding): only
         * when none came by then did the connection end without one (its node died), and the session detaches it.
         */
        private static final Duration DETACH_GRACE = Duration.ofSeconds(2);
        /**
         * Pekko's scheduler refuses delays beyond about 248 days, while MQTT 5 intervals reach 136 years: longer
         * timers fire after this and are started again for the rest (the message carries the real due time).
         */
        private static final long MAX_TIMER_MILLIS = java.util.concurrent.TimeUnit.DAYS.toMillis(200);

        private final String clientId;
        private final ActorContext<Command> ctx;
        private final TimerScheduler<Command> timers;
        private final ActorRef<ClusterSharding.ShardCommand> shard;
        private final Router router;
        private final LocalSessions sessions;
        private final SessionSettings settings;
        private final Metrics metrics;

        // Transient: about the current connection, never journaled.
        private ActorRef<ConnectionCommand> connection;
        private long connectionId = -1;
        private int window = 1;
        /** Highest queue position sent on the current connection; those at or below it are resent with DUP. */
        private long sentThrough;
        /** Highest position that may have been sent on an earlier connection (DUP on resend). */
        private long maybeSentThrough;
        private final List<Long> completedNotJournaled = new ArrayList<>();
        private final List<ToConnection> outbox = new ArrayList<>();
        private CompletableFuture<Void> registered = CompletableFuture.completedFuture(null);
        private boolean passivating;
        /** Deliveries waiting for the next group commit of a persistent session (see onDeliver). */
        private final List<Deliver> pendingDeliveries = new ArrayList<>();
        private boolean flushScheduled;
        private final List<Long> receivedNotJournaled = new ArrayList<>();
        private boolean orphanCleanupStarted;
        /** The will the current connection brought (transient): published if the connection vanishes without Detach. */
        private ApplicationMessage attachedWill;
        private long attachedWillDelay;
        /** The will whose delay timer runs (transient), published early if the session ends first. */
        private ApplicationMessage pendingWill;
        /** Queue positions of messages that came through a shared subscription (transient), for MQTT 4.8.2 hand-over. */
        private final java.util.Map<Long, String> sharedOrigin = new java.util.HashMap<>();

        SessionBehavior(String clientId, ActorContext<Command> ctx, TimerScheduler<Command> timers,
                        ActorRef<ClusterSharding.ShardCommand> shard, Router router, LocalSessions sessions,
                        SessionSettings settings, Metrics metrics) {
            super(SessionEntity.persistenceId(clientId));
            this.clientId = clientId;
            this.ctx = ctx;
            this.timers = timers;
            this.shard = shard;
            this.router = router;
            this.sessions = sessions;
            this.settings = settings;
            this.metrics = metrics;
        }

        @Override public SessionState emptyState() { return SessionState.empty(); }

        @Override public String journalPluginId() { return settings.journalPluginId(); }

        @Override public String snapshotPluginId() { return settings.snapshotPluginId(); }

        @Override public RetentionCriteria retentionCriteria() {
            return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2).withDeleteEventsOnSnapshot();
        }

        /** An ended session leaves a snapshot of nothing, and its events are deleted with it. */
        @Override public boolean shouldSnapshot(SessionState state, SessionEvent event, long sequenceNr) {
            return event instanceof SessionEvent.Ended;
        }

        @Override public SnapshotAdapter<SessionState> snapshotAdapter() {
            return new SnapshotAdapter<>() {
                @Override public Object toJournal(SessionState state) { return state.toSnapshot(); }

                @Override public SessionState fromJournal(Object from) {
                    return SessionState.fromSnapshot((SessionState.Snapshot) from);
                }
            };
        }

        @Override public EventHandler<SessionState, SessionEvent> eventHandler() {
            return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> {
                state.apply(event);
                return state;
            });
        }

        @Override public SignalHandler<SessionState> signalHandler() {
            return newSignalHandlerBuilder()
                    .onSignal(RecoveryCompleted.instance(), this::onRecovered)
                    .onSignal(org.apache.pekko.actor.typed.PostStop.instance(), st -> sessions.unregister(clientId, ctx.getSelf()))
                    .build();
        }

        private void onRecovered(SessionState state) {
            if (state.isPersistent()) {
                // a clean detach recorded what was sent; after a crash, anything in the window may have been
                maybeSentThrough = state.detachedAtMillis() > 0 ? state.sentThrough()
                        : state.firstSeq() + Math.min(settings.maxInflight(), 65535) - 1;
                CompletableFuture<?>[] adds = state.subscriptions().keySet().stream()
                        .map(filter -> router.registry().ensure(clientId, filter).toCompletableFuture())
                        .toArray(CompletableFuture[]::new);
                registered = CompletableFuture.allOf(adds);
                // a session whose client was attached when the broker stopped starts its expiry clock now
                long detachedAt = state.detachedAtMillis() > 0 ? state.detachedAtMillis() : System.currentTimeMillis();
                scheduleExpiry(state, detachedAt);
                metrics.sessionRecovered();
            }
        }

        @Override public CommandHandler<Command, SessionEvent, SessionState> commandHandler() {
            return newCommandHandlerBuilder().forAnyState()
                    .onCommand(c -> passivating && !(c instanceof Stop), this::forwardWhilePassivating)
                    .onCommand(Deliver.class, this::onDeliver)
                    .onCommand(FlushDeliveries.class, (st, c) -> onFlushDeliveries(st))
                    .onCommand(PubAckReceived.class, this::onPubAck)
                    .onCommand(PubRecReceived.class, this::onPubRec)
                    .onCommand(PubCompReceived.class, this::onPubComp)
                    .onCommand(Attach.class, this::onAttach)
                    .onCommand(Detach.class, this::onDetach)
                    .onCommand(SubscribeRequest.class, this::onSubscribe)
                    .onCommand(SubscriptionsRegistered.class, this::onSubscriptionsRegistered)
                    .onCommand(RetainedFound.class, this::onRetainedFound)
                    .onCommand(UnsubscribeRequest.class, this::onUnsubscribe)
                    .onCommand(StoreInbound.class, this::onStoreInbound)
                    .onCommand(ReleaseInbound.class, this::onReleaseInbound)
                    .onCommand(FlushAcks.class, (s, c) -> flushAcks(s))
                    .onCommand(WillDue.class, (s, c) -> {
                        if (!startWillTimer(c.will(), c.dueAtMillis())) router.publish(c.will());
                        return Effect().none();
                    })
                    .onCommand(ConnectionStopped.class, this::onConnectionStopped)
                    .onCommand(ConnectionGone.class, this::onConnectionGone)
                    .onCommand(OrphanFilters.class, this::onOrphanFilters)
                    .onCommand(ExpiryDue.class, this::onExpiryDue)
                    .onCommand(Wake.class, this::onWake)
                    .onCommand(Stop.class, this::onStop)
                    .build();
        }

        private Effect<SessionEvent, SessionState> onWake(SessionState state, Wake w) {
            // answered once the subscriptions are routable again; the answer lists them so that the node that asked
            // (in a cluster, possibly one that joined a moment ago) adds them to its own routing index as well
            List<String> filters = state.isPersistent() ? List.copyOf(state.subscriptions().keySet()) : List.of();
            registered.whenComplete((ok, err) -> w.replyTo().tell(new Woken(filters)));
            // a session that ended before the restart has nothing to route: let it go again
            if (!state.isPersistent() && connection == null) passivate();
            return Effect().none();
        }

        // ---- effects: journal for persistent sessions, memory only for clean ones --------------------------

        /** Applies {@code events}; journals them (with pending acknowledgements) if the session is persistent. */
        private Effect<SessionEvent, SessionState> record(SessionState state, boolean journal, List<SessionEvent> events,
                                                          java.util.function.Consumer<SessionState> then) {
            if (!journal) {
                for (SessionEvent e : events) state.apply(e);
                then.accept(state);
                return Effect().none();
            }
            List<SessionEvent> all = new ArrayList<>(events.size() + 2);
            takePendingAcks(all);
            all.addAll(events);
            return Effect().persist(all).thenRun(then::accept);
        }

        private void takePendingAcks(List<SessionEvent> into) {
            if (!receivedNotJournaled.isEmpty()) {
                into.add(new SessionEvent.Received(List.copyOf(receivedNotJournaled)));
                receivedNotJournaled.clear();
            }
            if (!completedNotJournaled.isEmpty()) {
                into.add(new SessionEvent.Completed(List.copyOf(completedNotJournaled)));
                completedNotJournaled.clear();
            }
        }

        private Effect<SessionEvent, SessionState> flushAcks(SessionState state) {
            if (completedNotJournaled.isEmpty() && receivedNotJournaled.isEmpty()) return Effect().none();
            List<SessionEvent> all = new ArrayList<>(2);
            takePendingAcks(all);
            if (!state.isPersistent()) return Effect().none();
            return Effect().persist(all);
        }

        // ---- delivery --------------------------------------------------------------------------------------

        /**
         * A persistent session collects the deliveries already in its mailbox and journals them as one event (group
         * commit): a {@link FlushDeliveries} sent to itself comes after every delivery that was waiting, and while that
         * write is in flight the next ones gather behind it. A clean session has nothing to journal and handles each
         * delivery at once.
         */
        private Effect<SessionEvent, SessionState> onDeliver(SessionState state, Deliver d) {
            if (!state.isPersistent() && connection == null && state.subscriptions().isEmpty()) {
                // no client and no session: the subscriptions that routed this here belong to a clean session that
                // died with its node (its entries outlive it in the replicated registry); answer, then clean up
                acknowledge(List.of(d));
                if (!orphanCleanupStarted) {
                    orphanCleanupStarted = true;
                    ctx.pipeToSelf(router.registry().filtersOf(clientId),
                            (filters, err) -> new OrphanFilters(err == null ? filters : List.of()));
                }
                return Effect().none();
            }
            if (!state.isPersistent()) return deliver(state, List.of(d));
            pendingDeliveries.add(d);
            if (!flushScheduled) {
                flushScheduled = true;
                ctx.getSelf().tell(FlushDeliveries.INSTANCE);
            }
            return Effect().none();
        }

        private Effect<SessionEvent, SessionState> onFlushDeliveries(SessionState state) {
            flushScheduled = false;
            if (pendingDeliveries.isEmpty()) return Effect().none();
            List<Deliver> batch = List.copyOf(pendingDeliveries);
            pendingDeliveries.clear();
            return deliver(state, batch);
        }

        private Effect<SessionEvent, SessionState> deliver(SessionState state, List<Deliver> deliveries) {
            long now = System.currentTimeMillis();
            List<Outbound> enqueue = null;
            long seq = state.nextSeq();
            for (Deliver d : deliveries) {
                for (ApplicationMessage m : d.messages()) {
                    if (m.isExpired(now)) { metrics.dropped("expired"); continue; }
                    SessionState.Delivery how = d.sharedFilter() == null
                            ? state.deliveryFor(m, clientId) : state.sharedDeliveryFor(m, d.sharedFilter());
                    if (how == null) continue;
                    if (how.qos() == QoS.AT_MOST_ONCE) {
                        if (connection != null) {
                            outbox.add(new ToConnection.SendPublish(m, QoS.AT_MOST_ONCE, how.retain(), false, 0,
                                    how.subscriptionIds()));
                        } else {
                            metrics.dropped("qos0-offline");
                        }
                        continue;
                    }
                    if (state.queueSize() + (enqueue == null ? 0 : enqueue.size()) >= settings.maxQueuedMessages()) {
                        metrics.dropped("queue-full");
                        continue;
                    }
                    if (enqueue == null) enqueue = new ArrayList<>(d.messages().size());
                    if (d.sharedFilter() != null) sharedOrigin.put(seq, d.sharedFilter());
                    enqueue.add(new Outbound(seq++, m, how.qos(), how.retain(), how.subscriptionIds(), Outbound.Phase.PUBLISH));
                }
            }
            flushOutbox();
            if (enqueue == null) {
                acknowledge(deliveries);
                return Effect().none();
            }
            return record(state, state.isPersistent(), List.of(new SessionEvent.Enqueued(enqueue)), st -> {
                acknowledge(deliveries);
                pump(st);
            });
        }

        private static void acknowledge(List<Deliver> deliveries) {
            for (Deliver d : deliveries) {
                if (d.replyTo() != null) d.replyTo().tell(new DeliveryAck(d.correlationId(), true));
            }
        }

        /** Sends whatever the receive window allows that was not sent on this connection yet (MQTT 4.9). */
        private void pump(SessionState state) {
            if (connection == null) return;
            long now = System.currentTimeMillis();
            List<Long> expired = null;
            for (Outbound o : List.copyOf(state.unsentInWindow(sentThrough, window))) {
                sentThrough = o.seq();
                if (o.phase() == Outbound.Phase.PUBREL) {
                    outbox.add(new ToConnection.SendPubRel(o.packetId()));
                    continue;
                }
                boolean dup = o.seq() <= maybeSentThrough;
                if (!dup && o.message().isExpired(now)) {
                    // MQTT-3.3.2-5: an expired message is not delivered; it leaves the queue
                    if (expired == null) expired = new ArrayList<>();
                    expired.add(o.seq());
                    continue;
                }
                outbox.add(new ToConnection.SendPublish(o.message(), o.qos(), o.retain(), dup, o.packetId(),
                        o.subscriptionIds()));
            }
            flushOutbox();
            if (expired != null) {
                metrics.dropped("expired");
                completeLocally(state, expired);
                pump(state);
            }
        }

        /**
         * Everything one command has for the connection goes in one message: a burst read from a publisher
         * becomes one mailbox hop and one socket write per subscriber, not one per PUBLISH.
         */
        private void flushOutbox() {
            if (outbox.isEmpty()) return;
            if (connection != null) {
                if (outbox.size() == 1) {
                    connection.tell(outbox.get(0));
                } else if (connection.path().address().hasLocalScope()) {
                    connection.tell(new ToConnection.Batch(List.copyOf(outbox)));
                } else {
                    // the client's connection is on another node: batches under Artery's frame size
                    for (List<ToConnection> c : Chunks.split(outbox, SessionEntity::estimate, Chunks.BUDGET)) {
                        connection.tell(c.size() == 1 ? c.get(0) : new ToConnection.Batch(List.copyOf(c)));
                    }
                }
            }
            outbox.clear();
        }

        private void completeLocally(SessionState state, List<Long> seqs) {
            if (!sharedOrigin.isEmpty()) seqs.forEach(sharedOrigin::remove);
            state.apply(new SessionEvent.Completed(seqs));
            if (state.isPersistent()) {
                completedNotJournaled.addAll(seqs);
                scheduleFlush();
            }
        }

        private void scheduleFlush() {
            if (completedNotJournaled.size() + receivedNotJournaled.size() >= settings.ackJournalBatch()) {
                ctx.getSelf().tell(new FlushAcks());
            } else if (!timers.isTimerActive(FLUSH_TIMER)) {
                timers.startSingleTimer(FLUSH_TIMER, new FlushAcks(), settings.ackJournalInterval());
            }
        }

        private Effect<SessionEvent, SessionState> onPubAck(SessionState state, PubAckReceived c) {
            if (c.connectionId() != connectionId) return Effect().none();
            long seq = state.seqOfPacketId(c.packetId());
            Outbound o = seq < 0 ? null : state.outbound(seq);
            if (o != null && o.qos() == QoS.AT_LEAST_ONCE && seq <= sentThrough) {
                completeLocally(state, List.of(seq));
                pump(state);
            }
            return Effect().none();
        }

        private Effect<SessionEvent, SessionState> onPubRec(SessionState state, PubRecReceived c) {
            if (c.connectionId() != connectionId) return Effect().none();
            long seq = state.seqOfPacketId(c.packetId());
            Outbound o = seq < 0 ? null : state.outbound(seq);
            if (o == null || o.qos() != QoS.EXACTLY_ONCE || seq > sentThrough) return Effect().none();
            if (c.failed()) {
                completeLocally(state, List.of(seq));
                pump(state);
                return Effect().none();
            }
            ActorRef<ConnectionCommand> conn = connection;
            if (o.phase() == Outbound.Phase.PUBLISH && state.isPersistent()) {
                // Journaled before PUBREL: after a crash the flow resumes with PUBREL, never with a PUBLISH the
                // client already has (some clients would hand a re-sent QoS 2 PUBLISH to the application again).
                return record(state, true, List.of(new SessionEvent.Received(List.of(seq))),
                        st -> conn.tell(new ToConnection.SendPubRel(c.packetId())));
            }
            if (o.phase() == Outbound.Phase.PUBLISH) state.apply(new SessionEvent.Received(List.of(seq)));
            // MQTT 4.3.3: PUBREL answers every PUBREC, also a repeated one
            conn.tell(new ToConnection.SendPubRel(c.packetId()));
            return Effect().none();
        }

        private Effect<SessionEvent, SessionState> onPubComp(SessionState state, PubCompReceived c) {
            if (c.connectionId() != connectionId) return Effect().none();
            long seq = state.seqOfPacketId(c.packetId());
            Outbound o = seq < 0 ? null : state.outbound(seq);
            if (o != null && o.phase() == Outbound.Phase.PUBREL) {
                completeLocally(state, List.of(seq));
                pump(state);
            }
            return Effect().none();
        }

        // ---- connection lifecycle --------------------------------------------------------------------------

        private Effect<SessionEvent, SessionState> onAttach(SessionState state, Attach a) {
            if (connection != null && a.connectionId() == connectionId && a.connection().equals(connection)
                    && !a.cleanStart()) {
                // the same connection again: a resuming connection repeats its Attach until one is answered, and
                // while the shard moves several wait in the region and arrive together. It is attached already:
                // answer, but do not start the in-flight window over (each would send every unacknowledged
                // message again)
                a.connection().tell(new ToConnection.SessionAttached(true, List.copyOf(state.inboundQos2()), ctx.getSelf()));
                return Effect().none();
            }
            if (connection != null && a.connectionId() != connectionId) {
                connection.tell(new ToConnection.TakenOver());
            }
            if (connection != null) ctx.unwatch(connection);
            timers.cancel(LOST_TIMER);
            boolean wasPersistent = state.isPersistent();
            boolean sessionPresent = !a.cleanStart() && (wasPersistent || state.hasState());
            if (a.cleanStart()) {
                for (String filter : state.subscriptions().keySet()) router.registry().remove(clientId, filter);
                rerouteShared(state);
            }
            timers.cancel(WILL_TIMER);   // MQTT-3.1.3-9: the session resumed before the will delay passed
            timers.cancel(EXPIRY_TIMER);
            maybeSentThrough = Math.max(maybeSentThrough, sentThrough);
            connection = a.connection();
            connectionId = a.connectionId();
            attachedWill = a.will();
            attachedWillDelay = a.willDelayInterval();
            // the connection may live on another node: if that node dies, no Detach ever comes (see onConnectionGone)
            ctx.watchWith(connection, new ConnectionStopped(connectionId));
            window = Math.max(1, Math.min(Math.min(a.receiveMaximum(), settings.maxInflight()), 65535));
            sentThrough = state.firstSeq() - 1;
            boolean journal = wasPersistent || a.expiryInterval() > 0;
            return record(state, journal, List.of(new SessionEvent.Attached(a.expiryInterval(), a.cleanStart())), st -> {
                sentThrough = st.firstSeq() - 1;
                a.connection().tell(new ToConnection.SessionAttached(sessionPresent, List.copyOf(st.inboundQos2()),
                        ctx.getSelf()));
                pump(st);
            });
        }

        private Effect<SessionEvent, SessionState> onDetach(SessionState state, Detach d) {
            if (d.connectionId() != connectionId) {
                if (connection == null && (!state.isPersistent() || state.detachedAtMillis() == 0)) {
                    // the connection attached to an earlier incarnation (this one was recovered after its node died
                    // or its shard moved, and the connection was closed or lost for that; see cluster.WillWatch): its
                    // end is this session's detach (a clean session: it ends now, with its will)
                    return detach(state, d);
                }
                // a connection that was taken over: the session lives on, so only an undelayed will goes out
                if (d.will() != null && d.willDelayInterval() == 0) router.publish(d.will());
                return Effect().none();
            }
            return detach(state, d);
        }

        private Effect<SessionEvent, SessionState> onOrphanFilters(SessionState state, OrphanFilters o) {
            orphanCleanupStarted = false;
            // a client may have attached and subscribed meanwhile: then these entries are its own again
            if (state.isPersistent() || connection != null || !state.subscriptions().isEmpty()) return Effect().none();
            if (!o.filters().isEmpty()) {
                log.info("session {}: removing {} subscriptions left behind by a lost clean session", clientId, o.filters().size());
            }
            for (String filter : o.filters()) router.registry().remove(clientId, filter);
            passivate();
            return Effect().none();
        }

        private Effect<SessionEvent, SessionState> onConnectionStopped(SessionState state, ConnectionStopped c) {
            if (c.connectionId() == connectionId) timers.startSingleTimer(LOST_TIMER, new ConnectionGone(c.connectionId()), DETACH_GRACE);
            return Effect().none();
        }

        /** MQTT-3.1.2-8: the network connection ended without DISCONNECT (its node died): publish the will. */
        private Effect<SessionEvent, SessionState> onConnectionGone(SessionState state, ConnectionGone c) {
            if (c.connectionId() != connectionId) return Effect().none();
            log.info("session {}: its connection ended without detaching (node lost?); detaching it{}", clientId,
                    attachedWill == null ? "" : " and publishing its will");
            return detach(state, new Detach(connectionId, attachedWill, attachedWillDelay, state.expiryInterval()));
        }

        private Effect<SessionEvent, SessionState> detach(SessionState state, Detach d) {
            if (connection != null) ctx.unwatch(connection);
            timers.cancel(LOST_TIMER);
            attachedWill = null;
            connection = null;
            connectionId = -1;
            maybeSentThrough = Math.max(maybeSentThrough, sentThrough);
            long now = System.currentTimeMillis();
            if (d.expiryInterval() == 0) {
                if (d.will() != null) router.publish(d.will());
                return endSession(state);
            }
            if (d.will() != null) {
                long delay = Math.min(d.willDelayInterval(), d.expiryInterval());
                if (delay <= 0) router.publish(d.will());
                else { pendingWill = d.will(); startWillTimer(d.will(), now + delay * 1000L); }
            }
            return record(state, true, List.of(new SessionEvent.Detached(now, d.expiryInterval(), maybeSentThrough)),
                    st -> scheduleExpiry(st, now));
        }

        private void scheduleExpiry(SessionState state, long detachedAt) {
            if (connection != null || state.expiryInterval() >= SessionState.NEVER_EXPIRES) return;
            long dueAt = detachedAt + state.expiryInterval() * 1000L;
            timers.startSingleTimer(EXPIRY_TIMER, new ExpiryDue(dueAt), timerDelay(dueAt));
        }

        /** Starts (again) the will's timer; false when it is due now. */
        private boolean startWillTimer(ApplicationMessage will, long dueAtMillis) {
            if (dueAtMillis <= System.currentTimeMillis()) return false;
            timers.startSingleTimer(WILL_TIMER, new WillDue(will, dueAtMillis), timerDelay(dueAtMillis));
            return true;
        }

        private static Duration timerDelay(long dueAtMillis) {
            return Duration.ofMillis(Math.min(MAX_TIMER_MILLIS, Math.max(0, dueAtMillis - System.currentTimeMillis())));
        }

        private Effect<SessionEvent, SessionState> onExpiryDue(SessionState state, ExpiryDue e) {
            if (connection != null) return Effect().none();
            if (e.dueAtMillis() > System.currentTimeMillis()) {     // a long interval, in steps of MAX_TIMER_MILLIS
                timers.startSingleTimer(EXPIRY_TIMER, new ExpiryDue(e.dueAtMillis()), timerDelay(e.dueAtMillis()));
                return Effect().none();
            }
            if (timers.isTimerActive(WILL_TIMER)) {
                // MQTT 3.1.3.2.2: the will goes out when the session ends, if its delay has not passed yet
                timers.cancel(WILL_TIMER);
                if (pendingWill != null) router.publish(pendingWill);
            }
            metrics.sessionExpired();
            return endSession(state);
        }

        /** The session is over: forget its subscriptions everywhere and let the entity go. */
        private Effect<SessionEvent, SessionState> endSession(SessionState state) {
            // deliveries still waiting for this session have nowhere to go: their publishers are answered
            acknowledge(pendingDeliveries);
            pendingDeliveries.clear();
            for (String filter : state.subscriptions().keySet()) router.registry().remove(clientId, filter);
            rerouteShared(state);
            completedNotJournaled.clear();
            receivedNotJournaled.clear();
            boolean journal = state.isPersistent();
            return record(state, journal, List.of(new SessionEvent.Ended()), st -> passivate());
        }

        /**
         * MQTT 4.8.2: the session ends, so the messages it got through a shared subscription and the client has not
         * received (not acknowledged; PUBREL-phase ones were received) go to another member of that group.
         */
        private void rerouteShared(SessionState state) {
            if (sharedOrigin.isEmpty()) return;
            java.util.Map<String, List<ApplicationMessage>> byFilter = new java.util.LinkedHashMap<>();
            for (Outbound o : state.queued()) {
                String filter = sharedOrigin.get(o.seq());
                if (filter != null && o.phase() == Outbound.Phase.PUBLISH) {
                    byFilter.computeIfAbsent(filter, k -> new ArrayList<>()).add(o.message());
                }
            }
            sharedOrigin.clear();
            byFilter.forEach(router::rerouteShared);
        }

        /**
         * A command that reached this incarnation directly after it asked to be passivated belongs to the next one:
         * sharding buffers it until this one has stopped, so nothing is handled by a session that is going away.
         */
        private Effect<SessionEvent, SessionState> forwardWhilePassivating(SessionState state, Command c) {
            ClusterSharding.get(ctx.getSystem()).entityRefFor(KEY, clientId).tell(c);
            return Effect().none();
        }

        private void passivate() {
            passivating = true;
            sessions.unregister(clientId, ctx.getSelf());
            shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
        }

        private Effect<SessionEvent, SessionState> onStop(SessionState state, Stop s) {
            if (!pendingDeliveries.isEmpty()) {
                // journal what was accepted before stopping, then stop when this Stop comes round again
                ctx.getSelf().tell(s);
                return onFlushDeliveries(state);
            }
            if (!state.isPersistent()) {
                // a clean session does not survive its incarnation (its connection is told to go, see
                // ToConnection.SessionAttached): its subscriptions must not keep routing to the next one
                for (String filter : state.subscriptions().keySet()) router.registry().remove(clientId, filter);
                return Effect().stop();
            }
            if (completedNotJournaled.isEmpty() && receivedNotJournaled.isEmpty()) return Effect().stop();
            List<SessionEvent> all = new ArrayList<>(2);
            takePendingAcks(all);
            return Effect().persist(all).thenStop();
        }

        // ---- subscriptions ---------------------------------------------------------------------------------

        private Effect<SessionEvent, SessionState> onSubscribe(SessionState state, SubscribeRequest r) {
            List<SessionEvent> events = new ArrayList<>();
            List<ReasonCode> codes = new ArrayList<>();
            List<RetainedRequest> retained = new ArrayList<>();
            List<CompletionStage<Done>> registrations = new ArrayList<>();
            int room = io.meshmq.auth.Security.get(ctx.getSystem()).limits().subscriptionRoom(state.subscriptions().size());
            for (MqttPacket.Subscription s : r.subscriptions()) {
                SubscriptionOptions options = new SubscriptionOptions(s.qos(), s.noLocal(), s.retainAsPublished(),
                        s.retainHandling(), r.subscriptionId());
                boolean existed = state.subscriptions().containsKey(s.filter());
                if (!existed && room-- <= 0) { codes.add(ReasonCode.QUOTA_EXCEEDED); metrics.rejected("limit.subscriptions"); continue; }
                events.add(new SessionEvent.Subscribed(s.filter(), options));
                codes.add(ReasonCode.granted(s.qos()));
                if (!existed) registrations.add(router.registry().add(clientId, s.filter()));
                // MQTT-3.3.1-9..-11 and 3.8.3.1 Retain Handling; never for shared subscriptions (MQTT 4.8.2)
                boolean sendRetained = !Topics.isShared(s.filter())
                        && (s.retainHandling() == 0 || (s.retainHandling() == 1 && !existed));
                if (sendRetained) retained.add(new RetainedRequest(s.filter(), options));
            }
            long connId = r.connectionId();
            return record(state, state.isPersistent(), events, st -> {
                CompletableFuture<?>[] all = registrations.stream().map(CompletionStage::toCompletableFuture)
                        .toArray(CompletableFuture[]::new);
                ctx.pipeToSelf(CompletableFuture.allOf(all), (ok, err) ->
                        new SubscriptionsRegistered(connId, r.packetId(),
                                err == null ? codes : codes.stream().map(c -> ReasonCode.UNSPECIFIED_ERROR).toList(),
                                err == null ? retained : List.of()));
            });
        }

        private Effect<SessionEvent, SessionState> onSubscriptionsRegistered(SessionState state, SubscriptionsRegistered r) {
            if (connection != null && r.connectionId() == connectionId) {
                connection.tell(new ToConnection.SendSubAck(r.packetId(), r.codes()));
            }
            for (RetainedRequest req : r.retained()) {
                ctx.pipeToSelf(router.retained().match(req.filter()), (msgs, err) ->
                        new RetainedFound(req.options(), err == null ? msgs : List.of()));
            }
            return Effect().none();
        }

        private Effect<SessionEvent, SessionState> onRetainedFound(SessionState state, RetainedFound f) {
            if (f.messages().isEmpty()) return Effect().none();
            List<Outbound> enqueue = new ArrayList<>();
            long seq = state.nextSeq();
            List<Integer> ids = f.options().subscriptionId() > 0 ? List.of(f.options().subscriptionId()) : List.of();
            for (ApplicationMessage m : f.messages()) {
                QoS qos = QoS.min(m.qos(), f.options().qos());
                if (qos == QoS.AT_MOST_ONCE) {
                    if (connection != null) connection.tell(new ToConnection.SendPublish(m, qos, true, false, 0, ids));
                } else if (state.queueSize() + enqueue.size() < settings.maxQueuedMessages()) {
                    enqueue.add(new Outbound(seq++, m, qos, true, ids, Outbound.Phase.PUBLISH));
                }
            }
            if (enqueue.isEmpty()) return Effect().none();
            return record(state, state.isPersistent(), List.of(new SessionEvent.Enqueued(enqueue)), this::pump);
        }

        private Effect<SessionEvent, SessionState> onUnsubscribe(SessionState state, UnsubscribeRequest r) {
            List<SessionEvent> events = new ArrayList<>();
            List<ReasonCode> codes = new ArrayList<>();
            for (String filter : r.filters()) {
                if (state.subscriptions().containsKey(filter)) {
                    events.add(new SessionEvent.Unsubscribed(filter));
                    router.registry().remove(clientId, filter);
                    codes.add(ReasonCode.SUCCESS);
                } else {
                    codes.add(ReasonCode.NO_SUBSCRIPTION_EXISTED);
                }
            }
            return record(state, state.isPersistent() && !events.isEmpty(), events, st -> {
                if (connection != null && r.connectionId() == connectionId) {
                    connection.tell(new ToConnection.SendUnsubAck(r.packetId(), codes));
                }
            });
        }

        // ---- inbound QoS 2 ---------------------------------------------------------------------------------

        private Effect<SessionEvent, SessionState> onStoreInbound(SessionState state, StoreInbound s) {
            if (s.connectionId() != connectionId) return Effect().none();
            return record(state, state.isPersistent(), List.of(new SessionEvent.InboundStored(s.packetId())), st -> {
                if (connection != null) connection.tell(new ToConnection.InboundStoredAck(s.packetId()));
            });
        }

        private Effect<SessionEvent, SessionState> onReleaseInbound(SessionState state, ReleaseInbound r) {
            if (r.connectionId() != connectionId) return Effect().none();
            if (!state.isInboundStored(r.packetId())) {
                connection.tell(new ToConnection.InboundReleasedAck(r.packetId()));
                return Effect().none();
            }
            return record(state, state.isPersistent(), List.of(new SessionEvent.InboundReleased(r.packetId())), st -> {
                if (connection != null) connection.tell(new ToConnection.InboundReleasedAck(r.packetId()));
            });
        }
    }
}
