package io.meshmq.cluster;

import io.meshmq.connection.ConnectionCommand;
import io.meshmq.ops.CborSerializable;
import io.meshmq.session.SessionEntity;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the will of a client whose connection and session live on the same node, on another node. When a node dies,
 * a session on another node sees its connection vanish and publishes the will itself; but a session that died with
 * the connection cannot. For those, the connection hands its would-be Detach (with the will) to the WillWatch of
 * another node, which watches the connection and, if it stops without having withdrawn the Detach (its node died),
 * sends the Detach to the session's next incarnation through sharding, once the node is removed from the cluster.
 * A normal end of the connection withdraws it first ({@link Unwatch}).
 */
public final class WillWatch implements Extension {
    private static final Logger log = LoggerFactory.getLogger(WillWatch.class);
    private static final ServiceKey<Command> SERVICE = ServiceKey.create(Command.class, "meshmq-will-watch");
    /** An Unwatch sent just before a normal stop may arrive after the stop is noticed: wait this long for it. */
    private static final Duration GRACE = Duration.ofSeconds(2);

    public sealed interface Command {}

    /** Watch {@code connection}; if it stops without {@link Unwatch}, tell the session of {@code clientId} {@code detach}. */
    public record Watch(ActorRef<ConnectionCommand> connection, String clientId, SessionEntity.Detach detach)
            implements Command, CborSerializable {}

    public record Unwatch(ActorRef<ConnectionCommand> connection) implements Command, CborSerializable {}

    private record Stopped(ActorRef<ConnectionCommand> connection) implements Command {}

    private record Gone(ActorRef<ConnectionCommand> connection) implements Command {}

    private record Peers(Receptionist.Listing listing) implements Command {}

    public static final class Id extends ExtensionId<WillWatch> {
        @Override public WillWatch createExtension(ActorSystem<?> system) { return new WillWatch(system); }
    }

    public static final Id ID = new Id();

    /** Started by cluster start-up on every node; a single node has no other node to keep wills on. */
    public static WillWatch get(ActorSystem<?> system) { return ID.apply(system); }

    /** Whether cluster start-up started it on this node. */
    public static boolean enabled(ActorSystem<?> system) { return system.hasExtension(ID); }

    private final ActorRef<Command> self;
    private volatile List<ActorRef<Command>> others = List.of();

    private WillWatch(ActorSystem<?> system) {
        this.self = system.systemActorOf(behavior(), "will-watch", Props.empty());
    }

    /** The WillWatch of another node for {@code clientId}'s will (spread by client id), if there is another node. */
    public Optional<ActorRef<Command>> elsewhere(String clientId) {
        return elsewhere(clientId, null);
    }

    /** As {@link #elsewhere(String)}, never {@code not} (a WillWatch that stopped, still listed for a moment). */
    public Optional<ActorRef<Command>> elsewhere(String clientId, ActorRef<Command> not) {
        List<ActorRef<Command>> now = new ArrayList<>(others);
        if (not != null) now.remove(not);
        return now.isEmpty() ? Optional.empty() : Optional.of(now.get(Math.floorMod(clientId.hashCode(), now.size())));
    }

    private Behavior<Command> behavior() {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE, ctx.getSelf()));
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(SERVICE, ctx.messageAdapter(Receptionist.Listing.class, Peers::new)));
            Map<ActorRef<ConnectionCommand>, Watch> watched = new HashMap<>();
            ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
            return Behaviors.receive(Command.class)
                    .onMessage(Peers.class, p -> {
                        List<ActorRef<Command>> list = new ArrayList<>(p.listing().getServiceInstances(SERVICE));
                        list.remove(ctx.getSelf());
                        list.sort(Comparator.comparing(r -> r.path().toString()));
                        others = List.copyOf(list);
                        return Behaviors.same();
                    })
                    .onMessage(Watch.class, w -> {
                        Watch before = watched.put(w.connection(), w);
                        if (before == null) ctx.watchWith(w.connection(), new Stopped(w.connection()));
                        return Behaviors.same();
                    })
                    .onMessage(Unwatch.class, u -> {
                        if (watched.remove(u.connection()) != null) ctx.unwatch(u.connection());
                        return Behaviors.same();
                    })
                    .onMessage(Stopped.class, s -> {
                        if (watched.containsKey(s.connection())) timers.startSingleTimer(s.connection(), new Gone(s.connection()), GRACE);
                        return Behaviors.same();
                    })
                    .onMessage(Gone.class, g -> {
                        Watch w = watched.remove(g.connection());
                        if (w != null) {
                            log.info("client {}: its connection and session were lost with their node; its session's next incarnation detaches it{}",
                                    w.clientId(), w.detach().will() == null ? "" : " and publishes its will");
                            sharding.entityRefFor(SessionEntity.KEY, w.clientId()).tell(w.detach());
                        }
                        return Behaviors.same();
                    })
                    .build();
        }));
    }
}
