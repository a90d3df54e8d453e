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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The durable retained messages of the broker (MQTT 3.3.1.3): an event-sourced actor over a {@link RetainedStore}
 * index. A retained PUBLISH of QoS 1/2 is acknowledged to its publisher only once journaled.
 */
public final class RetainedMessageStore {
    private RetainedMessageStore() {}

    public sealed interface Command extends CborSerializable {}

    public record Retain(ApplicationMessage message, ActorRef<DeliveryAck> replyTo, long correlationId) implements Command {}

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
        final RetainedStore<ApplicationMessage> index = new RetainedStore<>(ApplicationMessage::weight);

        void apply(Event e) {
            if (e instanceof Stored s) {
                byTopic.put(s.message().topic(), s.message());
                index.put(s.message().topic(), s.message());
            } else if (e instanceof Cleared c) {
                if (byTopic.remove(c.topic()) != null) index.remove(c.topic());
            }
        }
    }

    public static Behavior<Command> create(String persistenceId, String journalPluginId, String snapshotPluginId) {
        return new Store(PersistenceId.ofUniqueId(persistenceId), journalPluginId, snapshotPluginId);
    }

    /** The {@link RetainedMessages} view the router uses. */
    public static RetainedMessages client(ActorSystem<?> system, ActorRef<Command> store) {
        return new RetainedMessages() {
            @Override public void retain(ApplicationMessage message, ActorRef<DeliveryAck> replyTo, long correlationId) {
                store.tell(new Retain(message, replyTo, correlationId));
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

        Store(PersistenceId id, String journalPluginId, String snapshotPluginId) {
            super(id);
            this.journalPluginId = journalPluginId;
            this.snapshotPluginId = snapshotPluginId;
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
                ack(r);
                return Effect().none();
            }
            return Effect().persist(e).thenRun(s -> ack(r));
        }

        private static void ack(Retain r) {
            if (r.replyTo() != null) r.replyTo().tell(new DeliveryAck(r.correlationId(), true));
        }
    }
}
