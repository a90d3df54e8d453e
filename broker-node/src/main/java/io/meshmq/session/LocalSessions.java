package io.meshmq.session;

import io.meshmq.routing.ApplicationMessage;
import io.meshmq.routing.Deliverer;
import io.meshmq.routing.DeliveryAck;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Delivery to sessions: straight to the entity when it lives on this node, through sharding otherwise. The direct
 * path saves the two mailbox hops of the shard region and the shard on every message.
 *
 * <p>Order is kept because a session registers here before any of its subscriptions enters the routing index
 * (when it starts, before recovery, and before it handles a SUBSCRIBE), so a publisher never switches from the
 * sharding path to the direct one for a target it was already sending to. A session unregisters before it ends;
 * what is then sent goes through sharding, whose passivation protocol buffers it for a new incarnation.
 */
public final class LocalSessions implements Deliverer {
    private final ClusterSharding sharding;
    private final ConcurrentHashMap<String, ActorRef<SessionEntity.Command>> local = new ConcurrentHashMap<>();

    private final boolean direct;

    /** {@code direct}: use the direct path at all (single node); otherwise everything goes through sharding. */
    public LocalSessions(ActorSystem<?> system, boolean direct) {
        this.sharding = ClusterSharding.get(system);
        this.direct = direct;
    }

    void register(String clientId, ActorRef<SessionEntity.Command> ref) {
        if (direct) local.put(clientId, ref);
    }

    void unregister(String clientId, ActorRef<SessionEntity.Command> ref) {
        local.remove(clientId, ref);
    }

    public void tell(String clientId, SessionEntity.Command command) {
        ActorRef<SessionEntity.Command> ref = local.get(clientId);
        if (ref != null) ref.tell(command);
        else sharding.entityRefFor(SessionEntity.KEY, clientId).tell(command);
    }

    @Override
    public void deliver(String clientId, String sharedFilter, List<ApplicationMessage> messages,
                        ActorRef<DeliveryAck> replyTo, long correlationId) {
        SessionEntity.Deliver d = new SessionEntity.Deliver(sharedFilter, messages, replyTo, correlationId);
        ActorRef<SessionEntity.Command> ref = local.get(clientId);
        if (ref != null) ref.tell(d);
        else sharding.entityRefFor(SessionEntity.KEY, clientId).tell(d);
    }

    public int size() { return local.size(); }
}
