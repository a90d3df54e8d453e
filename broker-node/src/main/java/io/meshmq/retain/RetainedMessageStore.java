package io.meshmq.retain;

import io.meshmq.ops.CborSerializable;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.routing.DeliveryAck;
import io.meshmq.routing.RetainedMessages;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The durable retained messages of the broker (MQTT 3.3.1.3): an event-sourced actor over a {@link RetainedStore}
 * index. A retained PUBLISH of QoS 1/2 is acknowledged to its publisher only once journaled.
 *
 * <p>It enforces broker.limits.max-retained-messages / max-retained-bytes ({@link Quota}): a message without room is
 * not retained (it was routed to the subscribers all the same), which the publisher hears as
 * {@link DeliveryAck#notRetained()}. Deleting (empty payload) and replacing with a message no larger always work.
 * In a cluster the store is a singleton, so the limits are the cluster's.
 */
public final class RetainedMessageStore {
    private static final Logger log = LoggerFactory.getLogger(RetainedMessageStore.class);
    /** The broker's own $SYS statistics (ops.SysTopics) are not held to the limits: they are few and must not stop. */
    private static final String SYS_PUBLISHER = "$SYS";

    static boolean limited(ApplicationMessage m) {
        return !(SYS_PUBLISHER.equals(m.publisherId()) && m.topic().startsWith("$SYS/"));
    }

    private RetainedMessageStore() {}

    /**
     * The retained limits (0: none) and what to do on each refusal (count it).
     *
     * @param maxMessages retained messages at most
     * @param maxBytes    total {@link ApplicationMessage#weight()} of the retained messages at most
     */
    public record Quota(int maxMessages, long maxBytes, Runnable onRefused) {
        public static final Quota NONE = new Quota(0, 0, () -> { });
    }

    public sealed interface Command extends CborSerializable {}

    /** @param index the message's position in the routed list, named in the answer when it is not retained */
    public record Retain(ApplicationMessage message, ActorRef<DeliveryAck> replyTo, long correlationId, int index) implements Command {}

    public record Match(String filter, ActorRef<Matched> replyTo) implements Command {}

    /** Answer to {@link Match}; a record, not a bare list, so that it crosses nodes (the store is a cluster singleton). */
    public record Matched(List<ApplicationMessage> messages) implements CborSerializable {}

    public sealed interface Event extends CborSerializable {}

    public record Stored(ApplicationMessage message) implements Event {}

    public record Cleared(String topic) implements Event {}

    public record Snapshot(List<ApplicationMessage> messages) implements CborSerializable {}

    /** Mutable on purpose (see SessionState): snapshots copy it through the adapter. */
    static final class State {
        final Map<String, ApplicationMessage> byTopic = new HashMap<>();
        final RetainedStore<ApplicationMessage> index = new RetainedStore<>(ApplicationMessage::weight, RetainedMessageStore::limited);

        void apply(Event e) {
            if (e instanceof Stored s) {
                byTopic.put(s.message().topic(), s.message());
                index.put(s.message().topic(), s.message());
            } else if (e instanceof Cleared c) {
                if (byTopic.remove(c.topic()) != null) index.remove(c.topic());
            }
        }
    }

    public static Behavior<Command> create(String persistenceId, String journalPluginId, String snapshotPluginId, Quota quota) {
        return new Store(PersistenceId.ofUniqueId(persistenceId), journalPluginId, snapshotPluginId, quota);
    }

    /** The {@link RetainedMessages} view the router uses. */
    public static RetainedMessages client(ActorSystem<?> system, ActorRef<Command> store) {
        return new RetainedMessages() {
            @Override public void retain(ApplicationMessage message, ActorRef<DeliveryAck> replyTo, long correlationId, int index) {
                store.tell(new Retain(message, replyTo, correlationId, index));
            }

            @Override public CompletionStage<List<ApplicationMessage>> match(String filter) {
                return AskPattern.<Command, Matched>ask(store, r -> new Match(filter, r), Duration.ofSeconds(10),
                        system.scheduler()).thenApply(Matched::messages);
            }
        };
    }

    private static final class Store extends EventSourcedBehavior<Command, Event, State> {
        private final String journalPluginId;
        private final String snapshotPluginId;
        private final Quota quota;
        private boolean refusedBefore;

        Store(PersistenceId id, String journalPluginId, String snapshotPluginId, Quota quota) {
            super(id);
            this.journalPluginId = journalPluginId;
            this.snapshotPluginId = snapshotPluginId;
            this.quota = quota;
        }

        @Override public State emptyState() { return new State(); }

        @Override public String journalPluginId() { return journalPluginId; }

        @Override public String snapshotPluginId() { return snapshotPluginId; }

        @Override public RetentionCriteria retentionCriteria() {
            return RetentionCriteria.snapshotEvery(1000, 2).withDeleteEventsOnSnapshot();
        }

        @Override public SnapshotAdapter<State> snapshotAdapter() {
            return new SnapshotAdapter<>() {
                @Override public Object toJournal(State state) { return new Snapshot(new ArrayList<>(state.byTopic.values())); }

                @Override public State fromJournal(Object from) {
                    State s = new State();
                    for (ApplicationMessage m : ((Snapshot) from).messages()) s.apply(new Stored(m));
                    return s;
                }
            };
        }

        @Override public EventHandler<State, Event> eventHandler() {
            return newEventHandlerBuilder().forAnyState().onAnyEvent((state, event) -> {
                state.apply(event);
                return state;
            });
        }

        @Override public CommandHandler<Command, Event, State> commandHandler() {
            return newCommandHandlerBuilder().forAnyState()
                    .onCommand(Retain.class, this::onRetain)
                    .onCommand(Match.class, (state, m) -> {
                        long now = System.currentTimeMillis();
                        List<ApplicationMessage> found = new ArrayList<>();
                        state.index.match(m.filter(), msg -> { if (!msg.isExpired(now)) found.add(msg); });
                        m.replyTo().tell(new Matched(found));
                        return Effect().none();
                    })
                    .build();
        }

        private Effect<Event, State> onRetain(State state, Retain r) {
            ApplicationMessage m = r.message();
            Event e = m.payload().length == 0 ? new Cleared(m.topic()) : new Stored(m);
            if (e instanceof Cleared && !state.byTopic.containsKey(m.topic())) {
                ack(r, null);
                return Effect().none();
            }
            if (e instanceof Stored && !state.index.fits(m.topic(), m, quota.maxMessages(), quota.maxBytes())) {
                quota.onRefused().run();
                // once at WARN so that operators see the limit is reached; every refusal is counted
                if (!refusedBefore) {
                    log.warn("retained message for '{}' from '{}' not retained: {} retained messages ({} bytes), limits {} / {} bytes (further refusals are only counted, rejected.limit.retained)",
                            m.topic(), m.publisherId(), state.index.size(), state.index.totalBytes(), quota.maxMessages(), quota.maxBytes());
                    refusedBefore = true;
                } else {
                    log.debug("retained message for '{}' from '{}' not retained: over the retained limits", m.topic(), m.publisherId());
                }
                ack(r, r.index());
                return Effect().none();
            }
            return Effect().persist(e).thenRun(s -> ack(r, null));
        }

        private static void ack(Retain r, Integer notRetained) {
            if (r.replyTo() != null) r.replyTo().tell(new DeliveryAck(r.correlationId(), true, notRetained));
        }
    }
}
